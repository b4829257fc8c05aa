// Composes the main-process services (vault, prefs, local agent, sync, provisioning, notifications) and exposes
// them as the IPC handlers. Electron and the browser bridge both run exactly this; only the transport differs.
import { dirname, join } from 'node:path';
import WebSocket from 'ws';
import type { Secret } from '../../agent-core/config/secret.ts';
import type { AppState, EventName, EventPayloads } from '../ipc/contract.ts';
import type { SyncedTable } from '../ipc/db-change.ts';
import type { Handlers } from '../ipc/dispatch.ts';
import { createAgentConfig } from './agent-config.ts';
import { settingsEnv } from './agent-env.ts';
import {
  type AgentSupervisor,
  createAgentSupervisor,
  nodeSpawnAgent,
  type SpawnAgent,
} from './agent-supervisor.ts';
import { createAppStateView } from './app-state.ts';
import { createNotifier, type Notice } from './attention.ts';
import { createBackups } from './backups.ts';
import { createBudgetWatch } from './budget-watch.ts';
import { createChatData } from './chat-data.ts';
import type { CheckEndpoints } from './checks.ts';
import { createData } from './data.ts';
import { openFolder } from './data-folder.ts';
import { createFaultMirror } from './fault-mirror.ts';
import { createFleet } from './fleet.ts';
import { appHandlers } from './handlers/app-handlers.ts';
import { backupHandlers } from './handlers/backup-handlers.ts';
import { chatHandlers } from './handlers/chat-handlers.ts';
import { datastoreHandlers } from './handlers/datastore-handlers.ts';
import { fleetHandlers } from './handlers/fleet-handlers.ts';
import { integrationsHandlers } from './handlers/integrations-handlers.ts';
import { mediaHandlers } from './handlers/media-handlers.ts';
import { ownerHandlers } from './handlers/owner-handlers.ts';
import { serverHandlers } from './handlers/server-handlers.ts';
import { setupHandlers } from './handlers/setup-handlers.ts';
import { vaultHandlers } from './handlers/vault-handlers.ts';
import { createHealthWatch } from './health-watch.ts';
import { createInstallTracker } from './install.ts';
import { createInstaller } from './installer.ts';
import { createJournalFollower } from './journal-follower.ts';
import {
  desktopAgentFile,
  HUB_USER,
  hubPassword,
  localAgentDir,
  localAgentEnv,
  prepareLocalAgent,
} from './local-mode.ts';
import { createPauseMirror } from './pause-mirror.ts';
import { createPrefsStore } from './prefs.ts';
import type { ProvisionAdapter } from './provision-adapter.ts';
import { createVpsProvision } from './provision-vps.ts';
import { createServerStatus } from './server-status.ts';
import { createSync, type HubTarget } from './sync.ts';
import { createVault, type KeyringLike } from './vault.ts';

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
  'owner',
  // The desktop's chat: confirmations waiting for the owner, and messages the agent has not taken yet.
  'action',
  'desktop_inbox',
];

export interface AppServicesDeps {
  version: string;
  shell: AppState['shell'];
  /** The desktop's own folder (vault, prefs, keys, and the local agent's data under agent/). */
  dataDir: string;
  /** Electron's safeStorage (used only where it is a real keyring); absent in the browser. */
  keyring?: KeyringLike;
  /** Where an older MONO kept a vault key file beside the vault (its entries move under a passphrase). */
  legacyKeyFile?: string;
  agentPath: string;
  /** How the local agent's process is started (default: this Node; Electron: a utility process). */
  spawnAgent?: SpawnAgent;
  /**
   * The program and arguments that run the agent's one-shot commands here (backup, restore; default: this Node).
   * Electron's fuses forbid running Electron as Node, so a packaged desktop must pass a real Node for these.
   */
  agentCommand?: string[];
  endpoints: CheckEndpoints;
  /** Extra environment for the local agent (the tests point its upstreams at the local fakes). */
  agentEnv?: Record<string, string | undefined>;
  provision?: ProvisionAdapter;
  emit: <E extends EventName>(event: E, payload: EventPayloads[E]) => void;
  notify?: (notice: Notice) => void;
  log?: (message: string, error?: unknown) => void;
  /** Where the CLI learns which local agent this desktop runs (default ~/.mono/desktop-agent.json). */
  desktopAgentFile?: string;
  /** Electron's shell.openPath (resolves to '' on success); without it the platform's opener is used. */
  openPath?: (path: string) => Promise<string>;
  /** Electron: registers or removes MONO as a login item. Absent where the shell cannot. */
  setLaunchAtLogin?: (enabled: boolean) => void;
}

