// Backups on the Server screen: Back up now, the daily schedule and how many are kept, every backup with its size
// and time (Restore asks first), moving to a VPS (from this computer or another VPS), and the progress of whichever
// of these runs.
import { type ChangeEvent, useEffect, useState } from 'react';
import type { BackupEntry, HostKeyView, VpsTarget } from '../../../src-main/ipc/contract.ts';
import { Button, Card, Field, Switch } from '../../components/ui.tsx';
import { timeAgo } from '../../lib/format.ts';
import { errorMessage, mono } from '../../lib/mono.ts';
import { useAction } from '../../lib/use-action.ts';
import { setState, useStore } from '../../store/store.ts';
import { HostKeyCheck } from '../wizard/HostKeyCheck.tsx';
import { InstallProgress } from './InstallProgress.tsx';

const KEEP = [3, 7, 14, 30];

function size(bytes: number): string {
  return bytes >= 1048576
    ? `${(bytes / 1048576).toFixed(1)} MB`
    : `${Math.max(1, Math.round(bytes / 1024))} kB`;
}

export function BackupsCard() {
  const mode = useStore((s) => s.app?.mode ?? null);
  const overview = useStore((s) => s.backups);
  const [error, setError] = useState<string>();
  const [confirming, setConfirming] = useState<string>();
  const [moving, setMoving] = useState(false);
  const progress = overview?.progress;
  const running = progress?.running ?? false;

  useEffect(() => {
    void mono.backup
      .overview()
      .then((backups) => setState({ backups }))
      .catch((e) => setError(errorMessage(e)));
  }, []);

  async function call(fn: () => Promise<unknown>) {
    setError(undefined);
    try {
      await fn();
    } catch (e) {
      setError(errorMessage(e));
    }
  }

  const schedule = overview?.schedule;
  return (
    <Card
      title="Backups"
      actions={
        <Button
          kind="primary"
          small
          busy={running}
          disabled={!mode}
          onClick={() => void call(mono.backup.run)}
        >
          Back up now
        </Button>
      }
    >
      {error && (
        <p className="error-box" role="alert">
          {error}
        </p>
      )}
      {schedule && (
        <div className="row-item">
          <span className="row-main">
            <strong>Back up every day</strong>
            <small>
              Encrypted with a passphrase kept in this computer's secure storage. The newest {schedule.keep}{' '}
              are kept in {overview.folder}.
              {overview.nextAt && !running && ` Next: ${new Date(overview.nextAt).toLocaleString()}.`}
            </small>
          </span>
          <select
            className="backups-keep"
            aria-label="Backups to keep"
            value={schedule.keep}
            onChange={(e) => void call(() => mono.backup.setSchedule({ keep: Number(e.target.value) }))}
          >
            {KEEP.map((n) => (
              <option key={n} value={n}>
                keep {n}
              </option>
            ))}
          </select>
          <Switch
            checked={schedule.enabled}
            label="Back up every day"
            onChange={(enabled) => void call(() => mono.backup.setSchedule({ enabled, everyHours: 24 }))}
          />
        </div>
      )}
      {progress && (progress.running || progress.error || progress.result) && (
        <div className="backup-progress" data-testid="backup-progress">
          <strong>
            {progress.running
              ? { backup: 'Backing up…', restore: 'Restoring…', move: 'Moving…' }[progress.kind]
              : progress.error
                ? `The last ${progress.kind} failed`
                : progress.result}
          </strong>
          <InstallProgress state={progress} />
        </div>
      )}
      <ul className="rows" data-testid="backup-list">
        {overview && overview.entries.length === 0 && <li className="muted">No backup yet.</li>}
        {overview?.entries.map((entry) => (
          <BackupRow
            key={entry.name}
            entry={entry}
            confirming={confirming === entry.name}
            disabled={running || !mode}
            onRestore={() => setConfirming(entry.name)}
            onCancel={() => setConfirming(undefined)}
            onConfirm={() => {
              setConfirming(undefined);
              void call(() => mono.backup.restore({ name: entry.name }));
            }}
          />
        ))}
      </ul>
      {mode && (
        <div className="backup-move">
          {overview?.oldServer ? (
            <div className="info-box">
              MONO is stopped but still installed on {overview.oldServer.user}@{overview.oldServer.host}.{' '}
              <Button
                small
                kind="danger"
                disabled={running}
                onClick={() => void call(mono.backup.uninstallOld)}
              >
                Remove MONO from the old server
              </Button>
            </div>
          ) : moving ? (
            <MoveForm
              fromHere={mode === 'local'}
              disabled={running}
              onCancel={() => setMoving(false)}
              onMove={(target) =>
                void call(async () => {
                  await mono.backup.move(target);
                  setMoving(false);
                })
              }
            />
          ) : (
            <Button small disabled={running} onClick={() => setMoving(true)}>
              {mode === 'local' ? 'Move to a VPS…' : 'Move to another VPS…'}
            </Button>
          )}
        </div>
      )}
    </Card>
  );
}

