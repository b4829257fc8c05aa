// Where a backup reads from: the running agent's db hub (a live snapshot), or its datastore itself when it is
// stopped; found from the same environment the agent runs with.
import { statSync } from 'node:fs';
import type { AgentConfig } from '../config/config.ts';
import { openConfiguredDatastore } from '../db/datastore.ts';
import type { Datastore } from '../db/datastore-types.ts';
import { DatastoreLockedError } from '../db/errors.ts';
import { AgentNotRunningError, connectLocalHub } from '../hub/local-client.ts';
import { silentLogger } from '../log/logger.ts';
import { AgentRunningError } from './errors.ts';

/** Only what says where the data is: a channel's bad setting must not stop a backup of the agent it broke. */
const DATA_VARIABLES = [
  'MONO_DATA_DIR',
  'MONO_DB_URL',
  'MONO_DB_USER',
  'MONO_DB_PASS',
  'MONO_HUB_SOCKET',
  'MONO_HUB_LISTEN',
];

/** The part of an environment that says where the agent's data is. */
export function dataEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(DATA_VARIABLES.map((name) => [name, env[name]]));
}

/** The running agent's hub (a live snapshot); the datastore itself when the agent is stopped. */
export async function openBackupSource(
  config: Pick<AgentConfig, 'dataDir' | 'dbUrl' | 'dbCredentials' | 'hub'>,
): Promise<{ datastore: Datastore; live: boolean }> {
  if (config.dbUrl) return { datastore: await openConfiguredDatastore(config, silentLogger), live: true };
  try {
    return { datastore: await connectLocalHub(config), live: true };
  } catch (error) {
    if (!(error instanceof AgentNotRunningError)) throw error;
  }
  dropToOwnerOf(config.dataDir);
  try {
    return { datastore: await openConfiguredDatastore(config, silentLogger), live: false };
  } catch (error) {
    // Locked but no hub answered: the agent is starting or stopping; a moment later one of the two works.
    if (error instanceof DatastoreLockedError) throw new AgentRunningError(config.dataDir);
    throw error;
  }
}

/**
 * Run as the owner of the data directory (the agent's user): run as root, files the engine creates would belong
 * to root and the agent could not open its datastore again.
 */
export function dropToOwnerOf(dataDir: string): void {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return;
  let owner: { uid: number; gid: number };
  try {
    owner = statSync(dataDir);
  } catch {
    throw new Error(`the data directory ${dataDir} does not exist; has the agent ever started?`);
  }
  if (owner.uid === 0) return;
  process.setgroups?.([owner.gid]);
  process.setgid?.(owner.gid);
  process.setuid?.(owner.uid);
}