export function createAppServices(deps: AppServicesDeps) {
  const log = deps.log ?? (() => {});
  const vault = createVault({
    file: join(deps.dataDir, 'vault.json'),
    ...(deps.keyring && { keyring: deps.keyring }),
    ...(deps.legacyKeyFile && { legacyKeyFile: deps.legacyKeyFile }),
  });
  const vaultListeners = new Set<() => void>();
  const prefs = createPrefsStore(join(deps.dataDir, 'desktop.json'));
  const provision =
    deps.provision ?? createVpsProvision({ releaseDir: dirname(deps.agentPath), hubUser: HUB_USER });
  const notifier = createNotifier(deps.notify ?? (() => {}));
  const appState = createAppStateView({
    version: deps.version,
    shell: deps.shell,
    vault,
    prefs,
    canLaunchAtLogin: deps.setLaunchAtLogin !== undefined,
    emit: (state) => deps.emit('app.state', state),
  });
  const install = createInstallTracker((state) => {
    deps.emit('install.progress', state);
    notifier.install(state);
  });
  const budget = createBudgetWatch((day, spent, cap) => notifier.budget(day, spent, cap));

  // The local agent's environment: for the agent itself and for its backup and restore commands.
  const localEnv = () =>
    localAgentEnv({
      dataDir: deps.dataDir,
      hubPort: prefs.get().hubPort ?? 0,
      vault,
      prefs: prefs.get(),
      extra: deps.agentEnv ?? {},
    });
  const agent: AgentSupervisor = createAgentSupervisor({
    spawn: deps.spawnAgent ?? nodeSpawnAgent(),
    agentPath: deps.agentPath,
    env: () => {
      // Tells the CLI (mono pairing…) which local agent this desktop runs, before it starts.
      prepareLocalAgent({
        desktopDir: deps.dataDir,
        hubPort: prefs.get().hubPort ?? 0,
        vault,
        file: deps.desktopAgentFile ?? desktopAgentFile(),
      });
      return localEnv();
    },
    pidFile: join(deps.dataDir, 'agent.pid'),
    onLog: (line) => deps.emit('server.log', { line }),
    onState: (state) => {
      if (state.state === 'running') sync.kick();
      health.process(state);
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
      pause.observe(change);
      health.observe(change);
      faults.observe(change);
      deps.emit('db.change', change);
      notifier.change(change);
      budget.change(change);
    },
    onStatus: (status) => {
      deps.emit('sync.status', status);
      notifier.sync(status);
      health.sync(status);
    },
    onError: (error) => log('sync: connection attempt failed', error),
  });
  const data = createData(sync);
  const pause = createPauseMirror(data);
  const health = createHealthWatch({ prefs, data, emit: (current) => deps.emit('agent.health', current) });
  const faults = createFaultMirror();
  const serverStatus = createServerStatus({ prefs, sync, pause, provision, agent, dataDir: deps.dataDir });
  const journal = createJournalFollower({
    provision,
    onLine: (line) => deps.emit('server.log', { line }),
    log,
  });
  const installer = createInstaller({ vault, prefs, agent, sync, install, provision, appState, log });
  const config = createAgentConfig({ vault, prefs, installer, log });
  const backups = createBackups({
    dataDir: deps.dataDir,
    vault,
    prefs,
    agent,
    provision,
    local: {
      env: localEnv,
      command: deps.agentCommand ?? [process.execPath, deps.agentPath],
      start: () => installer.startLocal(),
      inTurn: config.oneAtATime,
    },
    move: {
      secrets: () => installer.vpsSecrets(),
      settings: () => settingsEnv(prefs.get()),
      followed: () => {
        appState.publish();
        sync.kick();
      },
    },
    emit: (overview) => deps.emit('backup.progress', overview),
    log,
  });

  const fleet = createFleet({ provision, emit: (state) => deps.emit('fleet.progress', state), log });

  const handlers: Handlers = {
    ...appHandlers({
      appState,
      prefs,
      ...(deps.setLaunchAtLogin && { setLaunchAtLogin: deps.setLaunchAtLogin }),
    }),
    ...setupHandlers({
      dataDir: deps.dataDir,
      endpoints: deps.endpoints,
      vault,
      prefs,
      appState,
      provision,
      install,
      installer,
      config,
      // After the restart that turned linking off, once the agent's datastore is reachable again.
      forgetWhatsAppLink: async () => {
        for (let attempt = 0; attempt < 3; attempt++) {
          if (!(await sync.whenOnline(20_000))) return;
          const done = await data.forgetWhatsAppLink().then(
            () => true,
            () => false,
          );
          if (done) return;
          // The old connection's drop was not noticed yet: wait for the new one.
          await new Promise((r) => setTimeout(r, 500));
        }
      },
    }),
    ...integrationsHandlers({ endpoints: deps.endpoints, vault, prefs, appState, config }),
    ...vaultHandlers({
      vault,
      prefs,
      appState,
      onReady: () => {
        for (const listener of vaultListeners) listener();
        void startWhenReady();
      },
      onForgotten: async () => {
        await sync.stop();
        await agent.stop();
      },
    }),
    ...datastoreHandlers({ data, sync }),
    ...ownerHandlers({ data, prefs }),
    ...chatHandlers({ chat: createChatData(sync) }),
    ...mediaHandlers({ vault, prefs, sync, appState, installer, config }),
    ...serverHandlers({
      prefs,
      agent,
      provision,
      install,
      installer,
      journal,
      pause,
      health,
      serverStatus,
      openDataFolder: () => openFolder(localAgentDir(deps.dataDir), deps.openPath),
      config,
    }),
    ...backupHandlers({ backups }),
    ...fleetHandlers({ fleet }),
  };

  /** What a finished setup runs at launch — once the vault can be read (the agent needs its keys). */
  async function startWhenReady(): Promise<void> {
    const vaultState = vault.status().state;
    if (vaultState !== 'ready') {
      log(`keys are ${vaultState}: the agent starts once they can be read`);
      if (vaultState === 'locked' && prefs.get().wizardDone) {
        deps.notify?.({
          title: 'MONO is locked',
          body: 'Open MONO and enter your passphrase so your agent can start.',
        });
      }
      return;
    }
    const { mode, wizardStep, wizardDone } = prefs.get();
    if (mode === 'local' && (wizardStep === 'done' || wizardDone)) {
      await installer.startLocal().catch((error) => log('local agent did not start', error));
    } else if (mode === 'vps') {
      sync.start();
    }
  }

  return {
    handlers,
    vault,
    prefs,
    agent,
    sync,
    install,
    appState: appState.current,
    isPaused: pause.current,
    isBudgetReached: budget.reached,
    health: health.current,
    /** The agent's faults in a few words each (a full disk, a service unreachable, a kill for memory). */
    faultNotes: () => faults.trayNotes(),
    /** Called once at launch: a finished setup starts its agent and sync as soon as the keys can be read. */
    async start(): Promise<void> {
      await startWhenReady();
      backups.start();
    },
    /** Runs `listener` each time the vault becomes readable (created or unlocked). */
    onVaultReady(listener: () => void): () => void {
      vaultListeners.add(listener);
      return () => vaultListeners.delete(listener);
    },
    async stop(): Promise<void> {
      notifier.dispose();
      backups.stop();
      fleet.stop();
      journal.stop();
      await sync.stop();
      await agent.stop();
      await provision.close?.();
    },
  };
}

export type AppServices = ReturnType<typeof createAppServices>;