function BackupRow(props: {
  entry: BackupEntry;
  confirming: boolean;
  disabled: boolean;
  onRestore(): void;
  onConfirm(): void;
  onCancel(): void;
}) {
  const { entry } = props;
  return (
    <li className="row-item" data-testid="backup-entry">
      <span className="row-main">
        <strong>{new Date(entry.created_at).toLocaleString()}</strong>
        <small>
          {entry.source} · {size(entry.bytes)} · {entry.counts.message ?? 0} messages ·{' '}
          {timeAgo(entry.created_at)}
          {entry.encrypted ? ' · encrypted' : ''}
        </small>
      </span>
      {props.confirming ? (
        <>
          <span className="muted">Replace your agent's data with this backup?</span>
          <Button small kind="danger" onClick={props.onConfirm}>
            Restore
          </Button>
          <Button small kind="ghost" onClick={props.onCancel}>
            Cancel
          </Button>
        </>
      ) : (
        <Button small disabled={props.disabled} onClick={props.onRestore}>
          Restore…
        </Button>
      )}
    </li>
  );
}

function MoveForm(props: {
  fromHere: boolean;
  disabled: boolean;
  onMove(target: VpsTarget): void;
  onCancel(): void;
}) {
  const [target, setTarget] = useState({ host: '', user: 'root', port: '22', keyPath: '' });
  // The new server's key, shown for the owner to compare before MONO pins it and sends anything there.
  const [hostKey, setHostKey] = useState<HostKeyView>();
  const { busy: checking, error, setError, run: step } = useAction();
  const set = (field: keyof typeof target) => (e: ChangeEvent<HTMLInputElement>) => {
    setTarget({ ...target, [field]: e.target.value });
    setHostKey(undefined);
  };
  const vps = (): VpsTarget => ({ ...target, port: Number(target.port) || 22 });
  /** Moves once the server's key is one MONO pinned; a new key is shown to the owner first. */
  const move = () =>
    step(async () => {
      const view = await mono.ssh.hostKey(vps());
      if (view.status === 'pinned') props.onMove(vps());
      else setHostKey(view);
    });
  const trust = (view: HostKeyView) =>
    step(async () => {
      await mono.ssh.trustHostKey({ target: vps(), fingerprint: view.fingerprint });
      setHostKey(undefined);
      props.onMove(vps());
    });
  return (
    <div className="form form-vps">
      <p className="span-all muted">
        {props.fromHere
          ? 'MONO installs itself on the server, stops the agent on this computer, brings everything it knows over, and switches your channels to the server. The data on this computer stays until you delete it.'
          : 'MONO installs itself on the new server, stops the agent on the old one, brings its backup over, and switches your channels to the new server. The old server keeps MONO (stopped) until you remove it.'}
      </p>
      <Field label="New server address">
        {(id) => <input id={id} value={target.host} onChange={set('host')} placeholder="203.0.113.8" />}
      </Field>
      <Field label="User">{(id) => <input id={id} value={target.user} onChange={set('user')} />}</Field>
      <Field label="SSH port">
        {(id) => <input id={id} inputMode="numeric" value={target.port} onChange={set('port')} />}
      </Field>
      <Field label="Private key">
        {(id) => (
          <input id={id} value={target.keyPath} onChange={set('keyPath')} placeholder="~/.ssh/id_ed25519" />
        )}
      </Field>
      {hostKey && (
        <HostKeyCheck
          hostKey={hostKey}
          busy={checking}
          onTrust={() => void trust(hostKey)}
          onReject={() => {
            setHostKey(undefined);
            setError('MONO did not connect and pinned nothing. Check the address before you go on.');
          }}
        />
      )}
      {error && <p className="field-error span-all">{error}</p>}
      <div className="span-all input-row">
        <Button
          kind="primary"
          busy={checking}
          disabled={props.disabled || !!hostKey}
          onClick={() => void move()}
        >
          Move my agent
        </Button>
        <Button kind="ghost" onClick={props.onCancel}>
          Cancel
        </Button>
      </div>
    </div>
  );
}
