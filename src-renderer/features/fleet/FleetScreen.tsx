// Fleet: this app's agent to many servers at once, as `mono fleet deploy` does it — the host list, the rollout
// settings (servers at once, canaries, the bake, failures allowed), every server's key checked and trusted by
// the owner first, then a row per server with its progress, the canary and its bake, and the summary.
import { type FormEvent, useEffect, useRef, useState } from 'react';
import type { FleetHostKey } from '../../../src-main/ipc/contract.ts';
import { FLEET_DEFAULTS } from '../../../src-main/ipc/input-rules.ts';
import { Icon } from '../../components/icons.tsx';
import { Button, Card, Field, PageHeader } from '../../components/ui.tsx';
import { mono } from '../../lib/mono.ts';
import { useAction } from '../../lib/use-action.ts';
import { setState, useStore } from '../../store/store.ts';
import { FleetHosts } from './FleetHosts.tsx';
import { FleetKeys } from './FleetKeys.tsx';
import { FleetSummary } from './FleetSummary.tsx';
import './fleet.css';

const SETTINGS = [
  { name: 'parallel', label: 'Servers at once', hint: 'after the canary' },
  { name: 'canary', label: 'Canary servers', hint: 'go first; the rest wait for them' },
  { name: 'bakeS', label: 'Bake (seconds)', hint: 'how long each must stay healthy' },
  { name: 'maxFailures', label: 'Failures allowed', hint: 'after the canary, before it stops' },
] as const;
type Setting = (typeof SETTINGS)[number]['name'];

export function FleetScreen() {
  const fleet = useStore((s) => s.fleet);
  const vpsKey = useStore((s) => s.app?.wizard.vps?.keyPath);
  const [hosts, setHosts] = useState('');
  const [keyPath, setKeyPath] = useState(vpsKey ?? '');
  const [settings, setSettings] = useState<Record<Setting, string>>({
    parallel: String(FLEET_DEFAULTS.parallel),
    canary: String(FLEET_DEFAULTS.canary),
    bakeS: String(FLEET_DEFAULTS.bakeS),
    maxFailures: String(FLEET_DEFAULTS.maxFailures),
  });
  /** The keys as checked, and for which list: editing the list asks for a new check. */
  const [keys, setKeys] = useState<{ for: string; keys: FleetHostKey[] }>();
  const action = useAction<'check' | 'trust' | 'deploy' | 'stop'>();

  const rollout = useRef<HTMLDivElement>(null);

  useEffect(() => {
    void mono.fleet.state().then(
      (state) => setState({ fleet: state }),
      () => {},
    );
  }, []);
  // A rollout that starts is brought into view: it is what the owner watches now.
  useEffect(() => {
    if (fleet?.startedAt) rollout.current?.scrollIntoView({ block: 'start' });
  }, [fleet?.startedAt]);

  const listed = `${hosts}\n${keyPath}`;
  const checked = keys?.for === listed ? keys.keys : undefined;
  const ready = checked && checked.length > 0 && checked.every((k) => k.status === 'pinned' && !k.error);
  const running = fleet?.running ?? false;

  const check = () =>
    action.run(
      async () => setKeys({ for: listed, keys: await mono.fleet.check({ hosts, keyPath }) }),
      'check',
    );
  const trust = (fresh: FleetHostKey[]) =>
    action.run(async () => {
      const keys = fresh.map((k) => ({ host: k.name, fingerprint: k.fingerprint }));
      setKeys({ for: listed, keys: await mono.fleet.trust({ hosts, keyPath, keys }) });
    }, 'trust');
  const deploy = (event: FormEvent) => {
    event.preventDefault();
    void action.run(async () => {
      const numbers = Object.fromEntries(SETTINGS.map((s) => [s.name, Number(settings[s.name])])) as Record<
        Setting,
        number
      >;
      setState({ fleet: await mono.fleet.deploy({ hosts, keyPath, ...numbers }) });
    }, 'deploy');
  };

  return (
    <div className="page">
      <PageHeader
        title="Fleet"
        subtitle="Deploy this app's agent to several servers: a canary first, each one watched through its bake"
        actions={
          running && (
            <Button
              busy={action.running === 'stop'}
              onClick={() => void action.run(() => mono.fleet.cancel(), 'stop')}
            >
              Stop starting servers
            </Button>
          )
        }
      />
      <div ref={rollout}>
        {fleet && fleet.hosts.length > 0 && (
          <Card title={running ? 'Rolling out' : 'The last rollout'}>
            <FleetHosts state={fleet} />
            {fleet.error && (
              <div className="error-box" role="alert">
                <Icon.Alert /> {fleet.error}
              </div>
            )}
          </Card>
        )}
        {fleet && <FleetSummary state={fleet} />}
      </div>
      <Card title="Servers">
        <form className="form form-grid" onSubmit={deploy}>
          <div className="span-all">
            <Field
              label="Servers"
              hint="One user@host[:port] per line, as in a hosts file for mono fleet deploy (# starts a comment). The first ones are the canaries."
            >
              {(id, note) => (
                <textarea
                  id={id}
                  aria-describedby={note}
                  rows={5}
                  spellCheck={false}
                  placeholder={'root@203.0.113.7\ndeploy@vps2.example.com:2222'}
                  value={hosts}
                  disabled={running}
                  onChange={(e) => setHosts(e.target.value)}
                />
              )}
            </Field>
          </div>
          <div className="span-all">
            <Field
              label="SSH key file"
              hint="The private key these servers accept (the same for all of them)."
            >
              {(id, note) => (
                <input
                  id={id}
                  aria-describedby={note}
                  value={keyPath}
                  disabled={running}
                  onChange={(e) => setKeyPath(e.target.value)}
                />
              )}
            </Field>
          </div>
          {SETTINGS.map((s) => (
            <Field key={s.name} label={s.label} hint={s.hint}>
              {(id, note) => (
                <input
                  id={id}
                  aria-describedby={note}
                  type="number"
                  min={s.name === 'parallel' ? 1 : 0}
                  value={settings[s.name]}
                  disabled={running}
                  onChange={(e) => setSettings({ ...settings, [s.name]: e.target.value })}
                />
              )}
            </Field>
          ))}
          {checked && (
            <div className="span-all">
              <FleetKeys
                keys={checked}
                busy={action.running === 'trust'}
                onTrust={(fresh) => void trust(fresh)}
                onReject={() => setKeys(undefined)}
              />
            </div>
          )}
          {action.error && (
            <p className="field-error span-all fleet-error" role="alert">
              <Icon.Alert /> {action.error}
            </p>
          )}
          <div className="form-actions span-all">
            <Button
              busy={action.running === 'check'}
              disabled={running || !hosts.trim()}
              onClick={() => void check()}
            >
              Check servers
            </Button>
            <Button
              type="submit"
              kind="primary"
              busy={action.running === 'deploy'}
              disabled={running || !ready}
            >
              {checked ? `Deploy to ${checked.length} server${checked.length === 1 ? '' : 's'}` : 'Deploy'}
            </Button>
          </div>
        </form>
      </Card>
    </div>
  );
}
