// MONO without Electron: the shared main-process services behind the local bridge. There is no system keyring
// here, so the owner's keys are sealed under a passphrase (asked for in the page, or on the terminal by
// `mono start`). `mono start` uses it where Electron is missing, and the end-to-end tests drive exactly this.
import { join } from 'node:path';
import { errorMessage } from '../../agent-core/util/error-message.ts';
import type { EventName, EventPayloads } from '../ipc/contract.ts';
import { type AppServices, createAppServices } from '../services/app-services.ts';
import type { Notice } from '../services/attention.ts';
import type { CheckEndpoints } from '../services/checks.ts';
import type { ProvisionAdapter } from '../services/provision-adapter.ts';
import type { Vault } from '../services/vault.ts';
import { newBridgeKey } from './auth.ts';
import { BRIDGE_KEY_NAME, readBridgePort, saveBridgePort } from './bridge-settings.ts';
import { type Bridge, startBridge } from './server.ts';

export interface BrowserAppOptions {
  version: string;
  dataDir: string;
  rendererDir: string;
  agentPath: string;
  endpoints: CheckEndpoints;
  agentEnv?: Record<string, string | undefined>;
  provision?: ProvisionAdapter;
  /** A port for this run only; otherwise the installation's port (kept in the desktop's folder). */
  port?: number;
  /** Unlocks the vault with this passphrase at start, or sets it on a new vault (tests, scripts). */
  passphrase?: string;
  /** Asked while the vault is locked (the terminal); undefined = leave it to the page. Up to three tries. */
  askPassphrase?: (attempt: number) => Promise<string | undefined>;
  log?: (message: string, error?: unknown) => void;
  /** What the desktop shell shows as a system notification (the browser has no tray: tests, scripts). */
  notify?: (notice: Notice) => void;
}

export interface BrowserApp {
  bridge: Bridge;
  services: AppServices;
  close(): Promise<void>;
}

export async function startBrowserApp(options: BrowserAppOptions): Promise<BrowserApp> {
  const log = options.log ?? (() => {});
  let bridge: Bridge | undefined;
  const services = createAppServices({
    version: options.version,
    shell: 'browser',
    dataDir: options.dataDir,
    legacyKeyFile: join(options.dataDir, 'vault.key'),
    agentPath: options.agentPath,
    endpoints: options.endpoints,
    ...(options.agentEnv && { agentEnv: options.agentEnv }),
    ...(options.provision && { provision: options.provision }),
    ...(options.notify && { notify: options.notify }),
    emit: <E extends EventName>(event: E, payload: EventPayloads[E]) => bridge?.broadcast(event, payload),
    log,
  });
  const { vault } = services;
  await unlockAtStart(vault, options);

  // The installation's key while the vault is readable; a key for this launch while it is locked (the page
  // that unlocks it then admits the installation's key too, so bookmarks work again from that moment).
  const launchKey = vault.status().state === 'ready' ? storedKey(vault) : newBridgeKey();
  const port = options.port ?? readBridgePort(options.dataDir) ?? 0;
  const bridgeOptions = {
    handlers: services.handlers,
    rendererDir: options.rendererDir,
    key: launchKey,
    onUnexpected: (method: string, error: unknown) => log(`${method} failed`, error),
    onError: (where: string, error: unknown) => log(`bridge: ${where}`, error),
  };
  bridge = await startBridge({ ...bridgeOptions, port }).catch(async (error: NodeJS.ErrnoException) => {
    if (port === 0 || error.code !== 'EADDRINUSE') throw error;
    log(`port ${port} is taken by another program; MONO moves to a new address (open tabs must be reopened)`);
    return startBridge({ ...bridgeOptions, port: 0 });
  });
  if (options.port === undefined) saveBridgePort(options.dataDir, bridge.port);
  const started = bridge;
  services.onVaultReady(() => {
    if (vault.has(BRIDGE_KEY_NAME)) started.acceptKey(storedKey(vault));
    else vault.set(BRIDGE_KEY_NAME, launchKey);
  });

  await services.start();
  return {
    bridge: started,
    services,
    async close() {
      await services.stop();
      await started.close();
    },
  };
}

/** The installation's bridge key, made once and kept in the vault like every other secret. */
function storedKey(vault: Vault): string {
  const stored = vault.get(BRIDGE_KEY_NAME)?.reveal();
  if (stored) return stored;
  const key = newBridgeKey();
  vault.set(BRIDGE_KEY_NAME, key);
  return key;
}

async function unlockAtStart(vault: Vault, options: BrowserAppOptions): Promise<void> {
  const state = vault.status().state;
  if (options.passphrase !== undefined) {
    if (state === 'setup') await vault.create(options.passphrase);
    else if (state === 'locked') await vault.unlock(options.passphrase);
    return;
  }
  if (state !== 'locked' || !options.askPassphrase) return;
  for (let attempt = 1; attempt <= 3; attempt++) {
    const passphrase = await options.askPassphrase(attempt);
    if (passphrase === undefined) return;
    try {
      await vault.unlock(passphrase);
      return;
    } catch (error) {
      options.log?.(errorMessage(error));
    }
  }
}
