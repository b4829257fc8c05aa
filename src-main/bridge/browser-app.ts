// MONO without Electron: the shared main-process services behind the local bridge, with a key-file vault.
// `mono start` uses it where Electron is missing, and the end-to-end tests drive exactly this.
import { join } from 'node:path';
import type { EventName, EventPayloads } from '../ipc/contract.ts';
import { type AppServices, createAppServices } from '../services/app-services.ts';
import type { CheckEndpoints } from '../services/checks.ts';
import type { ProvisionAdapter } from '../services/provision-adapter.ts';
import { createKeyFileStorage } from '../services/vault.ts';
import { type Bridge, startBridge } from './server.ts';

export interface BrowserAppOptions {
  version: string;
  dataDir: string;
  rendererDir: string;
  agentPath: string;
  endpoints: CheckEndpoints;
  agentEnv?: Record<string, string | undefined>;
  provision?: ProvisionAdapter;
  port?: number;
  log?: (message: string, error?: unknown) => void;
}

export interface BrowserApp {
  bridge: Bridge;
  services: AppServices;
  close(): Promise<void>;
}

export async function startBrowserApp(options: BrowserAppOptions): Promise<BrowserApp> {
  let bridge: Bridge | undefined;
  const services = createAppServices({
    version: options.version,
    shell: 'browser',
    dataDir: options.dataDir,
    safeStorage: createKeyFileStorage(join(options.dataDir, 'vault.key')),
    agentPath: options.agentPath,
    endpoints: options.endpoints,
    ...(options.agentEnv && { agentEnv: options.agentEnv }),
    ...(options.provision && { provision: options.provision }),
    emit: <E extends EventName>(event: E, payload: EventPayloads[E]) => bridge?.broadcast(event, payload),
    ...(options.log && { log: options.log }),
  });
  bridge = await startBridge({
    handlers: services.handlers,
    rendererDir: options.rendererDir,
    ...(options.port !== undefined && { port: options.port }),
    onUnexpected: (method, error) => options.log?.(`${method} failed`, error),
  });
  await services.start();
  const started = bridge;
  return {
    bridge: started,
    services,
    async close() {
      await services.stop();
      await started.close();
    },
  };
}
