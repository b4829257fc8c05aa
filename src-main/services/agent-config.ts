// Changing what the agent runs with (a key, a token, a channel, the model) so that it cannot break the agent: the
// new values are applied (a local restart, or the VPS's env file with its health gate), and if the agent does not
// come up with them, the previous values are put back and applied again, and the owner is told exactly why.
import { redact } from '../../agent-core/config/secret.ts';
import { UserError } from '../ipc/dispatch.ts';
import { AgentStartError } from './agent-supervisor.ts';
import type { Installer } from './installer.ts';
import type { Prefs, PrefsStore } from './prefs.ts';
import type { Vault } from './vault.ts';

export interface ConfigChange {
  /** What the owner changed, as the message names it ("the Telegram bot token"). */
  what: string;
  /** Vault entries to set. */
  secrets?: Record<string, string>;
  prefs?: Partial<Prefs>;
}

export type Applied = { applied: 'restarted' | 'sent' | 'saved' };

export interface AgentConfig {
  apply(change: ConfigChange): Promise<Applied>;
  /**
   * Runs anything else that restarts the agent or re-applies its environment (the speech-to-text settings, a
   * restart from the Server screen) in apply's queue, with no rollback of its own. Outside it, a restart while a
   * change's restart is still starting kills that start, and the change rolls back a good value for a failure that
   * was not its own (the voice-notes key, saved and then "Use this service" before the agent was back).
   */
  oneAtATime<T>(work: () => Promise<T>): Promise<T>;
}

export function createAgentConfig(deps: {
  vault: Vault;
  prefs: PrefsStore;
  installer: Pick<Installer, 'applyAgentEnv'>;
  log(message: string, error?: unknown): void;
}): AgentConfig {
  const { vault, prefs } = deps;
  // One change at a time: a second one while the first is being applied would revert to a half-state, and its
  // restart would kill the first one's start, which the first then takes for its own failure.
  let queue: Promise<unknown> = Promise.resolve();

  function oneAtATime<T>(work: () => Promise<T>): Promise<T> {
    const run = queue.then(work);
    queue = run.catch(() => {});
    return run;
  }

  async function apply(change: ConfigChange): Promise<Applied> {
    const previousSecrets = Object.fromEntries(
      Object.keys(change.secrets ?? {}).map((name) => [name, vault.get(name)?.reveal()]),
    );
    const previousPrefs = Object.fromEntries(
      Object.keys(change.prefs ?? {}).map((key) => [key, prefs.get()[key as keyof Prefs]]),
    ) as Partial<Prefs>;
    for (const [name, value] of Object.entries(change.secrets ?? {})) vault.set(name, value);
    if (change.prefs) prefs.update(change.prefs);
    try {
      return await deps.installer.applyAgentEnv();
    } catch (error) {
      deps.log(`applying ${change.what} failed; going back to the previous settings`, error);
      for (const [name, value] of Object.entries(previousSecrets)) {
        if (value === undefined) vault.delete(name);
        else vault.set(name, value);
      }
      prefs.update(previousPrefs);
      const restored = await deps.installer.applyAgentEnv().then(
        () => true,
        (again: unknown) => {
          deps.log('the previous settings did not start the agent either', again);
          return false;
        },
      );
      throw new UserError(
        `Your agent did not start with the new ${change.what}: ${redact(reasonOf(error), Object.values(change.secrets ?? {}))} ` +
          (restored
            ? 'MONO put the previous settings back and your agent runs with them.'
            : 'MONO put the previous settings back, but the agent did not start with them either — see the log on the Server screen.'),
        'AgentWouldNotStart',
      );
    }
  }

  return { apply: (change) => oneAtATime(() => apply(change)), oneAtATime };
}

function reasonOf(error: unknown): string {
  const text =
    error instanceof AgentStartError && error.reason
      ? error.reason
      : error instanceof Error
        ? (error.message.split('\n')[0] ?? '')
        : String(error);
  return /[.!?]$/.test(text.trim()) ? text.trim() : `${text.trim()}.`;
}
