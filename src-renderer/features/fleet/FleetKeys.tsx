// Each listed server's host key before anything is sent there: trusted ones, new ones with their fingerprint to
// compare, changed or unreachable ones refused. New keys are pinned only when the owner says they match.
import type { FleetHostKey } from '../../../src-main/ipc/contract.ts';
import { Badge, Button } from '../../components/ui.tsx';

function status(k: FleetHostKey): { tone: 'good' | 'warn' | 'bad'; label: string } {
  if (k.error) return { tone: 'bad', label: 'Not reachable' };
  if (k.status === 'changed') return { tone: 'bad', label: 'Key changed: refused' };
  if (k.status === 'new') return { tone: 'warn', label: 'New: compare it' };
  return { tone: 'good', label: 'Trusted' };
}

export function FleetKeys(props: {
  keys: FleetHostKey[];
  busy: boolean;
  onTrust: (keys: FleetHostKey[]) => void;
  onReject: () => void;
}) {
  const fresh = props.keys.filter((k) => k.status === 'new' && !k.error);
  return (
    <div className="fleet-keys" data-testid="fleet-keys">
      <ul className="rows">
        {props.keys.map((k) => {
          const shown = status(k);
          return (
            <li
              key={k.name}
              className="row-item"
              data-testid="fleet-key"
              data-host={k.name}
              data-status={shown.label}
            >
              <span className="row-main">
                <code>{k.name}</code>
                <small data-testid="fleet-key-fingerprint">
                  {k.error ?? k.problem ?? `${k.type} ${k.fingerprint}`}
                </small>
              </span>
              <Badge tone={shown.tone}>{shown.label}</Badge>
            </li>
          );
        })}
      </ul>
      {fresh.length > 0 && (
        <div className="info-box host-key">
          <strong>
            {fresh.length} server{fresh.length === 1 ? ' is' : 's are'} new to MONO
          </strong>
          <p>
            Compare each fingerprint above with what your provider shows for that server (its web console's
            boot log lists "SSH HOST KEY FINGERPRINTS", or run{' '}
            <code>ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub</code> there). MONO pins the keys you trust
            and refuses any other key for those servers from then on; until then nothing is sent to them.
          </p>
          <div className="form-actions">
            <Button kind="ghost" onClick={props.onReject}>
              They differ
            </Button>
            <Button kind="primary" busy={props.busy} onClick={() => props.onTrust(fresh)}>
              They match — trust {fresh.length} server{fresh.length === 1 ? '' : 's'}
            </Button>
          </div>
        </div>
      )}
    </div>
  );
}
