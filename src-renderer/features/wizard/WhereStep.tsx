// Step 4: where the agent runs — this computer (local mode) or the user's VPS (host, user, key, connection test).
import { useState } from 'react';
import type { PreflightCheck } from '../../../src-main/ipc/contract.ts';
import { Icon } from '../../components/icons.tsx';
import { Button, Field } from '../../components/ui.tsx';
import { errorMessage, mono } from '../../lib/mono.ts';
import { useStore } from '../../store/store.ts';
import { Choice } from './WhatsAppStep.tsx';

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
  const [busy, setBusy] = useState<'test' | 'go' | 'key'>();
  const [error, setError] = useState<string>();

  const target = () => ({
    host: vps.host,
    user: vps.user,
    port: Number(vps.port) || 22,
    keyPath: vps.keyPath,
  });

  async function run(kind: 'test' | 'go' | 'key', fn: () => Promise<void>) {
    setBusy(kind);
    setError(undefined);
    try {
      await fn();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(undefined);
    }
  }

  const set = (key: keyof typeof vps) => (e: React.ChangeEvent<HTMLInputElement>) =>
    setVps({ ...vps, [key]: e.target.value });

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
          <Field label="Server address" hint="An IP address or host name.">
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
          <Field label="User">{(id) => <input id={id} value={vps.user} onChange={set('user')} />}</Field>
          <Field label="SSH port">
            {(id) => <input id={id} inputMode="numeric" value={vps.port} onChange={set('port')} />}
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
              onClick={() => void run('test', async () => setChecks((await mono.ssh.test(target())).checks))}
            >
              Test connection
            </Button>
          )}
          <Button
            kind="primary"
            busy={busy === 'go'}
            disabled={where === 'vps' && (!vps.host || !vps.keyPath)}
            onClick={() =>
              void run('go', async () => {
                if (where === 'local') await mono.wizard.chooseLocal();
                else await mono.wizard.chooseVps(target());
              })
            }
          >
            {where === 'local' ? 'Run on this computer' : 'Install on this server'} <Icon.Arrow />
          </Button>
        </div>
      </div>
    </>
  );
}
