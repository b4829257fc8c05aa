// Reads a stopped agent's datastore from a child process (the embedded engine keeps a process alive after
// use, and a path opens once per process): `queryDataDir(dir, 'SELECT …')` → the results as JSON. A running
// agent is read and written through its db hub, as the desktop does: `queryRunningAgent(dir, 'CREATE …')`.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { jsonify } from 'surrealdb';
import { connectLocalHub } from '../../agent-core/hub/local-client.ts';

const SCRIPT = `
import { openDatastore } from ${JSON.stringify(fileURLToPath(new URL('../../agent-core/db/datastore.ts', import.meta.url)))};
import { silentLogger } from ${JSON.stringify(fileURLToPath(new URL('../../agent-core/log/logger.ts', import.meta.url)))};
import { jsonify } from 'surrealdb';
const ds = await openDatastore({ url: 'surrealkv://' + process.env.DIR + '/db', log: silentLogger });
const result = await ds.db.query(process.env.QUERY).collect();
process.stdout.write(JSON.stringify(jsonify(result)));
process.exit(0);
`;

export function queryDataDir<T = unknown[]>(dataDir: string, query: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SCRIPT], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      env: { ...process.env, DIR: dataDir, QUERY: query },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    child.once('exit', (code) => {
      if (code === 0) resolve(JSON.parse(out) as T);
      else reject(new Error(`reading ${dataDir} failed (${code}): ${err}`));
    });
  });
}

/** A query through the running agent's db hub (its unix socket in the data directory), results as JSON. */
export async function queryRunningAgent<T = unknown[]>(
  dataDir: string,
  query: string,
  vars: Record<string, unknown> = {},
): Promise<T> {
  const datastore = await connectLocalHub({ dataDir, hub: {} });
  try {
    return jsonify(await datastore.db.query(query, vars).collect()) as T;
  } finally {
    await datastore.close();
  }
}
