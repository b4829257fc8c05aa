// The end of a rollout: whether every server runs the new release or why the rollout stopped, which servers run
// which release now, which were not touched, and where to read more about a failure.
import type { FleetState } from '../../../src-main/ipc/fleet-contract.ts';
import { Icon } from '../../components/icons.tsx';
import { Card } from '../../components/ui.tsx';
import { duration } from '../../lib/format.ts';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function FleetSummary({ state }: { state: FleetState }) {
  const s = state.summary;
  if (!s) return null;
  const verdict = s.ok
    ? 'Every server runs the new release, and stayed healthy through its bake.'
    : s.cancelled
      ? 'Rollout stopped by you: servers not started yet were not touched.'
      : s.haltedByCanary
        ? 'Rollout stopped: the canary failed, so no other server was touched.'
        : s.haltedByBudget
          ? `Rollout stopped: more servers failed than allowed (${state.settings?.maxFailures ?? 0}), so the rest were not touched.`
          : 'Some servers failed; the others run the new release.';
  const failed = state.hosts.filter((h) => h.state === 'failed' || h.state === 'rolled-back');
  return (
    <Card title="Summary">
      <div className={s.ok ? 'success-box' : 'error-box'} role="status" data-testid="fleet-verdict">
        {s.ok ? <Icon.Check /> : <Icon.Alert />} {verdict}
      </div>
      <ul className="rows" data-testid="fleet-releases">
        {Object.entries(s.releases).map(([release, hosts]) => (
          <li key={release} className="row-item">
            <span className="row-main">
              <strong>
                {release === 'unchanged'
                  ? 'Still on what they ran before'
                  : release === 'nothing'
                    ? 'Nothing installed'
                    : release === 'unknown'
                      ? 'State unknown'
                      : release}
              </strong>
              <small>{hosts.join(', ')}</small>
            </span>
            <span className="muted">{plural(hosts.length, 'server')}</span>
          </li>
        ))}
        {s.untouched.length > 0 && (
          <li className="row-item">
            <span className="row-main">
              <strong>Not touched</strong>
              <small>{s.untouched.join(', ')}</small>
            </span>
            <span className="muted">{plural(s.untouched.length, 'server')}</span>
          </li>
        )}
      </ul>
      <p className="muted" data-testid="fleet-counts">
        {s.counts.deployed} deployed, {s.counts.unchanged} unchanged, {s.counts.failed} failed,{' '}
        {s.counts.skipped} not touched, in {duration(Math.round(s.durationMs / 1000))}.
      </p>
      {failed.length > 0 && (
        <p className="muted">
          What failed and why is in each failed server's row (Details: its last log lines). The whole journal:{' '}
          <code>mono logs {failed[0]?.name} -i KEY</code> on this computer.
        </p>
      )}
    </Card>
  );
}
