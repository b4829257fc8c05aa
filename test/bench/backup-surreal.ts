// SurrealDB's own export and import, for the backup benchmark to compare with (run as a child process: a datastore
// path opens once per process). `export DIR FILE` writes DIR's datastore as SurrealQL; `import FILE DIR` loads it.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDatastore } from '../../agent-core/db/datastore.ts';
import { silentLogger } from '../../agent-core/log/logger.ts';

const [mode, from, to] = process.argv.slice(2);
if (mode === 'export') {
  const ds = await openDatastore({ url: `surrealkv://${join(from!, 'db')}`, log: silentLogger });
  const started = performance.now();
  const sql = await ds.db.export();
  const ms = performance.now() - started;
  writeFileSync(to!, sql);
  process.stdout.write(JSON.stringify({ ms, bytes: Buffer.byteLength(sql) }));
} else {
  const sql = readFileSync(from!, 'utf8');
  const ds = await openDatastore({ url: `surrealkv://${join(to!, 'db')}`, log: silentLogger });
  const started = performance.now();
  await ds.db.import(sql);
  const ms = performance.now() - started;
  const [messages] = await ds.db.query('RETURN count(SELECT id FROM message)').collect<[number]>();
  process.stdout.write(JSON.stringify({ ms, messages }));
}
process.exit(0);
