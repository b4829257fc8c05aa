// A real SurrealDB engine with MONO's schema for one test file: in memory, or on disk (surrealkv) when asked.
// Call at the top level of a test file; `db` is ready in every test.
import { after, before } from 'node:test';
import type { Surreal } from 'surrealdb';
import { openDatastore } from '../../agent-core/db/datastore.ts';
import type { Datastore } from '../../agent-core/db/datastore-types.ts';
import { applySchema } from '../../agent-core/db/schema.ts';
import { silentLogger } from '../../agent-core/log/logger.ts';
import { makeTempDir, removeTempDir } from '../agent-core/db/temp-dir.ts';

export function datastoreWithSchema(options: { onDisk?: boolean } = {}): { readonly db: Surreal } {
  let datastore: Datastore | undefined;
  const dir = options.onDisk ? makeTempDir() : undefined;
  before(async () => {
    datastore = await openDatastore({ url: dir ? `surrealkv://${dir}/db` : 'mem://', log: silentLogger });
    await applySchema(datastore.db, silentLogger);
  });
  after(async () => {
    await datastore?.close();
    if (dir) await removeTempDir(dir);
    // After DEFINE INDEX the embedded engine keeps the process alive (a SurrealDB engine trait): end it once results are out.
    setTimeout(() => process.exit(process.exitCode ?? 0), 300).unref();
  });
  return {
    get db() {
      if (!datastore) throw new Error('the datastore opens in before(): use db inside tests');
      return datastore.db;
    },
  };
}
