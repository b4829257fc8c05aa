// The rollout, one row per server: canary or not, its state (a bake counting down), the release it runs (and the
// one it gets), what it does now, and for a failure what to do and its last log lines.
import type { FleetState } from '../../../src-main/ipc/fleet-contract.ts';
import { Badge } from '../../components/ui.tsx';
import { HOST_STATE, phaseLine, secondsLeft, useNow } from './fleet-view.ts';

export function FleetHosts({ state }: { state: FleetState }) {
  const now = useNow(state.hosts.some((h) => h.state === 'baking'));
  return (
    <>
      {state.running && (
        <div className="info-box" role="status" data-testid="fleet-phase">
          {phaseLine(state, now)}
        </div>
      )}
      <table className="fleet-table">
        <thead>
          <tr>
            <th>Server</th>
            <th>State</th>
            <th>Release</th>
            <th>Now</th>
          </tr>
        </thead>
        <tbody>
          {state.hosts.map((h) => {
            const shown = HOST_STATE[h.state];
            const left = h.state === 'baking' ? secondsLeft(h.bakeEndsAt, now) : undefined;
            return (
              <tr key={h.name} data-testid="fleet-host" data-host={h.name} data-state={h.state}>
                <td>
                  <code>{h.name}</code> {h.canary && <Badge tone="info">canary</Badge>}
                </td>
                <td>
                  <Badge tone={shown.tone}>{shown.label}</Badge>
                  {left !== undefined && (
                    <span className="fleet-countdown" data-testid="fleet-bake-left">
                      {' '}
                      {left} s left
                    </span>
                  )}
                </td>
                <td data-testid="fleet-release">
                  {h.running ?? '—'}
                  {h.target &&
                  h.target !== h.running &&
                  !['healthy', 'rolled-back', 'failed'].includes(h.state)
                    ? ` → ${h.target}`
                    : ''}
                </td>
                <td className="fleet-now">
                  <span data-testid="fleet-message">{h.message}</span>
                  {h.step && (h.state === 'deploying' || h.state === 'baking') && (
                    <small className="muted">
                      {' '}
                      (step {h.step.index} of {h.step.total})
                    </small>
                  )}
                  {(h.hint || h.log.length > 0) && (
                    <details>
                      <summary>Details</summary>
                      {h.hint && <p>{h.hint}</p>}
                      {h.logTail && (
                        <>
                          <p className="muted">Its last log lines:</p>
                          <pre className="log">{h.logTail.join('\n')}</pre>
                        </>
                      )}
                      <pre className="log">{h.log.join('\n')}</pre>
                    </details>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </>
  );
}
