// What needs the owner: the tray's state (online, offline, updating, needs attention) as a pure mapping, and the
// system notifications raised from changes (a pairing request, the agent down, a failed update, budget reached).
import type { PairingRow } from '../../agent-core/contract/tables.ts';
import type { HealthProblem, InstallState, SyncStatus } from '../ipc/contract.ts';
import type { DbChange } from '../ipc/db-change.ts';

export type TrayState = 'setup' | 'online' | 'offline' | 'unresponsive' | 'updating' | 'paused' | 'attention';

export interface TrayInput {
  wizardDone: boolean;
  sync: SyncStatus['state'];
  paused: boolean;
  updating: boolean;
  pendingPairings: number;
  budgetReached: boolean;
  updateFailed: boolean;
  /** What is wrong with the agent (health-problems.ts): refused credentials, no owner, a stopped process… */
  problems?: HealthProblem[];
  /** The keys wait for the owner's passphrase: nothing that needs them (the local agent) can start. */
  locked?: boolean;
  /** What the agent is living through, a few words each ("disk full", "Claude unreachable"…). */
  faults?: string[];
}

/** What the tray is made from, read from the desktop's services (the app's own, in tests too). */
export interface TraySources {
  appState(): { wizard: { done: boolean }; vault: { state: string } };
  sync: { status(): { state: SyncStatus['state'] } };
  isPaused(): boolean;
  isBudgetReached(): boolean;
  faultNotes(): string[];
  install: { state(): { error?: unknown } };
  health(): { problems: HealthProblem[] };
}

/** The tray's input now; `updating` and `pendingPairings` are kept by the tray's owner as events come. */
export function trayInputOf(
  services: TraySources,
  live: { updating: boolean; pendingPairings: number },
): TrayInput {
  const state = services.appState();
  return {
    wizardDone: state.wizard.done,
    sync: services.sync.status().state,
    paused: services.isPaused(),
    ...live,
    budgetReached: services.isBudgetReached(),
    faults: services.faultNotes(),
    updateFailed: Boolean(services.install.state().error),
    problems: services.health().problems,
    locked: state.vault.state === 'locked',
  };
}

export function trayState(input: TrayInput): { state: TrayState; tooltip: string } {
  if (input.locked) {
    return { state: 'attention', tooltip: 'MONO — locked: open MONO and enter your passphrase' };
  }
  if (!input.wizardDone) return { state: 'setup', tooltip: 'MONO — finish setting up your agent' };
  if (input.updating) return { state: 'updating', tooltip: 'MONO — updating your agent…' };
  if (input.sync === 'unresponsive')
    return { state: 'unresponsive', tooltip: 'MONO — your agent is not responding' };
  if (input.paused) return { state: 'paused', tooltip: 'MONO — your agent is paused' };
  const stopped = input.problems?.find((p) => p.state === 'stopped');
  if (input.sync !== 'online') {
    return {
      state: 'offline',
      tooltip: stopped?.detail
        ? `MONO — your agent stopped: ${stopped.detail}`
        : 'MONO — your agent is offline',
    };
  }
  const needs: string[] = (input.problems ?? [])
    .filter((p) => p.state !== 'unresponsive' && p.state !== 'stopped')
    .map((p) => p.title);
  if (input.pendingPairings > 0) {
    needs.push(`${input.pendingPairings} pairing request${input.pendingPairings === 1 ? '' : 's'}`);
  }
  if (input.budgetReached) needs.push('budget reached');
  if (input.updateFailed) needs.push('the last update failed');
  needs.push(...(input.faults ?? []));
  if (needs.length) return { state: 'attention', tooltip: `MONO — needs you: ${needs.join(', ')}` };
  return { state: 'online', tooltip: 'MONO — your agent is online' };
}

export interface Notice {
  title: string;
  body: string;
}

/** Turns a stream of changes into the few notifications worth interrupting someone for. */
export function createNotifier(notify: (notice: Notice) => void, opts: { offlineAfterMs?: number } = {}) {
  let offlineTimer: NodeJS.Timeout | undefined;
  let announcedOffline = false;
  let lastBudgetDay: string | undefined;
  return {
    change(change: DbChange): void {
      if (change.table !== 'pairing' || change.action !== 'CREATE') return;
      const row: Partial<PairingRow> = change.row ?? {};
      if (row.status === 'pending') {
        notify({
          title: 'Someone wants to talk to your agent',
          body: `${String(row.name ?? 'Someone')} on ${String(row.channel ?? 'a channel')} — code ${String(row.code ?? '')}. Open MONO to approve or deny.`,
        });
      }
    },
    sync(status: SyncStatus): void {
      if (status.state === 'online') {
        clearTimeout(offlineTimer);
        offlineTimer = undefined;
        if (announcedOffline)
          notify({ title: 'Your agent is back online', body: 'MONO is connected again.' });
        announcedOffline = false;
        return;
      }
      if (status.epoch === 0 || offlineTimer || announcedOffline) return;
      offlineTimer = setTimeout(() => {
        offlineTimer = undefined;
        announcedOffline = true;
        notify({
          title: 'Your agent is offline',
          body: 'MONO cannot reach it and keeps trying. Messages wait safely.',
        });
      }, opts.offlineAfterMs ?? 30_000);
    },
    install(state: InstallState): void {
      if (!state.running && state.error) {
        notify({ title: 'Update failed', body: `${state.error.step}: ${state.error.message}` });
      }
    },
    budget(day: string, spentUsd: number, capUsd: number | undefined): void {
      if (!capUsd || spentUsd < capUsd || lastBudgetDay === day) return;
      lastBudgetDay = day;
      notify({
        title: 'Daily budget reached',
        body: `Your agent spent $${spentUsd.toFixed(2)} of $${capUsd.toFixed(2)} today and pauses replies until tomorrow.`,
      });
    },
    dispose(): void {
      clearTimeout(offlineTimer);
    },
  };
}
