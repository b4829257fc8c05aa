// Server: where the agent runs and how it is doing (health with its reason, version, uptime, memory, each channel
// and Claude with the fix for a problem), where its data is, pause/resume, restart, one-click update with
// progress, rollback, backups (restore, move to another VPS), the setup opened again, and its log as it is written.
import { useEffect, useRef, useState } from 'react';
import { Icon } from '../../components/icons.tsx';
import { Badge, Button, Card, PageHeader, Spinner, Switch } from '../../components/ui.tsx';
import { bytes, duration } from '../../lib/format.ts';
import { mono } from '../../lib/mono.ts';
import { useAction } from '../../lib/use-action.ts';
import { act, loadServer } from '../../store/actions.ts';
import { useStore } from '../../store/store.ts';
import { linkStatus } from '../integrations/whatsapp-link.ts';
import { VaultCard } from '../vault/VaultCard.tsx';
import { BackupsCard } from './BackupsCard.tsx';
import { InstallProgress } from './InstallProgress.tsx';
import { formatLogLine } from './log-line.ts';

const STATE: Record<string, { tone: 'good' | 'warn' | 'bad' | 'neutral'; label: string }> = {
  polling: { tone: 'good', label: 'Connected (polling)' },
  webhook: { tone: 'good', label: 'Connected (webhook)' },
  connected: { tone: 'good', label: 'Connected' },
  ok: { tone: 'good', label: 'Connected' },
  connecting: { tone: 'warn', label: 'Connecting' },
  unchecked: { tone: 'neutral', label: 'Not checked yet' },
  rejected: { tone: 'bad', label: 'Credentials rejected' },
  unreachable: { tone: 'warn', label: 'Not reachable' },
  error: { tone: 'bad', label: 'Problem' },
  off: { tone: 'neutral', label: 'Off' },
};

