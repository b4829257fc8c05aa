// The desktop's backups of the agent, wherever it runs: Back up now, a schedule (daily by default, the last N kept
// in the desktop's folder), Restore, and a move to another VPS — one at a time, each with progress. Every backup
// is encrypted with a passphrase the desktop keeps in its vault.
import { randomBytes } from 'node:crypto';
import { createReadStream, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readHeader } from '../../agent-core/backup/container.ts';
import type { Secret } from '../../agent-core/config/secret.ts';
import { errorMessage } from '../../agent-core/util/error-message.ts';
import { backup } from '../backup/backup.ts';
import { BACKUP_TIMEOUT_S, restoreTimeoutS } from '../backup/commands.ts';
import { linkedDeviceArchive } from '../backup/linked-device.ts';
import { restore } from '../backup/restore.ts';
import type { BackupEntry, BackupOverview, BackupSchedule, VpsTarget } from '../ipc/contract.ts';
import { UserError } from '../ipc/dispatch.ts';
import type { AgentSupervisor } from './agent-supervisor.ts';
import { createInstallTracker } from './install.ts';
import { localAgentDir, waitForLocalHealth } from './local-mode.ts';
import { type MoveDeps, type MoveSource, moveToVps, vpsSource } from './move-vps.ts';
import type { PrefsStore } from './prefs.ts';
import type { ProvisionAdapter, ProvisionEvent } from './provision-adapter.ts';
import { toEvent } from './provision-vps.ts';
import type { Vault } from './vault.ts';

export const DEFAULT_SCHEDULE: BackupSchedule = { enabled: true, everyHours: 24, keep: 7 };
const PASSPHRASE = 'backup_passphrase';
/** How often the schedule looks whether a backup is due, and how long after launch it first looks. */
const CHECK_EVERY_MS = 10 * 60_000;
const FIRST_CHECK_MS = 5 * 60_000;

export interface BackupsDeps {
  /** The desktop's own folder: backups go to its backups/ folder. */
  dataDir: string;
  vault: Vault;
  prefs: PrefsStore;
  agent: Pick<AgentSupervisor, 'status' | 'stop'>;
  provision: ProvisionAdapter;
  /**
   * The local agent: its environment, how to run its bundle, starting it again after a restore, and `inTurn`, which
   * runs work in turn with the other changes that restart it (agent-config.ts's queue).
   */
  local: {
    env(): Record<string, string>;
    command: string[];
    start(): Promise<void>;
    inTurn<T>(work: () => Promise<T>): Promise<T>;
  };
  move: Omit<MoveDeps, 'provision' | 'prefs' | 'passphrase' | 'folder' | 'tracker' | 'now'>;
  emit(overview: BackupOverview): void;
  log(message: string, error?: unknown): void;
  now?: () => Date;
  checkEveryMs?: number;
  /** Replaces how long an operation may run before it is given up (tests). */
  giveUpAfterMs?: number;
  /** How long the local agent may take to answer its health check after a restore (default 30 s). */
  healthTimeoutMs?: number;
}

