// Composes the main-process services (vault, prefs, local agent, sync, provisioning, notifications) and exposes
// them as the IPC handlers. Electron and the browser bridge both run exactly this; only the transport differs.
import { spawn as nodeSpawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import WebSocket from 'ws';
import { isPaused, setPaused } from '../../agent-core/commands/pause.ts';
import type { Secret } from '../../agent-core/config/secret.ts';
import type {
  AppState,
  EventName,
  EventPayloads,
  SecretName,
  ServerStatus,
  SyncedTable,
} from '../ipc/contract.ts';
import { type Handlers, UserError } from '../ipc/dispatch.ts';
import { settingsEnv } from './agent-env.ts';
import { type AgentSupervisor, createAgentSupervisor } from './agent-supervisor.ts';
import { createNotifier, type Notice } from './attention.ts';
import { createBudgetWatch } from './budget-watch.ts';
import { type CheckEndpoints, checkClaude, checkTelegram } from './checks.ts';
import { createData } from './data.ts';
import { createInstallTracker } from './install.ts';
import { freePort, HUB_USER, hubPassword, localAgentEnv, localServerStatus } from './local-mode.ts';
import { createPrefsStore } from './prefs.ts';
import { generateSshKey, type ProvisionAdapter } from './provision-adapter.ts';
import { createVpsProvision, VPS_INSTALL_STEPS } from './provision-vps.ts';
import { createSync, type HubTarget } from './sync.ts';
import { createVault, type SafeStorageLike } from './vault.ts';

export const SYNCED_TABLES: readonly SyncedTable[] = [
  'conversation',
  'message',
  'pairing',
  'contact',
  'setting',
  'job',
  'job_run',
  'usage',
  'agent_status',
  'whatsapp_link',
];

export interface AppServicesDeps {
  version: string;
  shell: AppState['shell'];
  /** The desktop's own folder (vault, prefs, keys, and the local agent's data under agent/). */
  dataDir: string;
  safeStorage: SafeStorageLike;
  agentPath: string;
  nodePath?: string;
  endpoints: CheckEndpoints;
  /** Extra environment for the local agent (the tests point its upstreams at the local fakes). */
  agentEnv?: Record<string, string | undefined>;
  provision?: ProvisionAdapter;
  emit: <E extends EventName>(event: E, payload: EventPayloads[E]) => void;
  notify?: (notice: Notice) => void;
  log?: (message: string, error?: unknown) => void;
  /** Electron: registers or removes MONO as a login item. Absent where the shell cannot. */
  setLaunchAtLogin?: (enabled: boolean) => void;
}

export function createAppServices(deps: AppServicesDeps) {
  const log = deps.log ?? (() => {});
  const vault = createVault({ file: join(deps.dataDir, 'vault.json'), safeStorage: deps.safeStorage });
  const prefs = createPrefsStore(join(deps.dataDir, 'desktop.json'));
  const provision =
    deps.provision ?? createVpsProvision({ releaseDir: dirname(deps.agentPath), hubUser: HUB_USER });
  const notifier = createNotifier(deps.notify ?? (() => {}));
  const install = createInstallTracker((state) => {
    deps.emit('install.progress', state);
    notifier.install(state);
  });
  let paused = false;
  let budgetReached = false;
  let following: AbortController | undefined;
  const budget = createBudgetWatch((day, spent, cap) => {
    budgetReached = cap !== undefined && spent >= cap;
    notifier.budget(day, spent, cap);
  });

  const agent: AgentSupervisor = createAgentSupervisor({
    spawn: nodeSpawn,
    nodePath: deps.nodePath ?? process.execPath,
    agentPath: deps.agentPath,
    env: () =>
      localAgentEnv({
        dataDir: deps.dataDir,
        hubPort: prefs.get().hubPort ?? 0,
        vault,
        prefs: prefs.get(),
        extra: deps.agentEnv ?? {},
      }),
    onLog: (line) => deps.emit('server.log', { line }),
    onState: (state) => {
      if (state.state === 'running') sync.kick();
    },
  });

  async function hubTarget(): Promise<HubTarget | undefined> {
    const { mode, hubPort, vps } = prefs.get();
    if (mode === 'local') {
      if (agent.status().state !== 'running' || !hubPort) return undefined;
      return { url: `ws://127.0.0.1:${hubPort}/rpc`, username: HUB_USER, password: hubPassword(vault) };
    }
    if (mode === 'vps' && vps && vault.has('vps_hub_password')) {
      return {
        url: await provision.hubUrl(vps),
        username: HUB_USER,
        password: vault.get('vps_hub_password') as Secret,
      };
    }
    return undefined;
  }

  const sync = createSync({
    target: hubTarget,
    websocketImpl: WebSocket,
    tables: SYNCED_TABLES,
    onChange: (change) => {
      if (change.table === 'agent_status' && change.row) paused = change.row.paused === true;
      deps.emit('db.change', change);
      notifier.change(change);
      budget.change(change);
    },
    onStatus: (status) => {
      deps.emit('sync.status', status);
      notifier.sync(status);
    },
    onError: (error) => log('sync: connection attempt failed', error),
  });
  const data = createData(sync);

  function appState(): AppState {
    const secrets = (
      ['anthropic_api_key', 'telegram_bot_token', 'whatsapp_access_token', 'stripe_secret_key'] as const
    ).map((name) => ({ name, set: vault.has(name) }));
    const launchAtLogin = deps.setLaunchAtLogin ? (prefs.get().launchAtLogin ?? false) : null;
    return prefs.appState({ version: deps.version, shell: deps.shell, secrets, launchAtLogin });
  }
  const publishState = () => {
    const state = appState();
    deps.emit('app.state', state);
    return state;
  };

  async function startLocal(): Promise<void> {
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
      await startLocal();
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
      publishState();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
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
    const names = vault.names().filter((n) => n !== 'hub_password');
    return Object.fromEntries(names.flatMap((n) => (vault.get(n) ? [[n, vault.get(n) as Secret]] : [])));
  }

  async function serverStatus(): Promise<ServerStatus> {
    const { mode, vps } = prefs.get();
    // Paused lives in the agent's datastore (agent_status:current), shared with the owner's /pause command.
    if (sync.status().state === 'online') paused = await sync.withDb(isPaused).catch(() => paused);
    if (mode === 'vps' && vps) {
      try {
        return { mode, paused, ...(await provision.status(vps)) };
      } catch (error) {
        return { mode, paused, reachable: false, channels: {}, error: (error as Error).message };
      }
    }
    if (mode === 'local') return localServerStatus(agent.status(), paused);
    return { mode: null, paused, reachable: false, channels: {}, error: 'Finish the setup first.' };
  }

  async function setSecret(name: SecretName, value: string) {
    vault.set(name, value);
    publishState();
    return applyAgentEnv();
  }

  /** The agent reads secrets and channel choices from its environment: restart it locally, or redeploy the env. */
  async function applyAgentEnv(): Promise<{ applied: 'restarted' | 'sent' | 'saved' }> {
    const { mode, vps } = prefs.get();
    if (mode === 'local' && agent.status().state !== 'stopped') {
      await agent.restart();
      return { applied: 'restarted' as const };
    }
    if (mode === 'vps' && vps) {
      const secrets = vpsSecrets();
      await provision.deploy(vps, secrets, (event) => install.event(event), settingsEnv(prefs.get()));
      return { applied: 'sent' as const };
    }
    return { applied: 'saved' as const };
  }

  const handlers: Handlers = {
    'app.state': async () => appState(),
    'app.setLaunchAtLogin': async ({ enabled }) => {
      if (!deps.setLaunchAtLogin)
        throw new UserError('Starting at login is set by the desktop app, not in the browser.');
      deps.setLaunchAtLogin(enabled);
      prefs.update({ launchAtLogin: enabled });
      return publishState();
    },
    'wizard.checkClaude': async ({ apiKey }) => {
      const result = await checkClaude(apiKey, deps.endpoints);
      vault.set('anthropic_api_key', apiKey);
      prefs.update({ claude: result });
      publishState();
      return result;
    },
    'wizard.checkTelegram': async ({ token }) => {
      const bot = await checkTelegram(token, deps.endpoints);
      vault.set('telegram_bot_token', token);
      prefs.update({ telegram: bot });
      publishState();
      return bot;
    },
    'wizard.saveWhatsApp': async (input) => {
      // From the wizard it only moves on; later (Integrations) the running agent picks the change up.
      const fromWizard = !prefs.get().wizardDone;
      if (input.mode === 'cloud') {
        vault.set('whatsapp_access_token', input.accessToken);
        vault.set('whatsapp_app_secret', input.appSecret);
        if (!vault.has('whatsapp_verify_token'))
          vault.set('whatsapp_verify_token', randomBytes(18).toString('base64url'));
        prefs.update({ whatsapp: { mode: 'cloud', phoneNumberId: input.phoneNumberId } });
      } else if (input.mode === 'linked') {
        const phone = input.pairingPhone?.replace(/[\s()-]/g, '') || undefined;
        prefs.update({ whatsapp: { mode: 'linked', ...(phone && { pairingPhone: phone }) } });
      } else {
        prefs.update({ whatsapp: { mode: 'skip' } });
      }
      if (fromWizard) prefs.update({ wizardStep: 'where' });
      else await applyAgentEnv();
      publishState();
      return { saved: true };
    },
    'whatsapp.link': async () => data.whatsappLink(),
    'wizard.goto': async ({ step }) => {
      prefs.update({ wizardStep: step });
      return publishState();
    },
    'wizard.chooseLocal': async () => {
      prefs.update({ mode: 'local', wizardStep: 'install' });
      return publishState();
    },
    'wizard.chooseVps': async (target) => {
      const test = await provision.testConnection(target);
      const failed = test.checks.find((c) => !c.ok);
      if (!test.ok)
        throw new UserError(failed?.detail ?? 'Could not reach the server. Test the connection first.');
      prefs.update({ mode: 'vps', vps: target, wizardStep: 'install' });
      return publishState();
    },
    'wizard.finish': async () => {
      prefs.update({ wizardDone: true, wizardStep: 'done' });
      return publishState();
    },
    'ssh.generateKey': async () => generateSshKey(join(deps.dataDir, 'ssh')),
    'ssh.test': async (target) => provision.testConnection(target),
    'install.start': async () => {
      if (install.state().running) return install.state();
      const { mode, vps } = prefs.get();
      if (mode === 'local') void runLocalInstall();
      else if (mode === 'vps' && vps) void runVpsDeploy(vps);
      else throw new UserError('Choose where MONO runs first.');
      return install.state();
    },
    'install.state': async () => install.state(),
    'sync.status': async () => sync.status(),
    'conversation.list': async (input) => data.conversations(input?.search),
    'conversation.messages': async ({ conversation, limit }) => data.messages(conversation, limit),
    'conversation.markRead': async ({ conversation }) => data.markRead(conversation),
    'message.retry': async ({ message }) => {
      await data.retryMessage(message);
      // The agent picks pending replies up when it starts (it does not watch for them live yet).
      if (prefs.get().mode === 'local' && agent.status().state === 'running') await agent.restart();
      return { ok: true };
    },
    'pairing.list': async () => data.pairings(),
    'pairing.decide': async ({ id, decision }) => data.decidePairing(id, decision),
    'contact.list': async () => data.contacts(),
    'contact.setAllowed': async ({ id, allowed }) => data.setContactAllowed(id, allowed),
    'setting.list': async () => data.settings(),
    'setting.set': async ({ key, value }) => data.setSetting(key, value),
    'secret.set': async ({ name, value }) => setSecret(name, value),
    'job.list': async () => data.jobs(),
    'job.create': async (input) => data.createJob(input),
    'job.setEnabled': async ({ id, enabled }) => data.setJobEnabled(id, enabled),
    'job.delete': async ({ id }) => data.deleteJob(id),
    'job.runs': async ({ job }) => data.jobRuns(job),
    'usage.list': async ({ days }) => data.usage(days),
    'server.status': serverStatus,
    'server.update': async () => {
      const { mode, vps } = prefs.get();
      if (mode !== 'vps' || !vps) {
        throw new UserError(
          'On this computer the agent updates together with the MONO app: install the new app.',
        );
      }
      if (!install.state().running) void runVpsDeploy(vps);
      return install.state();
    },
    'server.rollback': async () => {
      const { mode, vps } = prefs.get();
      if (mode !== 'vps' || !vps) throw new UserError('Rollback is for agents on a VPS.');
      return { ok: true, message: await provision.rollback(vps) };
    },
    'server.logs': async ({ limit }) => {
      const { mode, vps } = prefs.get();
      if (mode === 'vps' && vps) return provision.logs(vps, limit);
      return agent.logs(limit);
    },
    'server.followLogs': async ({ on }) => {
      following?.abort();
      following = undefined;
      const { mode, vps } = prefs.get();
      // Local mode streams the agent's output all the time; a VPS's journal is followed while someone looks.
      if (!on || mode !== 'vps' || !vps || !provision.followLogs)
        return { following: on && mode === 'local' };
      const controller = new AbortController();
      following = controller;
      void provision
        .followLogs(vps, (line) => deps.emit('server.log', { line }), controller.signal)
        .catch((error) => log('following the journal stopped', error));
      return { following: true };
    },
    // Paused, the agent still receives and stores everything but answers with a short notice and runs no jobs.
    'agent.pause': async () => {
      await sync.withDb((db) => setPaused(db, true));
      paused = true;
      return serverStatus();
    },
    'agent.resume': async () => {
      if (prefs.get().mode === 'local' && agent.status().state === 'stopped') await startLocal();
      await sync.withDb((db) => setPaused(db, false));
      paused = false;
      return serverStatus();
    },
  };

  async function runVpsDeploy(vps: NonNullable<ReturnType<typeof prefs.get>['vps']>): Promise<void> {
    install.begin(VPS_INSTALL_STEPS);
    try {
      const secrets = vpsSecrets();
      await provision.deploy(vps, secrets, (event) => install.event(event), settingsEnv(prefs.get()));
      if (prefs.get().wizardStep === 'install') prefs.update({ wizardStep: 'done' });
      install.finish();
      publishState();
      sync.start();
      sync.kick();
    } catch (error) {
      const failed = install.state().steps.find((s) => s.status === 'running')?.step ?? 'deploy';
      install.fail(failed, (error as Error).message, 'Press Retry once the problem is fixed.');
    }
  }

  return {
    handlers,
    vault,
    prefs,
    agent,
    sync,
    install,
    appState,
    isPaused: () => paused,
    isBudgetReached: () => budgetReached,
    /** Called once at launch: a finished local setup starts its agent and sync at once. */
    async start(): Promise<void> {
      const { mode, wizardStep } = prefs.get();
      if (mode === 'local' && (wizardStep === 'done' || prefs.get().wizardDone)) {
        await startLocal().catch((error) => log('local agent did not start', error));
      } else if (mode === 'vps') {
        sync.start();
      }
    },
    async stop(): Promise<void> {
      notifier.dispose();
      following?.abort();
      await sync.stop();
      await agent.stop();
      await provision.close?.();
    },
  };
}

export type AppServices = ReturnType<typeof createAppServices>;

async function waitFor(check: () => boolean, timeoutMs: number, message: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new UserError(message);
    await new Promise((r) => setTimeout(r, 100));
  }
}