export function ServerScreen() {
  const server = useStore((s) => s.server);
  const loading = useStore((s) => s.serverLoading);
  const logs = useStore((s) => s.logs);
  const install = useStore((s) => s.install);
  const vps = useStore((s) => s.app?.wizard.vps);
  const sync = useStore((s) => s.sync.state);
  const launchAtLogin = useStore((s) => s.app?.launchAtLogin);
  const problems = useStore((s) => s.health.problems);
  const whatsappMode = useStore((s) => s.app?.wizard.whatsapp?.mode);
  const whatsappLink = useStore((s) => s.whatsappLink);
  const action = useAction();
  const [done, setDone] = useState<string>();
  const logRef = useRef<HTMLPreElement>(null);

  useEffect(() => {
    void loadServer({ withLogs: true });
    void mono.server.followLogs({ on: true }).catch(() => {});
    const timer = setInterval(() => void loadServer(), 10_000);
    return () => {
      clearInterval(timer);
      void mono.server.followLogs({ on: false }).catch(() => {});
    };
  }, []);
  // biome-ignore lint/correctness/useExhaustiveDependencies: re-stat when the connection comes back
  useEffect(() => {
    void loadServer();
  }, [sync]);
  useEffect(() => {
    const el = logRef.current;
    if (el && logs.length) el.scrollTop = el.scrollHeight;
  }, [logs.length]);

  /** Runs an action; `after` is the notice after it, or takes what the action answered (which release runs now). */
  function run<T>(name: string, fn: () => Promise<T>, after?: string | ((result: T) => string)) {
    setDone(undefined);
    return action.run(async () => {
      const result = await fn();
      if (after) setDone(typeof after === 'string' ? after : after(result));
      await loadServer();
    }, name);
  }
  const busy = action.running;
  const notice = action.error
    ? { tone: 'bad' as const, text: action.error }
    : done && { tone: 'good' as const, text: done };

  const where = server?.mode === 'vps' && vps ? `${vps.user}@${vps.host}` : 'This computer';
  const healthy = server?.reachable && !server.paused && server.health !== 'degraded';
  const frozen = sync === 'unresponsive';
  const statusLabel = frozen
    ? 'Not responding'
    : healthy
      ? 'Healthy'
      : server?.paused
        ? 'Paused'
        : server?.reachable
          ? 'Degraded'
          : 'Unreachable';
  const services = [
    ...Object.entries(server?.channels ?? {}).filter(([, state]) => state !== 'off'),
    ...(server?.claude ? [['claude', server.claude] as [string, string]] : []),
  ];

  return (
    <div className="page">
      <PageHeader
        title="Server"
        subtitle={where}
        actions={
          <>
            {server?.paused ? (
              <Button
                busy={busy === 'resume'}
                onClick={() => void run('resume', act.resume, 'Your agent is running again.')}
              >
                Resume agent
              </Button>
            ) : (
              <Button
                busy={busy === 'pause'}
                disabled={!server?.reachable}
                onClick={() =>
                  void run('pause', act.pause, 'Your agent is paused. Messages wait until you resume.')
                }
              >
                Pause agent
              </Button>
            )}
            {server?.mode === 'local' && (
              <Button
                busy={busy === 'restart'}
                onClick={() => void run('restart', act.restart, 'Your agent restarted.')}
              >
                Restart agent
              </Button>
            )}
            {server?.mode === 'vps' && (
              <>
                <Button
                  busy={busy === 'rollback'}
                  onClick={() => void run('rollback', act.rollback, (r) => r.message)}
                >
                  Roll back
                </Button>
                <Button
                  kind="primary"
                  busy={busy === 'update' || install.running}
                  onClick={() => void run('update', act.update)}
                >
                  Update agent
                </Button>
              </>
            )}
          </>
        }
      />
      {notice && (
        <div className={notice.tone === 'good' ? 'success-box' : 'error-box'} role="status">
          {notice.tone === 'good' ? <Icon.Check /> : <Icon.Alert />} {notice.text}
        </div>
      )}
      {!server && loading && <Spinner label="Asking your agent…" />}
      {server && (
        <div className="stats">
          <div className="stat">
            <span className="stat-label">Status</span>
            <strong className="stat-value">
              <span
                className={`status-dot ${healthy && !frozen ? 'dot-good' : server.paused ? 'dot-warn' : 'dot-bad'}`}
              />
              <span data-testid="server-status">{statusLabel}</span>
            </strong>
            <span className="stat-sub">
              {frozen
                ? 'It stopped answering.'
                : (server.error ?? server.reason ?? `database ${server.db ?? '—'}`)}
            </span>
          </div>
          <div className="stat">
            <span className="stat-label">Version</span>
            <strong className="stat-value">{server.version ?? '—'}</strong>
            <span className="stat-sub">{server.mode === 'vps' ? 'on your VPS' : 'bundled with the app'}</span>
          </div>
          <div className="stat">
            <span className="stat-label">Uptime</span>
            <strong className="stat-value">{duration(server.uptime_s)}</strong>
            <span className="stat-sub">since the last start</span>
          </div>
          <div className="stat">
            <span className="stat-label">Memory</span>
            <strong className="stat-value">
              {server.memory_mb !== undefined ? `${server.memory_mb} MB` : '—'}
            </strong>
            <span className="stat-sub">resident</span>
          </div>
        </div>
      )}
      <Card title="Channels and Claude">
        <ul className="rows">
          {services.length === 0 && <li className="muted">No channel information yet.</li>}
          {services.map(([name, state]) => {
            const problem = problems.find((p) => p.part === name);
            const shown =
              name === 'whatsapp' && whatsappMode === 'linked' && !problem
                ? linkStatus(whatsappLink)
                : (STATE[state] ?? { tone: 'neutral' as const, label: state });
            return (
              <li key={name} className="row-item" data-testid={`channel-${name}`}>
                <span className={`channel channel-${name}`}>{name}</span>
                <span className="row-main">
                  {problem && (
                    <small>
                      <strong>{problem.title}.</strong> {problem.fix}
                    </small>
                  )}
                </span>
                <Badge tone={shown.tone}>{shown.label}</Badge>
              </li>
            );
          })}
        </ul>
      </Card>
      {server?.data && (
        <Card title="Where your data is">
          <div className="row-item">
            <span className="row-main">
              <code data-testid="data-path">{server.data.path}</code>
              <small>
                {server.data.onThisComputer
                  ? `On this computer${server.data.bytes !== undefined ? ` · ${bytes(server.data.bytes)}` : ''} · conversations, contacts, jobs, settings and usage. Your keys are kept apart, encrypted.`
                  : 'On your server, readable by the mono user only.'}
              </small>
            </span>
            {server.data.onThisComputer && (
              <Button
                small
                busy={busy === 'folder'}
                onClick={() => void run('folder', () => mono.server.openDataFolder())}
              >
                Open folder
              </Button>
            )}
          </div>
        </Card>
      )}
      <Card title="Setup">
        <div className="row-item">
          <span className="row-main">
            <strong>Open the setup again</strong>
            <small>
              Change the Claude key, the bot, WhatsApp or where your agent runs — every step keeps what is
              set.
            </small>
          </span>
          <Button small onClick={() => void run('wizard', () => mono.wizard.reopen())}>
            Open setup
          </Button>
        </div>
      </Card>
      {(install.running || install.error) && (
        <Card title={install.error ? 'The last update failed' : 'Updating your agent'}>
          <InstallProgress state={install} />
          {install.error && (
            <div className="error-box" role="alert" data-testid="update-error">
              <Icon.Alert />
              <div>
                <p>{install.error.message}</p>
                {install.error.hint && <p className="muted">{install.error.hint}</p>}
              </div>
            </div>
          )}
        </Card>
      )}
      <BackupsCard />
      {launchAtLogin !== null && launchAtLogin !== undefined && (
        <Card title="This computer">
          <div className="row-item">
            <span className="row-main">
              <strong>Start MONO when I log in</strong>
              <small>
                Keeps your agent watched (and, on this computer, running) without opening MONO yourself.
              </small>
            </span>
            <Switch
              checked={launchAtLogin}
              label="Start MONO when I log in"
              onChange={(enabled) => void mono.app.setLaunchAtLogin({ enabled })}
            />
          </div>
        </Card>
      )}
      <VaultCard />
      <Card title="Log" actions={<span className="muted">live</span>}>
        {logs.length === 0 ? (
          <p className="muted">Nothing logged yet.</p>
        ) : (
          <pre className="log log-tall" ref={logRef} data-testid="server-log">
            {logs.map(formatLogLine).join('\n')}
          </pre>
        )}
      </Card>
    </div>
  );
}