export function createBackups(deps: BackupsDeps) {
  const folder = join(deps.dataDir, 'backups');
  const now = deps.now ?? (() => new Date());
  let kind: NonNullable<BackupOverview['progress']>['kind'] = 'backup';
  let result: string | undefined;
  let started = false;
  const tracker = createInstallTracker(() => deps.emit(overview()));
  let timer: NodeJS.Timeout | undefined;

  const schedule = (): BackupSchedule => deps.prefs.get().backups ?? DEFAULT_SCHEDULE;

  /** The vault's backup passphrase (made once; never leaves the main process). */
  function passphrase(): Secret {
    if (!deps.vault.has(PASSPHRASE)) deps.vault.set(PASSPHRASE, randomBytes(32).toString('base64url'));
    return deps.vault.get(PASSPHRASE) as Secret;
  }

  /** The backup files, newest first (their names start with the time they were made). */
  function entries(): { name: string; bytes: number }[] {
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    return readdirSync(folder)
      .filter((name) => name.endsWith('.monobak') && !name.startsWith('.'))
      .flatMap((name) => {
        try {
          return [{ name, bytes: statSync(join(folder, name)).size }];
        } catch {
          return [];
        }
      })
      .sort((a, b) => b.name.localeCompare(a.name));
  }

  /** Reads every backup's header (cheap: the first bytes of each file). */
  async function list(): Promise<BackupEntry[]> {
    const out: BackupEntry[] = [];
    for (const entry of entries()) {
      try {
        const header = await readHeader(createReadStream(join(folder, entry.name), { end: 1024 * 1024 }));
        out.push({
          ...entry,
          created_at: header.created_at,
          source: header.source ?? 'unknown',
          encrypted: Boolean(header.encryption),
          agent_version: header.agent_version,
          counts: header.counts,
        });
      } catch (error) {
        deps.log(`backups: ${entry.name} is not readable`, error);
      }
    }
    return out.sort((a, b) => b.created_at.localeCompare(a.created_at));
  }

  let listed: BackupEntry[] = [];
  /** When the newest backup was made, on this computer's clock: the schedule counts from it. */
  const newestMade = (): number | undefined => (listed.length ? Math.max(...listed.map(madeAt)) : undefined);
  function overview(): BackupOverview {
    const s = schedule();
    const newest = newestMade();
    const nextAt = s.enabled
      ? new Date(newest !== undefined ? newest + s.everyHours * 3_600_000 : now().getTime()).toISOString()
      : undefined;
    const state = tracker.state();
    const oldServer = deps.prefs.get().oldVps;
    return {
      folder,
      entries: listed,
      schedule: s,
      ...(nextAt ? { nextAt } : {}),
      ...(started ? { progress: { ...state, kind, ...(result ? { result } : {}) } } : {}),
      ...(oldServer ? { oldServer } : {}),
    };
  }

  async function refresh(): Promise<BackupOverview> {
    listed = await list();
    const current = overview();
    deps.emit(current);
    return current;
  }

  /**
   * Runs one operation at a time, with its steps shown as they go; failures end up in the progress. Its remote
   * commands have their own limits; past `giveUpAfterMs` (the net under them, and under a local agent that never
   * answers) it is given up, so the progress always ends and Back up now works again without a restart.
   */
  function launch(
    what: typeof kind,
    steps: { step: string; message: string }[],
    work: () => Promise<string>,
    giveUpAfterMs: number,
  ): Promise<BackupOverview> {
    if (tracker.state().running) throw new UserError('A backup, restore or move is running already.');
    kind = what;
    result = undefined;
    started = true;
    tracker.begin(steps);
    const limitMs = deps.giveUpAfterMs ?? giveUpAfterMs;
    let timer: NodeJS.Timeout | undefined;
    const givenUp = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new UserError(
              `The ${what} did not finish within ${duration(limitMs)} and was given up. Check the server's connection (or this computer's disk), then try again.`,
            ),
          ),
        limitMs,
      );
    });
    void (async () => {
      try {
        result = await Promise.race([work(), givenUp]);
        tracker.finish();
      } catch (error) {
        // The step that was running, or the one whose own event said it failed (not the first step).
        const failed =
          tracker.state().steps.find((s) => s.status === 'running')?.step ??
          tracker.state().steps.find((s) => s.status === 'failed')?.step ??
          steps[0]!.step;
        tracker.fail(failed, errorMessage(error), 'Nothing was lost: fix the problem above and try again.');
        deps.log(`${what} failed`, error);
      } finally {
        clearTimeout(timer);
      }
      await refresh().catch(() => {});
    })();
    return Promise.resolve(overview());
  }

  const onEvent = (event: ProvisionEvent) => tracker.event(event);

  function where(): { mode: 'local' } | { mode: 'vps'; vps: VpsTarget } {
    const { mode, vps } = deps.prefs.get();
    if (mode === 'vps' && vps) return { mode, vps };
    if (mode === 'local') return { mode };
    throw new UserError('Finish the setup first: there is no agent to back up yet.');
  }

  function runBackup(): Promise<BackupOverview> {
    const target = where();
    const name = `mono-${now()
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d+Z$/, 'Z')}-${target.mode}.monobak`;
    const out = join(folder, name);
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    const steps =
      target.mode === 'vps'
        ? [
            { step: 'connect', message: 'Connect to your server' },
            { step: 'backup', message: 'Read everything your agent knows' },
            { step: 'verify', message: 'Check the backup file' },
          ]
        : [
            { step: 'backup', message: 'Read everything your agent knows' },
            { step: 'verify', message: 'Check the backup file' },
          ];
    return launch(
      'backup',
      steps,
      async () => {
        const r =
          target.mode === 'vps'
            ? await deps.provision.backup(target.vps, { out, passphrase: passphrase(), onEvent })
            : await backup({
                env: deps.local.env(),
                out,
                passphrase: passphrase(),
                localAgent: deps.local.command,
                onProgress: (event) => onEvent(toEvent(event)),
              });
        prune();
        return `Backed up ${count(r.counts.message, 'message')} in ${count(r.counts.conversation, 'conversation')} (${Math.ceil(r.bytes / 1024)} kB).`;
      },
      GIVE_UP_BACKUP_MS,
    );
  }

  /** Keeps the newest `keep` backups. */
  function prune(): void {
    const keep = schedule().keep;
    for (const entry of entries().slice(keep)) rmSync(join(folder, entry.name), { force: true });
  }

  function runRestore(name: string): Promise<BackupOverview> {
    const target = where();
    const file = join(folder, name);
    if (!entries().some((entry) => entry.name === name))
      throw new UserError('That backup is not in the folder any more.');
    if (target.mode === 'vps') {
      return launch(
        'restore',
        ['check', 'connect', 'lock', 'inspect', 'restore', 'health', 'count', 'unlock'].map((step) => ({
          step,
          message: RESTORE_MESSAGES[step] ?? step,
        })),
        async () => {
          const r = await deps.provision.restore(target.vps, {
            file,
            passphrase: passphrase(),
            replace: true,
            onEvent,
          });
          return restoredText(r.counts, r.replaced);
        },
        giveUpRestoreMs(file),
      );
    }
    return launch(
      'restore',
      ['stop', 'check', 'restore', 'count', 'start', 'health'].map((step) => ({
        step,
        message: step === 'health' ? 'Check that your agent answers' : (RESTORE_MESSAGES[step] ?? step),
      })),
      // In turn with the other changes to the agent: a key saved or Restart pressed meanwhile would start the
      // agent on the data the restore is replacing; it waits, and runs on the restored data.
      () =>
        deps.local.inTurn(async () => {
          onEvent({ step: 'stop', status: 'running', message: 'Stopping your agent' });
          await deps.agent.stop();
          onEvent({ step: 'stop', status: 'done', message: 'Your agent is stopped' });
          let r: Awaited<ReturnType<typeof restore>>;
          try {
            r = await restore({
              env: deps.local.env(),
              file,
              passphrase: passphrase(),
              replace: true,
              localAgent: deps.local.command,
              onProgress: (event) => onEvent(toEvent(event)),
            });
          } finally {
            // Restored or not, the agent runs again: a refused restore left its data as it was.
            onEvent({ step: 'start', status: 'running', message: 'Starting your agent' });
            await deps.local.start();
            onEvent({ step: 'start', status: 'done', message: 'Your agent is running' });
          }
          onEvent({ step: 'health', status: 'running', message: 'Checking that your agent answers' });
          const health = await waitForLocalHealth(() => deps.agent.status(), deps.healthTimeoutMs ?? 30_000);
          onEvent({ step: 'health', status: 'done', message: health });
          return restoredText(r.counts, r.replaced);
        }),
      giveUpRestoreMs(file),
    );
  }

  function runMove(to: VpsTarget): Promise<BackupOverview> {
    const from = where();
    if (from.mode === 'vps' && from.vps.host === to.host && from.vps.port === to.port)
      throw new UserError('That is the server your agent runs on now: choose the new one.');
    const moveDeps: MoveDeps = {
      ...deps.move,
      provision: deps.provision,
      prefs: deps.prefs,
      passphrase,
      folder,
      tracker,
      now,
    };
    return from.mode === 'vps'
      ? launch(
          'move',
          MOVE_STEPS,
          () => moveToVps(moveDeps, vpsSource(deps.provision, from.vps), to),
          GIVE_UP_MOVE_MS,
        )
      : launch(
          'move',
          LOCAL_MOVE_STEPS,
          () => moveToVps(moveDeps, localMoveSource(deps), to),
          GIVE_UP_MOVE_MS,
        );
  }

  function runUninstallOld(): Promise<BackupOverview> {
    const old = deps.prefs.get().oldVps;
    if (!old) throw new UserError('There is no previous server to clean up.');
    return launch(
      'move',
      ['connect', 'preflight', 'lock', 'uninstall', 'verify'].map((step) => ({
        step,
        message: UNINSTALL_MESSAGES[step] ?? step,
      })),
      async () => {
        await deps.provision.uninstall(old, onEvent);
        deps.prefs.update({ oldVps: undefined });
        return `MONO was removed from ${old.user}@${old.host}.`;
      },
      GIVE_UP_UNINSTALL_MS,
    );
  }

  /** Whether the schedule, as the owner has it now, wants a backup (the folder's listing aside). */
  function scheduleAllows(): boolean {
    const { mode, wizardStep, wizardDone } = deps.prefs.get();
    return schedule().enabled && !!mode && (wizardDone || wizardStep === 'done') && !tracker.state().running;
  }

  async function due(): Promise<void> {
    if (!scheduleAllows()) return;
    listed = await list();
    // Asked again after the listing: the owner may have turned the schedule off (or changed it) while it was read.
    if (!scheduleAllows()) return;
    const newest = newestMade();
    if (newest !== undefined && now().getTime() - newest < schedule().everyHours * 3_600_000) return;
    await runBackup().catch((error) => deps.log('scheduled backup did not start', error));
  }

  return {
    overview: refresh,
    run: runBackup,
    restore: runRestore,
    move: runMove,
    uninstallOld: runUninstallOld,
    /**
     * Changes only what the owner changed. The switch and the number each send their own field: sent whole from
     * what the screen showed, a quick second change carried the first one's old value back (turned off, then
     * "keep 3" before the screen had redrawn: on again).
     */
    async setSchedule(change: Partial<BackupSchedule>): Promise<BackupOverview> {
      const changed = Object.entries(change).filter(([, value]) => value !== undefined);
      deps.prefs.update({ backups: { ...schedule(), ...Object.fromEntries(changed) } });
      prune();
      return refresh();
    },
    /** Starts the schedule: a first look five minutes after launch (not while the app starts), then every ten. */
    start(): void {
      const check = () => void due().catch((error) => deps.log('backup schedule', error));
      timer = setInterval(check, deps.checkEveryMs ?? CHECK_EVERY_MS);
      timer.unref();
      setTimeout(check, Math.min(FIRST_CHECK_MS, deps.checkEveryMs ?? FIRST_CHECK_MS)).unref();
    },
    stop(): void {
      clearInterval(timer);
    },
  };
}

