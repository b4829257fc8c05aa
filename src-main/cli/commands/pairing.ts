// `mono pairing list|approve CODE|deny CODE`: answer people who asked to talk to your agent (local agent,
// through its db hub; the same data directory and MONO_HUB_* settings as the agent — by default the agent the
// desktop runs on this computer).
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../../../agent-core/config/config.ts';
import { AgentNotRunningError, connectLocalHub } from '../../../agent-core/hub/local-client.ts';
import { decidePairing, listPairings, PairingNotFoundError } from '../../../agent-core/pairing/pairing.ts';
import { desktopAgentFile, readDesktopAgent } from '../../services/local-mode.ts';

const USAGE =
  'Usage: mono pairing list | mono pairing approve CODE | mono pairing deny CODE  [--data-dir DIR]';

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { 'data-dir': { type: 'string' }, all: { type: 'boolean' } },
  });
  const [action, code] = positionals;
  if (!action || !['list', 'approve', 'deny'].includes(action) || (action !== 'list' && !code)) {
    console.error(USAGE);
    return 2;
  }
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig({
      ...process.env,
      ...(values['data-dir'] ? { MONO_DATA_DIR: values['data-dir'] } : desktopAgentEnv()),
    });
  } catch (error) {
    if (error instanceof ConfigError) console.error(error.message);
    else throw error;
    return 2;
  }
  try {
    const datastore = await connectLocalHub(config);
    try {
      if (action === 'list') {
        const pairings = await listPairings(datastore.db, values.all ? undefined : 'pending');
        if (pairings.length === 0)
          console.log(values.all ? 'No pairing requests yet.' : 'No pending pairing requests.');
        for (const p of pairings)
          console.log(
            `${p.code}  ${p.status.padEnd(8)}  ${p.channel.padEnd(8)}  ${p.name} (${p.external_id})`,
          );
      } else {
        const decided = await decidePairing(
          datastore.db,
          code!,
          action === 'approve' ? 'approved' : 'denied',
        );
        console.log(
          action === 'approve'
            ? `Approved ${decided.name} on ${decided.channel}: they can talk to your agent now (they will be told).`
            : `Denied ${decided.name} on ${decided.channel}: the agent will ignore them.`,
        );
      }
      return 0;
    } finally {
      await datastore.close();
    }
  } catch (error) {
    if (error instanceof AgentNotRunningError || error instanceof PairingNotFoundError) {
      console.error(error.message);
      return 1;
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
