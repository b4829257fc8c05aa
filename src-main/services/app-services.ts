// Composes the main-process services (vault, prefs, local agent, sync, provisioning, notifications) and exposes
// them as the IPC handlers. Electron and the browser bridge both run exactly this; only the transport differs.
import { spawn as nodeSpawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import WebSocket from 'ws';
import type { Secret } from '../../agent-core/config/secret.ts';
import type { AppState, EventName, EventPayloads, ServerStatus, SyncedTable } from '../ipc/contract.ts';
import { type AgentSupervisor, createAgentSupervisor } from './agent-supervisor.ts';
import { createNotifier, type Notice } from './attention.ts';
import { createBudgetWatch } from './budget-watch.ts';
import type { CheckEndpoints } from './checks.ts';
import { createData, type Data } from './data.ts';
import { createHandlers } from './handlers.ts';
import { createInstallTracker, type InstallTracker } from './install.ts';
import { createInstaller } from './installer.ts';
import { HUB_USER, hubPassword, localAgentEnv, localServerStatus } from './local-mode.ts';
import { createPrefsStore, type PrefsStore } from './prefs.ts';
import type { ProvisionAdapter } from './provision-adapter.ts';
import { createVpsProvision } from './provision-vps.ts';
import { createSync, type HubTarget, type Sync } from './sync.ts';
import { createVault, type SafeStorageLike, type Vault } from './vault.ts';

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
  const state: Core['state'] = { paused: false, budgetReached: false, following: undefined };
  const budget = createBudgetWatch((day, spent, cap) => {
    state.budgetReached = cap !== undefined && spent >= cap;
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
      if (change.table === 'agent_status' && change.row) state.paused = change.row.paused === true;
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
      [
        'anthropic_api_key',
        'telegram_bot_token',
        'whatsapp_access_token',
        'stripe_secret_key',
        'stt_api_key',
      ] as const
    ).map((name) => ({ name, set: vault.has(name) }));
    const launchAtLogin = deps.setLaunchAtLogin ? (prefs.get().launchAtLogin ?? false) : null;
    return prefs.appState({ version: deps.version, shell: deps.shell, secrets, launchAtLogin });
  }
  const publishState = () => {
    const state = appState();
    deps.emit('app.state', state);
    return state;
  };

  async function serverStatus(): Promise<ServerStatus> {
    const { mode, vps } = prefs.get();
    // Paused lives in the agent's datastore (agent_status:current), shared with the owner's /pause command.
    if (sync.status().state === 'online') {
      state.paused = await data.paused().catch(() => state.paused);
    }
    const { paused } = state;
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

  const core: Core = {
    deps,
    log,
    vault,
    prefs,
    agent,
    sync,
    data,
    install,
    provision,
    state,
    appState,
    publishState,
    serverStatus,
  };
  const installer = createInstaller(core);
  const handlers = createHandlers(core, installer);

  return {
    handlers,
    vault,
    prefs,
    agent,
    sync,
    install,
    appState,
    isPaused: () => state.paused,
    isBudgetReached: () => state.budgetReached,
    /** Called once at launch: a finished local setup starts its agent and sync at once. */
    async start(): Promise<void> {
      const { mode, wizardStep } = prefs.get();
      if (mode === 'local' && (wizardStep === 'done' || prefs.get().wizardDone)) {
        await installer.startLocal().catch((error) => log('local agent did not start', error));
      } else if (mode === 'vps') {
        sync.start();
      }
    },
    async stop(): Promise<void> {
      notifier.dispose();
      state.following?.abort();
      await sync.stop();
      await agent.stop();
      await provision.close?.();
    },
  };
}

export type AppServices = ReturnType<typeof createAppServices>;

/** What the installer and the handlers share: the services and the little state the app keeps in memory. */
export interface Core {
  deps: AppServicesDeps;
  log: (message: string, error?: unknown) => void;
  vault: Vault;
  prefs: PrefsStore;
  agent: AgentSupervisor;
  sync: Sync;
  data: Data;
  install: InstallTracker;
  provision: ProvisionAdapter;
  state: { paused: boolean; budgetReached: boolean; following: AbortController | undefined };
  appState(): AppState;
  publishState(): AppState;
  serverStatus(): Promise<ServerStatus>;
}