export type Backups = ReturnType<typeof createBackups>;

/** A backup's own limit (3 h) and ten minutes to connect and check the file. */
const GIVE_UP_BACKUP_MS = (BACKUP_TIMEOUT_S + 600) * 1000;
/** An install, a backup and a restore, each within its own limits. */
const GIVE_UP_MOVE_MS = 2 * GIVE_UP_BACKUP_MS;
const GIVE_UP_UNINSTALL_MS = 30 * 60_000;

/** A restore's own limit for this file, and half an hour for the checks, the health gate and the counts. */
function giveUpRestoreMs(file: string): number {
  return (restoreTimeoutS(statSync(file).size) + 1800) * 1000;
}

function duration(ms: number): string {
  return ms < 120_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} minutes`;
}

const RESTORE_MESSAGES: Record<string, string> = {
  stop: 'Stop your agent',
  check: 'Check the backup (integrity, passphrase)',
  connect: 'Connect to your server',
  lock: 'Make sure nothing else changes the server',
  inspect: 'Look at what your agent holds now',
  restore: 'Put the backup in place (the current data is kept beside it)',
  health: 'Start your agent and check that it answers',
  count: 'Count what your agent holds',
  unlock: 'Finish',
  start: 'Start your agent',
};

const UNINSTALL_MESSAGES: Record<string, string> = {
  connect: 'Connect to the old server',
  preflight: 'Check the old server',
  lock: 'Make sure nothing else changes it',
  uninstall: 'Remove MONO from the old server',
  verify: 'Check that nothing is left',
};

export const MOVE_STEPS: { step: string; message: string }[] = [
  { step: 'install', message: 'Install MONO on the new server (channels off for now)' },
  { step: 'stop-old', message: 'Stop the agent on the old server' },
  { step: 'backup', message: 'Back up the old server' },
  { step: 'restore', message: 'Restore the backup on the new server' },
  { step: 'whatsapp', message: 'Move the WhatsApp linked device' },
  { step: 'channels', message: 'Switch your channels to the new server' },
  { step: 'switch', message: 'Follow the new server from this computer' },
];

/** The agent on this computer as where a move starts: stopped, backed up with its datastore closed. */
export function localMoveSource(
  o: Pick<BackupsDeps, 'dataDir' | 'agent'> & {
    local: Pick<BackupsDeps['local'], 'env' | 'command' | 'start'>;
    provision: Pick<BackupsDeps['provision'], 'installLinkedDevice'>;
  },
): MoveSource {
  return {
    label: 'this computer',
    stop: () => o.agent.stop(),
    start: () => o.local.start(),
    backup: (b) =>
      backup({
        env: o.local.env(),
        out: b.out,
        passphrase: b.passphrase,
        localAgent: o.local.command,
        onProgress: (event) => b.onEvent(toEvent(event)),
      }),
    // Read while the local agent is stopped (it was, before its backup); the local copy stays with its data, and
    // nothing starts that agent again unless the move fails.
    async copyLinkedDevice(to) {
      const archive = await linkedDeviceArchive(localAgentDir(o.dataDir));
      if (!archive) return { moved: false };
      return { moved: true, ...(await o.provision.installLinkedDevice(to, archive)) };
    },
    followed: {},
    leftBehind: `The agent on this computer is stopped; its data stays in ${localAgentDir(o.dataDir)} until you delete it.`,
  };
}

/** Moving the agent on this computer to a VPS: the same steps, said from here. */
export const LOCAL_MOVE_STEPS = MOVE_STEPS.map((s) =>
  s.step === 'stop-old'
    ? { ...s, message: 'Stop the agent on this computer' }
    : s.step === 'backup'
      ? { ...s, message: 'Back up the agent on this computer' }
      : s,
);

/**
 * When the desktop made a backup, by its own clock: the time in the name it gave the file (the header's time is the
 * agent's clock, a VPS's one included); the header's time for a file named otherwise.
 */
function madeAt(entry: BackupEntry): number {
  const m = /^mono-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z-/.exec(entry.name);
  if (!m) return Date.parse(entry.created_at);
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

function restoredText(counts: Record<string, number>, replaced?: string): string {
  return `Restored: your agent holds ${count(counts.message, 'message')} in ${count(counts.conversation, 'conversation')}.${replaced ? ' The data it had before is kept beside it until the next restore.' : ''}`;
}

function count(n: number | undefined, noun: string): string {
  return `${n ?? 0} ${noun}${n === 1 ? '' : 's'}`;
}
