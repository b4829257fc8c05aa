// Reads a stopped agent's datastore from a child process (the embedded engine keeps a process alive after
// use, and a path opens once per process): `queryDataDir(dir, 'SELECT …')` → the results as JSON.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

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
