// Bringing the agent up where the owner chose: the local agent's first start (the wizard's install steps), a
// deploy to the VPS with progress, and re-applying the agent's environment after a key or a channel changed.
import { randomBytes } from 'node:crypto';
import type { Secret } from '../../agent-core/config/secret.ts';
import { errorMessage } from '../../agent-core/util/error-message.ts';
import type { VpsTarget } from '../ipc/contract.ts';
import { UserError } from '../ipc/dispatch.ts';
import { SECRET_ENV, settingsEnv } from './agent-env.ts';
import type { AgentSupervisor } from './agent-supervisor.ts';
import type { AppStateView } from './app-state.ts';
import { freePort } from './free-port.ts';
import type { InstallTracker } from './install.ts';
import { localServerStatus } from './local-mode.ts';
import type { PrefsStore } from './prefs.ts';
import type { ProvisionAdapter } from './provision-adapter.ts';
import { VPS_INSTALL_STEPS } from './provision-vps.ts';
import type { Sync } from './sync.ts';
import type { Vault } from './vault.ts';

export interface InstallerDeps {
  vault: Vault;
  prefs: PrefsStore;
  agent: AgentSupervisor;
  sync: Pick<Sync, 'start' | 'kick' | 'status'>;
  install: InstallTracker;
  provision: Pick<ProvisionAdapter, 'deploy'>;
  appState: AppStateView;
  log(message: string, error?: unknown): void;
  /** The net under a VPS deploy's own timeouts (default 30 minutes). */
  deployDeadlineMs?: number;
}

export function createInstaller(deps: InstallerDeps) {
  const { vault, prefs, agent, sync, install, provision, log, appState } = deps;

  async function startLocal(): Promise<void> {
    // Chosen once and kept, so a restarted agent's hub is found at the same address.
    if (!prefs.get().hubPort) prefs.update({ hubPort: await freePort() });
    await agent.start();
    sync.start();
    sync.kick();
  }

  async function runLocalInstall(): Promise<void> {
    install.begin([
      { step: 'keys', message: 'Keep your keys in secure storage' },
      { step: 'agent', message: 'Start your agent on this computer' },
      { step: 'database', message: "Connect to your agent's database" },
      { step: 'channels', message: 'Check that Telegram is connected' },
    ]);
    let current = 'keys';
    try {
      if (!vault.has('anthropic_api_key') || !vault.has('telegram_bot_token')) {
        throw new UserError('The Claude key or the Telegram token is missing. Go back and enter them.');
      }
      install.event({
        step: 'keys',
        status: 'done',
        message: 'Your keys are stored encrypted on this computer',
      });
      current = 'agent';
      install.event({ step: 'agent', status: 'running', message: 'Starting your agent…' });
      // Setup opened again while the agent runs: it restarts with what was changed.
      if (agent.status().state === 'running') await agent.restart();
      else await startLocal();
      install.event({ step: 'agent', status: 'done', message: 'Your agent is running' });
      current = 'database';
      install.event({ step: 'database', status: 'running', message: 'Connecting…' });
      await waitFor(
        () => sync.status().state === 'online',
        20_000,
        "Could not connect to the agent's database.",
      );
      install.event({
        step: 'database',
        status: 'done',
        message: 'Connected — conversations will appear live',
      });
      current = 'channels';
      const status = await localServerStatus(agent.status(), false);
      const telegram = status.channels.telegram ?? 'off';
      if (telegram === 'off' || telegram === 'error') {
        throw new UserError(`Telegram is ${telegram}. Check the bot token on the Telegram step.`);
      }
      install.event({ step: 'channels', status: 'done', message: `Telegram is connected (${telegram})` });
      prefs.update({ wizardStep: 'done' });
      install.finish();
      appState.publish();
    } catch (error) {
      const message = errorMessage(error);
      install.fail(
        current,
        message,
        'Fix the problem above, then press Retry. The log below has the details.',
      );
      log(`install failed at ${current}`, error);
    }
  }

  /** Everything the VPS agent needs, including its own hub password (made once, kept in the vault). */
  function vpsSecrets(): Record<string, Secret> {
    if (!vault.has('vps_hub_password')) vault.set('vps_hub_password', randomBytes(24).toString('base64url'));
    // Only what the agent reads: the desktop's own secrets (its local hub password, the bridge key) stay here.
    const names = Object.keys(SECRET_ENV).filter((n) => vault.has(n));
    return Object.fromEntries(names.flatMap((n) => (vault.get(n) ? [[n, vault.get(n) as Secret]] : [])));
  }

  /** The agent reads secrets and channel choices from its environment: restart it locally, or redeploy the env. */
  async function applyAgentEnv(): Promise<{ applied: 'restarted' | 'sent' | 'saved' }> {
    const { mode, vps } = prefs.get();
    if (mode === 'local' && agent.status().state !== 'stopped') {
      await agent.restart();
      return { applied: 'restarted' as const };
    }
    if (mode === 'vps' && vps) {
      await oneDeployAtATime(() => deployWithDeadline(vps));
      return { applied: 'sent' as const };
    }
    return { applied: 'saved' as const };
  }

  /** Deploys never overlap (they would fight over the host lock): a later one waits for the one running. */
  let deploying: Promise<unknown> = Promise.resolve();
  function oneDeployAtATime<T>(work: () => Promise<T>): Promise<T> {
    const run = deploying.then(work, work);
    deploying = run.catch(() => {});
    return run;
  }

  /**
   * A deploy that has not finished after `deployDeadlineMs` is cancelled (its remote commands have their own
   * timeouts; this is the net under them), so the install tracker always ends and Install/Update work again.
   */
  async function deployWithDeadline(vps: VpsTarget): Promise<void> {
    const deadline = deps.deployDeadlineMs ?? 30 * 60_000;
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(
          new UserError(
            `The install did not finish within ${Math.max(1, Math.round(deadline / 60_000))} minutes and was stopped. Check the server's connection, then press Retry.`,
          ),
        );
      }, deadline);
    });
    try {
      const secrets = vpsSecrets();
      const env = settingsEnv(prefs.get());
      await Promise.race([
        provision.deploy(vps, secrets, (event) => install.event(event), env, controller.signal),
        gaveUp,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  async function runVpsDeploy(vps: VpsTarget): Promise<void> {
    install.begin(VPS_INSTALL_STEPS);
    try {
      await oneDeployAtATime(() => deployWithDeadline(vps));
      if (prefs.get().wizardStep === 'install') prefs.update({ wizardStep: 'done' });
      install.finish();
      appState.publish();
      sync.start();
      sync.kick();
    } catch (error) {
      const failed = install.state().steps.find((s) => s.status === 'running')?.step ?? 'deploy';
      install.fail(failed, errorMessage(error), 'Press Retry once the problem is fixed.');
    }
  }

  return { startLocal, runLocalInstall, runVpsDeploy, applyAgentEnv, vpsSecrets };
}

export type Installer = ReturnType<typeof createInstaller>;

async function waitFor(check: () => boolean, timeoutMs: number, message: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new UserError(message);
    await new Promise((r) => setTimeout(r, 100));
  }
}
