// Starts the db hub the way the agent runs it: unix socket by default (MONO_HUB_SOCKET, else <data dir>/hub.sock),
// TCP when MONO_HUB_LISTEN is set (local mode), credentials from MONO_DB_USER/MONO_DB_PASS (parsed by the config
// loader) or the data dir.
import { join } from 'node:path';
import type { AgentConfig } from '../config/config.ts';
import type { Datastore } from '../db/datastore-types.ts';
import type { Logger } from '../log/logger.ts';
import { HUB_USER_FINGERPRINT_FILE, loadHubCredentials } from './credentials.ts';
import { type Hub, startHub } from './server.ts';

export interface AgentHubOptions {
  dataDir: string;
  /** MONO_HUB_SOCKET */
  socketPath?: string;
  /** MONO_HUB_LISTEN, parsed */
  tcp?: { host: string; port: number };
  /** MONO_DB_USER / MONO_DB_PASS, parsed */
  credentials?: AgentConfig['dbCredentials'];
  log: Logger;
}

/** The running hub, or undefined with an external SurrealDB (MONO_DB_URL): the desktop then uses that server. */
export async function startAgentHub(ds: Datastore, options: AgentHubOptions): Promise<Hub | undefined> {
  const log = options.log.child({ part: 'hub' });
  if (ds.kind !== 'embedded') {
    log.info('db hub off: the datastore is an external SurrealDB server (MONO_DB_URL)');
    return undefined;
  }
  const credentials = loadHubCredentials(options.dataDir, options.credentials);
  if (credentials.source === 'generated')
    log.info({ file: credentials.file }, 'generated db hub credentials');
  const listen = options.tcp ?? { path: options.socketPath ?? join(options.dataDir, 'hub.sock') };
  const fingerprintFile = join(options.dataDir, HUB_USER_FINGERPRINT_FILE);
  return startHub(ds, { listen, credentials, fingerprintFile, log });
}
