// What `mono pairing` and `mono owner` share: the local agent's configuration (the same environment and data
// directory as the agent; without either, the agent the desktop runs here) and a connection to its db hub,
// with the errors a terminal user can act on.
import { ConfigError, loadConfig } from '../../../agent-core/config/config.ts';
import type { Datastore } from '../../../agent-core/db/datastore-types.ts';
import { AgentNotRunningError, connectLocalHub } from '../../../agent-core/hub/local-client.ts';
import { desktopAgentFile, readDesktopAgent } from '../../services/local-mode.ts';

/** A failure the user can act on: printed as is, exit code `code`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Runs `work` against the local agent's datastore; resolves to the exit code. */
export async function withLocalAgent(
  dataDir: string | undefined,
  work: (datastore: Datastore, config: ReturnType<typeof loadConfig>) => Promise<number>,
): Promise<number> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig({ ...process.env, ...(dataDir ? { MONO_DATA_DIR: dataDir } : desktopAgentEnv()) });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    return 2;
  }
  try {
    const datastore = await connectLocalHub(config);
    try {
      return await work(datastore, config);
    } finally {
      await datastore.close();
    }
  } catch (error) {
    if (error instanceof AgentNotRunningError || error instanceof CliError) {
      console.error(error.message);
      return error instanceof CliError ? error.code : 1;
    }
    throw error;
  }
}

/** Without --data-dir or MONO_DATA_DIR: the agent the desktop app runs here, if it recorded one. */
function desktopAgentEnv(): Record<string, string> {
  if (process.env.MONO_DATA_DIR) return {};
  const agent = readDesktopAgent(desktopAgentFile());
  return agent ? { MONO_DATA_DIR: agent.dataDir, MONO_HUB_LISTEN: agent.hubListen } : {};
}
