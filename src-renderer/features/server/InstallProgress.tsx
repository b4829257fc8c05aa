// Progress of an install or update: a bar, the named steps with their state, and the log (shared by the wizard
// and the Server screen).
import { useState } from 'react';
import type { InstallState } from '../../../src-main/ipc/contract.ts';
import { Icon } from '../../components/icons.tsx';

export function InstallProgress({ state }: { state: InstallState }) {
  const [showLog, setShowLog] = useState(false);
  const total = state.steps.length || 1;
  const done = state.steps.filter((s) => s.status === 'done' || s.status === 'skipped').length;
  const percent = Math.round((done / total) * 100);
  return (
    <div className="install">
      <div
        className={`progress${state.error ? ' progress-bad' : ''}`}
        role="progressbar"
        aria-valuenow={percent}
        aria-valuemin={0}
        aria-valuemax={100}
      >
        <div className="progress-fill" style={{ width: `${percent}%` }} />
      </div>
      <ul className="install-steps">
        {state.steps.map((s) => (
          <li key={s.step} className={`install-step is-${s.status}`} data-testid={`install-${s.step}`}>
            <span className="install-icon">
              {s.status === 'done' ? (
                <Icon.Check />
              ) : s.status === 'failed' ? (
                <Icon.Alert />
              ) : s.status === 'waiting' ? (
                <Icon.Clock />
              ) : s.status === 'running' ? (
                <span className="spinner spinner-inline" />
              ) : (
                <span className="dot-empty" />
              )}
            </span>
            <span>{s.message}</span>
          </li>
        ))}
      </ul>
      {state.log.length > 0 && (
        <div className="log-toggle">
          <button type="button" className="link" onClick={() => setShowLog(!showLog)}>
            {showLog ? 'Hide details' : 'Show details'}
          </button>
          {showLog && <pre className="log">{state.log.join('\n')}</pre>}
        </div>
      )}
    </div>
  );
}
