// applySchema: every schema file once, in order, each in a transaction with its `migration` row.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { TABLES } from '../../../agent-core/contract/tables.ts';
import { openDatastore } from '../../../agent-core/db/datastore.ts';
import { MigrationError } from '../../../agent-core/db/errors.ts';
import { applySchema, readSchemaFiles, schemaDir } from '../../../agent-core/db/schema.ts';
import { silentLogger } from '../../../agent-core/log/logger.ts';

const run = promisify(execFile);

function tempSchema(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'mono-schema-'));
  copyFileSync(join(schemaDir(), '000-migration.surql'), join(dir, '000-migration.surql'));
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);
  return dir;
}

test('the real schema applies once and defines every contract table', { timeout: 60_000 }, async () => {
  // In a child process: the real schema defines indexes, after which the engine never lets its process exit.
  const fixture = join(import.meta.dirname, 'fixtures', 'apply-schema.ts');
  const { stdout } = await run(process.execPath, ['--import', 'tsx', fixture, 'mem://'], { timeout: 50_000 });
  const outcome = JSON.parse(stdout) as {
    first: { applied: string[] };
    second: { applied: string[]; skipped: string[] };
    recorded: string[];
    tables: string[];
    bootstrapRecordedAt: string[];
  };
  const files = readSchemaFiles()
    .map((file) => file.name)
    .filter((name) => name !== '000-migration');
  assert.ok(files.length > 0);
  assert.deepEqual(outcome.first.applied, files);
  assert.deepEqual(outcome.second.applied, []);
  assert.deepEqual(outcome.second.skipped, files);
  assert.deepEqual(outcome.recorded, ['000-migration', ...files]);
  const [once, again] = outcome.bootstrapRecordedAt;
  assert.equal(again, once, 'a start with nothing new runs no schema file, not even the bootstrap');
  for (const table of [...TABLES, 'migration'])
    assert.ok(outcome.tables.includes(table), `table ${table} is defined`);
});

test('files run in order, each once; a later file runs on the next start', { timeout: 20_000 }, async () => {
  const dir = tempSchema({
    '002-second.surql': 'UPDATE step:only SET trail += "second";',
    '001-first.surql': 'DEFINE TABLE step SCHEMALESS;\nCREATE step:only SET trail = ["first"];',
  });
  const ds = await openDatastore({ url: 'mem://', log: silentLogger });
  try {
    assert.deepEqual((await applySchema(ds.db, silentLogger, dir)).applied, ['001-first', '002-second']);
    writeFileSync(join(dir, '003-third.surql'), 'UPDATE step:only SET trail += "third"');
    assert.deepEqual(await applySchema(ds.db, silentLogger, dir), {
      applied: ['003-third'],
      skipped: ['001-first', '002-second'],
    });
    const [trail] = await ds.db.query('RETURN step:only.trail').collect<[string[]]>();
    assert.deepEqual(trail, ['first', 'second', 'third']);
  } finally {
    await ds.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a failing file leaves nothing behind and is not recorded', { timeout: 20_000 }, async () => {
  const dir = tempSchema({
    '001-good.surql': 'DEFINE TABLE good SCHEMALESS;',
    '002-bad.surql': 'DEFINE TABLE bad SCHEMALESS;\nCREATE bad:1;\nTHROW "boom";',
  });
  const ds = await openDatastore({ url: 'mem://', log: silentLogger });
  try {
    await assert.rejects(applySchema(ds.db, silentLogger, dir), (error: unknown) => {
      assert.ok(error instanceof MigrationError, String(error));
      assert.equal(error.migration, '002-bad');
      return true;
    });
    const [tables] = await ds.db.query('RETURN object::keys((INFO FOR DB).tables)').collect<[string[]]>();
    assert.ok(tables.includes('good'));
    assert.ok(!tables.includes('bad'), 'the failed file defined nothing');
    const [recorded] = await ds.db
      .query('SELECT VALUE name FROM migration ORDER BY name')
      .collect<[string[]]>();
    assert.deepEqual(recorded, ['000-migration', '001-good']);
  } finally {
    await ds.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a missing schema directory says to rebuild', () => {
  assert.throws(() => readSchemaFiles('/nonexistent/mono-schema'), /npm run build/);
});
