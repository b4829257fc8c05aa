// First contact with the owner's VPS: the key the server presented, explained in plain words, and where to
// compare it. MONO pins it (and only then sends anything there) once the owner says it matches; a key that
// changed since it was pinned is refused, with what to do.
import type { HostKeyView } from '../../../src-main/ipc/contract.ts';
import { Icon } from '../../components/icons.tsx';
import { Button } from '../../components/ui.tsx';

/** ssh-ed25519 → ed25519, ecdsa-sha2-nistp256 → ecdsa, ssh-rsa → rsa: the name of the key file on the server. */
function keyFileName(type: string): string {
  if (type.includes('ed25519')) return 'ed25519';
  if (type.startsWith('ecdsa')) return 'ecdsa';
  return 'rsa';
}

export function HostKeyCheck(props: {
  hostKey: HostKeyView;
  busy: boolean;
  onTrust: () => void;
  onReject: () => void;
}) {
  const { hostKey } = props;
  const where = hostKey.port === 22 ? hostKey.host : `${hostKey.host}:${hostKey.port}`;
  if (hostKey.status === 'changed') {
    return (
      <div className="error-box span-all" role="alert" data-testid="host-key-changed">
        <Icon.Alert />
        <div>
          <strong>MONO refuses to connect: this server's key changed</strong>
          <p>{hostKey.problem}</p>
        </div>
      </div>
    );
  }
  return (
    <div className="info-box host-key span-all" data-testid="host-key-check">
      <strong>Is this your server?</strong>
      <p>
        This is the first time MONO connects to {where}. A server proves who it is with a key; here is the
        fingerprint of the key that answered:
      </p>
      <pre className="code-line" data-testid="host-key-fingerprint">
        {hostKey.type} {hostKey.fingerprint}
      </pre>
      <p>
        Before MONO sends your keys there, compare it with what your VPS provider shows: most show it in the
        server's web console (the boot log lists "SSH HOST KEY FINGERPRINTS"), or open that console and run{' '}
        <code>ssh-keygen -lf /etc/ssh/ssh_host_{keyFileName(hostKey.type)}_key.pub</code>. If the two match,
        trust it: MONO remembers it and refuses any other key for this server from now on. If they differ, do
        not continue — someone may be between you and your server.
      </p>
      <div className="form-actions">
        <Button kind="ghost" onClick={props.onReject}>
          They differ
        </Button>
        <Button kind="primary" busy={props.busy} onClick={props.onTrust}>
          They match — trust this server
        </Button>
      </div>
    </div>
  );
}
