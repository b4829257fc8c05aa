// Step 4: where the agent runs — this computer (local mode) or the user's VPS (host, user, key, connection test).
// On first contact with a VPS the owner compares its host key before anything is pinned or sent there.
import { useState } from 'react';
import type { HostKeyView, PreflightCheck } from '../../../src-main/ipc/contract.ts';
import { Icon } from '../../components/icons.tsx';
import { Button, Field } from '../../components/ui.tsx';
import { mono } from '../../lib/mono.ts';
import { useAction } from '../../lib/use-action.ts';
import { useStore } from '../../store/store.ts';
import { HostKeyCheck } from './HostKeyCheck.tsx';
import { Choice } from './WhatsAppStep.tsx';

type Action = 'test' | 'go';
type FieldName = 'host' | 'user' | 'port';

/** Main names the field a validation message is about as "(host)" at its end: show it beside that field. */
function fieldOf(message: string): { field?: FieldName; text: string } {
  const match = /^(.*) \((host|user|port)\)$/s.exec(message);
  return match ? { field: match[2] as FieldName, text: match[1] as string } : { text: message };
}

export function WhereStep() {
  const saved = useStore((s) => s.app?.wizard.vps);
  const [where, setWhere] = useState<'local' | 'vps'>(saved ? 'vps' : 'local');
  const [vps, setVps] = useState({
    host: saved?.host ?? '',
    user: saved?.user ?? 'root',
    port: String(saved?.port ?? 22),
    keyPath: saved?.keyPath ?? '',
  });
  const [publicKey, setPublicKey] = useState<string>();
  const [checks, setChecks] = useState<PreflightCheck[]>();
  const { running: busy, error: message, setError, run: runAction } = useAction<Action | 'key' | 'trust'>();
  // A message about one field is shown beside it; any other below the form.
  const problem = message === undefined ? undefined : fieldOf(message);
  const error = problem?.field ? undefined : problem?.text;
  // The key the server presented, waiting for the owner's comparison, and what to do once it is trusted.
  const [hostKey, setHostKey] = useState<{ view: HostKeyView; next: Action }>();

  const target = () => ({
    host: vps.host,
    user: vps.user,
    port: Number(vps.port) || 22,
    keyPath: vps.keyPath,
  });

  const run = (kind: Action | 'key' | 'trust', fn: () => Promise<void>) => runAction(fn, kind);

  async function act(action: Action): Promise<void> {
    if (action === 'test') setChecks((await mono.ssh.test(target())).checks);
    else await mono.wizard.chooseVps(target());
  }

  /** Test or install, once the server's key is one MONO pinned; a new key is shown to the owner first. */
  function connect(action: Action): void {
    void run(action, async () => {
      setHostKey(undefined);
      const view = await mono.ssh.hostKey(target());
      if (view.status === 'pinned') await act(action);
      else setHostKey({ view, next: action });
    });
  }

  function trust(): void {
    if (!hostKey) return;
    const { view, next } = hostKey;
    void run('trust', async () => {
      await mono.ssh.trustHostKey({ target: target(), fingerprint: view.fingerprint });
      setHostKey(undefined);
      await act(next);
    });
  }

  const set = (key: keyof typeof vps) => (e: React.ChangeEvent<HTMLInputElement>) => {
    setVps({ ...vps, [key]: e.target.value });
    setHostKey(undefined);
    if (problem?.field === key) setError(undefined);
  };
  const errorFor = (field: FieldName) => (problem?.field === field ? problem.text : undefined);

  return (
    <>
      <p className="eyebrow">Step 4 of 6</p>
      <h1>Where should your agent live?</h1>
      <p className="lead">It needs a machine that stays on. You can start here and move it to a VPS later.</p>
      <div className="choices choices-wide" role="radiogroup" aria-label="Where MONO runs">
        <Choice
          checked={where === 'local'}
          onSelect={() => setWhere('local')}
          icon={<Icon.Server />}
          title="This computer"
          text="Free and instant. Your agent answers while this computer is on."
        />
        <Choice
          checked={where === 'vps'}
          onSelect={() => setWhere('vps')}
          icon={<Icon.Cloud />}
          title="My VPS"
          text="Always on. MONO installs itself over SSH — any Debian or Ubuntu server."
        />
      </div>
      {where === 'vps' && (
        <div className="form form-vps">
          <Field label="Server address" hint="An IP address or host name." error={errorFor('host')}>
            {(id, note) => (
              <input
                id={id}
                aria-describedby={note}
                placeholder="203.0.113.7"
                value={vps.host}
                onChange={set('host')}
              />
            )}
          </Field>
          <Field label="User" error={errorFor('user')}>
            {(id, note) => <input id={id} aria-describedby={note} value={vps.user} onChange={set('user')} />}
          </Field>
          <Field label="SSH port" error={errorFor('port')}>
            {(id, note) => (
              <input
                id={id}
                aria-describedby={note}
                inputMode="numeric"
                value={vps.port}
                onChange={set('port')}
              />
            )}
          </Field>
          <div className="span-all">
            <Field label="Private key" hint="The key file you log in with, e.g. ~/.ssh/id_ed25519.">
              {(id, note) => (
                <div className="input-row">
                  <input
                    id={id}
                    aria-describedby={note}
                    placeholder="~/.ssh/id_ed25519"
                    value={vps.keyPath}
                    onChange={set('keyPath')}
                  />
                  <Button
                    small
                    busy={busy === 'key'}
                    onClick={() =>
                      void run('key', async () => {
                        const key = await mono.ssh.generateKey();
                        setVps({ ...vps, keyPath: key.keyPath });
                        setPublicKey(key.publicKeyLine);
                      })
                    }
                  >
                    Create a new key
                  </Button>
                </div>
              )}
            </Field>
          </div>
          {publicKey && (
            <div className="info-box span-all">
              Add this line to <code>~/.ssh/authorized_keys</code> on the server, then test the connection:
              <pre className="code-line">{publicKey}</pre>
            </div>
          )}
          {hostKey && (
            <HostKeyCheck
              hostKey={hostKey.view}
              busy={busy === 'trust'}
              onTrust={trust}
              onReject={() => {
                setHostKey(undefined);
                setError(
                  'MONO did not connect and pinned nothing. Check the address; if it is right, ask your provider why the key differs before you go on.',
                );
              }}
            />
          )}
          {checks && (
            <ul className="checks span-all">
              {checks.map((c) => (
                <li key={c.name} className={c.ok ? 'check-ok' : 'check-bad'}>
                  <span className="check-icon">{c.ok ? <Icon.Check /> : <Icon.Alert />}</span>
                  <span className="check-text">
                    <strong>{c.name}</strong>
                    <span>{c.detail}</span>
                  </span>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      {error && (
        <div className="error-box" role="alert">
          <Icon.Alert /> {error}
        </div>
      )}
      <div className="wizard-nav">
        <Button kind="ghost" onClick={() => void mono.wizard.goto({ step: 'whatsapp' })}>
          Back
        </Button>
        <div className="row">
          {where === 'vps' && (
            <Button
              busy={busy === 'test'}
              disabled={!vps.host || !vps.keyPath}
              onClick={() => connect('test')}
            >
              Test connection
            </Button>
          )}
          <Button
            kind="primary"
            busy={busy === 'go'}
            disabled={where === 'vps' && (!vps.host || !vps.keyPath)}
            onClick={() => {
              if (where === 'vps') connect('go');
              else void run('go', async () => void (await mono.wizard.chooseLocal()));
            }}
          >
            {where === 'local' ? 'Run on this computer' : 'Install on this server'} <Icon.Arrow />
          </Button>
        </div>
      </div>
    </>
  );
}
