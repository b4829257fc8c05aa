// Connects to a running local agent's db hub, as `mono pairing` does: the address and credentials come from the
// same environment and data directory the agent uses.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentConfig } from '../config/config.ts';
import { openDatastore } from '../db/datastore.ts';
import type { Datastore } from '../db/datastore-types.ts';
import { silentLogger } from '../log/logger.ts';
import { HUB_CREDENTIALS_FILE, loadHubCredentials } from './credentials.ts';

export class AgentNotRunningError extends Error {
  constructor(readonly address: string) {
    super(`Cannot reach the agent's db hub at ${address}. Is the agent running (npm start, or mono agent)?`);
    this.name = 'AgentNotRunningError';
  }
}

export function localHubUrl(config: Pick<AgentConfig, 'dataDir' | 'hub'>): string {
  if (config.hub.tcp) return `ws://${config.hub.tcp.host}:${config.hub.tcp.port}/rpc`;
  return `ws+unix://${config.hub.socketPath ?? join(config.dataDir, 'hub.sock')}:/rpc`;
}

export async function connectLocalHub(
  config: Pick<AgentConfig, 'dataDir' | 'hub' | 'dbCredentials'>,
): Promise<Datastore> {
  const url = localHubUrl(config);
  // No credentials file and none configured: the agent never ran with this data directory.
  if (!config.dbCredentials && !existsSync(join(config.dataDir, HUB_CREDENTIALS_FILE))) {
    throw new AgentNotRunningError(url.replace(/:\/rpc$/, ''));
  }
  const credentials = loadHubCredentials(config.dataDir, config.dbCredentials);
  try {
    return await openDatastore({ url, credentials, log: silentLogger, openTimeoutMs: 5000 });
  } catch {
    throw new AgentNotRunningError(url.replace(/:\/rpc$/, ''));
  }
}
