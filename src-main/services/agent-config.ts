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
}

export function createAgentConfig(deps: {
  vault: Vault;
  prefs: PrefsStore;
  installer: Pick<Installer, 'applyAgentEnv'>;
  log(message: string, error?: unknown): void;
}): AgentConfig {
  const { vault, prefs } = deps;
  // One change at a time: a second one while the first is being applied would revert to a half-state.
  let queue: Promise<unknown> = Promise.resolve();

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

  return {
    apply(change) {
      const run = queue.then(() => apply(change));
      queue = run.catch(() => {});
      return run;
    },
  };
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
