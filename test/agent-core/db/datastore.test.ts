// openDatastore on the real embedded engine: queries, transactions, live queries, and failing fast on bad paths.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Table } from 'surrealdb';
import { openDatastore } from '../../../agent-core/db/datastore.ts';
import {
  DatastoreInUseError,
  DatastoreLockedError,
  DatastoreOpenError,
  DatastoreUrlError,
} from '../../../agent-core/db/errors.ts';
import { silentLogger } from '../../../agent-core/log/logger.ts';
import { makeTempDir, removeTempDir } from './temp-dir.ts';

const fixture = join(import.meta.dirname, 'fixtures', 'hold-datastore.ts');

test('an embedded datastore answers queries on mono/agent, and health follows close()', {
  timeout: 20_000,
}, async () => {
  const ds = await openDatastore({ url: 'mem://', log: silentLogger });
  try {
    assert.equal(ds.kind, 'embedded');
    assert.ok(ds.engine);
    assert.equal(await ds.health(), true);
    const [where] = await ds.db.query('RETURN [session::ns(), session::db()]').collect<[string[]]>();
    assert.deepEqual(where, ['mono', 'agent']);
    await ds.db.query('DEFINE TABLE note SCHEMALESS; CREATE note:1 SET text = "hi"').collect();
    const [rows] = await ds.db.query('SELECT text FROM note').collect<[{ text: string }[]]>();
    assert.deepEqual(rows, [{ text: 'hi' }]);
  } finally {
    await ds.close();
  }
  assert.equal(await ds.health(), false);
});

test('transactions commit and cancel through the SDK', { timeout: 20_000 }, async () => {
  const ds = await openDatastore({ url: 'mem://', log: silentLogger });
  try {
    await ds.db.query('DEFINE TABLE item SCHEMALESS').collect();
    const kept = await ds.db.beginTransaction();
    await kept.query('CREATE item:kept').collect();
    await kept.commit();
    const dropped = await ds.db.beginTransaction();
    await dropped.query('CREATE item:dropped').collect();
    await dropped.cancel();
    const [ids] = await ds.db.query('RETURN (SELECT VALUE meta::id(id) FROM item)').collect<[string[]]>();
    assert.deepEqual(ids, ['kept']);
  } finally {
    await ds.close();
  }
});

test('every live notification reaches an SDK subscriber, also for rows created in one query', {
  timeout: 20_000,
}, async () => {
  const ds = await openDatastore({ url: 'mem://', log: silentLogger });
  try {
    await ds.db.query('DEFINE TABLE tick SCHEMALESS').collect();
    const live = await ds.db.live(new Table('tick'));
    const seen: string[] = [];
    const done = new Promise<void>((resolve) => {
      live.subscribe((message) => {
        seen.push(`${message.action} ${message.recordId}`);
        if (seen.length === 6) resolve();
      });
    });
    await ds.db
      .query(
        'CREATE tick:1; CREATE tick:2; CREATE tick:3; CREATE tick:4; CREATE tick:5; UPDATE tick:1 SET n = 1',
      )
      .collect();
    await done;
    // The engine sends notifications from concurrent tasks, not in commit order: compare them as a set.
    assert.deepEqual(seen.sort(), [
      'CREATE tick:1',
      'CREATE tick:2',
      'CREATE tick:3',
      'CREATE tick:4',
      'CREATE tick:5',
      'UPDATE tick:1',
    ]);
    await live.kill();
  } finally {
    await ds.close();
  }
});

test('a data directory held by another process fails fast with what to do', { timeout: 30_000 }, async () => {
  const dir = makeTempDir();
  const holder = spawn(process.execPath, ['--import', 'tsx', fixture, `surrealkv://${dir}`], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  try {
    const [line] = (await once(holder.stdout, 'data')) as [Buffer];
    assert.equal(line.toString().trim(), 'ready');
    const error = await openDatastore({ url: `surrealkv://${dir}`, log: silentLogger }).then(
      () => assert.fail('opened a locked datastore'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof DatastoreLockedError, String(error));
    assert.match(error.message, /already using/);
    assert.match(error.message, /MONO_DATA_DIR/);
    assert.ok(error.message.includes(dir));
  } finally {
    holder.stdin.end();
    await once(holder, 'exit');
    await removeTempDir(dir);
  }
});

test('a path that cannot be created fails with DatastoreOpenError', { timeout: 20_000 }, async () => {
  const dir = makeTempDir();
  const file = join(dir, 'not-a-dir');
  writeFileSync(file, '');
  try {
    await assert.rejects(
      openDatastore({ url: `surrealkv://${file}/db`, log: silentLogger }),
      (error: unknown) => {
        assert.ok(error instanceof DatastoreOpenError, String(error));
        assert.match(error.message, /MONO_DATA_DIR/);
        return true;
      },
    );
  } finally {
    await removeTempDir(dir);
  }
});

test('one path is opened once per process', { timeout: 20_000 }, async () => {
  const dir = makeTempDir();
  const ds = await openDatastore({ url: `surrealkv://${dir}`, log: silentLogger });
  try {
    await assert.rejects(
      openDatastore({ url: `surrealkv://${dir}/`, log: silentLogger }),
      DatastoreInUseError,
    );
  } finally {
    await ds.close();
    await removeTempDir(dir);
  }
});

test('an unknown URL scheme is refused with the supported forms', { timeout: 5_000 }, async () => {
  await assert.rejects(openDatastore({ url: 'postgres://x', log: silentLogger }), (error: unknown) => {
    assert.ok(error instanceof DatastoreUrlError);
    assert.match(error.message, /surrealkv:\/\/<dir>/);
    return true;
  });
});

test('SDK sessions get their own live notifications; export and import work', {
  timeout: 20_000,
}, async () => {
  const ds = await openDatastore({ url: 'mem://', log: silentLogger });
  try {
    await ds.db.query('DEFINE TABLE item SCHEMALESS').collect();
    const session = await ds.db.newSession();
    await session.use({ namespace: 'mono', database: 'agent' });
    const live = await session.live(new Table('item'));
    const arrived = new Promise<string>((resolve) =>
      live.subscribe((message) => resolve(String(message.recordId))),
    );
    await ds.db.query('CREATE item:one').collect();
    assert.equal(await arrived, 'item:one');
    await live.kill();
    await session.closeSession();
    assert.match(await ds.db.export(), /DEFINE TABLE item/);
    await ds.db.import('CREATE item:two;');
    const [ids] = await ds.db.query('RETURN (SELECT VALUE meta::id(id) FROM item)').collect<[string[]]>();
    assert.deepEqual(ids.sort(), ['one', 'two']);
  } finally {
    await ds.close();
  }
});
