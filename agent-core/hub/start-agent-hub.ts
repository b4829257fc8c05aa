// Starts the db hub the way the agent runs it: unix socket by default (MONO_HUB_SOCKET, else <data dir>/hub.sock),
// TCP when MONO_HUB_LISTEN is set (local mode), credentials from MONO_DB_USER/MONO_DB_PASS or the data dir.
import { join } from 'node:path';
import type { Datastore } from '../db/datastore-types.ts';
import type { Logger } from '../log/logger.ts';
import { loadHubCredentials } from './credentials.ts';
import { type Hub, startHub } from './server.ts';

export interface AgentHubOptions {
  dataDir: string;
  /** MONO_HUB_SOCKET */
  socketPath?: string;
  /** MONO_HUB_LISTEN, parsed */
  tcp?: { host: string; port: number };
  /** The environment MONO_DB_USER / MONO_DB_PASS are read from. */
  env?: NodeJS.ProcessEnv;
  log: Logger;
}

/** The running hub, or undefined with an external SurrealDB (MONO_DB_URL): the desktop then uses that server. */
export async function startAgentHub(ds: Datastore, options: AgentHubOptions): Promise<Hub | undefined> {
  const log = options.log.child({ part: 'hub' });
  if (ds.kind !== 'embedded') {
    log.info('db hub off: the datastore is an external SurrealDB server (MONO_DB_URL)');
    return undefined;
  }
  const credentials = loadHubCredentials(options.dataDir, options.env ?? process.env);
  if (credentials.source === 'generated')
    log.info({ file: credentials.file }, 'generated db hub credentials');
  const listen = options.tcp ?? { path: options.socketPath ?? join(options.dataDir, 'hub.sock') };
  return startHub(ds, { listen, credentials, log });
}
