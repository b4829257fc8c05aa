// `mono-agent restore` (the real entry, in child processes, on real SurrealKV datastores): every row comes back
// exactly, in-flight work of a live backup is not redone, data is never replaced without --replace (and the
// replaced data is kept until the next restore), damaged files and running agents are refused before anything
// changes, older schemas are migrated after the rows are in, and newer ones are refused.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { jsonify, RecordId } from 'surrealdb';
import { INTERRUPTED_REASON } from '../../../agent-core/backup/interrupted.ts';
import { finishRestore } from '../../../agent-core/backup/restore.ts';
import { openDatastore } from '../../../agent-core/db/datastore.ts';
import type { Datastore } from '../../../agent-core/db/datastore-types.ts';
import { readSchemaFiles, schemaDir } from '../../../agent-core/db/schema.ts';
import { silentLogger } from '../../../agent-core/log/logger.ts';
import { queryDataDir } from '../../helpers/inspect-datastore.ts';
import { makeTempDir, removeTempDir } from '../db/temp-dir.ts';
import { backupBytes, besideDb, lineOf, openSeeded, runAgent, seedEverything } from './helpers.ts';

const TABLES = [
  'action',
  'agent_status',
  'contact',
  'conversation',
  'event',
  'job',
  'job_run',
  'mail',
  'mail_cursor',
  'memory',
  'message',
  'pairing',
  'retry_request',
  'setting',
  'usage',
  'whatsapp_link',
];

/** A schema directory with the real files whose number is at most `upTo`, plus `extra` files. */
function schemaCopy(root: string, upTo: number, extra: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(root, 'schema-'));
  for (const file of readSchemaFiles())
    if (Number.parseInt(file.name, 10) <= upTo)
      copyFileSync(join(schemaDir(), `${file.name}.surql`), join(dir, `${file.name}.surql`));
  for (const [name, sql] of Object.entries(extra)) writeFileSync(join(dir, name), sql);
  return dir;
}

async function rows(dataDir: string, table: string): Promise<unknown[]> {
  const [result] = await queryDataDir<[unknown[]]>(dataDir, `SELECT * FROM ${table} ORDER BY id`);
  return result;
}

describe('mono-agent restore', { timeout: 600_000 }, () => {
  const root = makeTempDir('mono-restore-');
  let source: Datastore;
  let plain: Buffer;
  let live: Buffer;

  before(async () => {
    source = await openSeeded(join(root, 'source'));
    await seedEverything(source.db);
    plain = await backupBytes(source.db, { live: false });
    live = await backupBytes(source.db, { live: true });
  });

  after(async () => {
    await removeTempDir(root);
    // The engine keeps a process alive after DEFINE INDEX: end it once the results are out.
    setTimeout(() => process.exit(process.exitCode ?? 0), 300).unref();
  });

  const dataDir = (name: string) => {
    const dir = join(root, name);
    mkdirSync(dir, { recursive: true });
    return dir;
  };

  test('every row of every table comes back exactly, and the restored memory is searchable', async () => {
    const dir = dataDir('exact');
    const r = await runAgent(['restore'], dir, plain);
    assert.equal(r.code, 0, r.stderr + r.stdout.toString());
    const result = lineOf(r, 'result') as { counts: Record<string, number>; replaced?: string };
    assert.equal(result.counts.message, 5);
    assert.equal(result.replaced, undefined);
    for (const table of TABLES) {
      const [expected] = await source.db.query(`SELECT * FROM ${table} ORDER BY id`).collect<[unknown[]]>();
      assert.ok(expected.length > 0, `the fixture has rows in ${table}`);
      assert.deepEqual(await rows(dir, table), jsonify(expected), `table ${table}`);
    }
    const [found] = await queryDataDir<[{ text: string }[]]>(
      dir,
      "SELECT text FROM memory WHERE text @1@ 'dog'",
    );
    assert.deepEqual(
      found.map((f) => f.text),
      ["The owner's dog is called Fox"],
    );
    assert.deepEqual(besideDb(dir), [], 'no staging and nothing replaced left beside the datastore');
  });

  test('a live backup: work in flight at the snapshot is closed, not done a second time', async () => {
    const dir = dataDir('live');
    const r = await runAgent(['restore'], dir, live);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(lineOf(r, 'result').interrupted, {
      message: 3,
      job_run: 1,
      event: 1,
      mail: 1,
    });
    const messages = (await rows(dir, 'message')) as { id: string; status: string; error?: string }[];
    assert.deepEqual(
      messages.map((m) => [m.id, m.status]),
      [
        ['message:m1', 'answered'],
        ['message:m2', 'sent'],
        ['message:m3', 'failed'],
        ['message:m4', 'failed'],
        ['message:m5', 'failed'],
      ],
    );
    assert.equal(messages[2]!.error, INTERRUPTED_REASON);
    const runs = (await rows(dir, 'job_run')) as { status: string }[];
    assert.deepEqual(
      runs.map((x) => x.status),
      ['ok', 'failed'],
    );
    // An unlive backup (the agent was stopped: nothing was finished after it) resumes its work instead.
    const stopped = (await rows(join(root, 'exact'), 'message')) as { status: string }[];
    assert.deepEqual(
      stopped.map((m) => m.status),
      ['answered', 'sent', 'processing', 'pending', 'received'],
    );
  });

  test('data is replaced only with --replace, and the replaced data is kept until the next restore', async () => {
    const dir = join(root, 'exact');
    const refused = await runAgent(['restore'], dir, plain);
    assert.equal(refused.code, 1);
    const error = lineOf(refused, 'error');
    assert.equal(error.name, 'RestoreRefusedError');
    assert.equal((error.counts as Record<string, number>).message, 5);
    assert.deepEqual(besideDb(dir), []);

    await source.db
      .query('CREATE message:m6 CONTENT $row', {
        row: {
          conversation: new RecordId('conversation', 'telegram:42'),
          channel: 'telegram',
          direction: 'in',
          role: 'user',
          text: 'one more',
          status: 'answered',
        },
      })
      .collect();
    const newer = await backupBytes(source.db, { live: false });
    const replaced = await runAgent(['restore', '--replace'], dir, newer);
    assert.equal(replaced.code, 0, replaced.stderr);
    const kept = lineOf(replaced, 'result').replaced as string;
    assert.deepEqual(besideDb(dir), [kept.slice(dir.length + 1)]);
    assert.equal((await rows(dir, 'message')).length, 6);
    // The replaced copy is the datastore as it was: readable, with its 5 messages.
    const view = mkdtempSync(join(root, 'view-'));
    symlinkSync(kept, join(view, 'db'));
    assert.equal((await rows(view, 'message')).length, 5);

    const again = await runAgent(['restore', '--replace'], dir, plain);
    assert.equal(again.code, 0, again.stderr);
    const keptNow = lineOf(again, 'result').replaced as string;
    assert.notEqual(keptNow, kept);
    assert.deepEqual(besideDb(dir), [keptNow.slice(dir.length + 1)], 'the earlier copy is gone');
    assert.equal((await rows(dir, 'message')).length, 5);
  });

  test('a truncated or tampered file is refused before anything is replaced', async () => {
    const dir = join(root, 'exact');
    const before = besideDb(dir);
    const flipped = Buffer.from(plain);
    flipped[Math.floor(flipped.length * 0.6)]! ^= 0x10;
    for (const [file, problem] of [
      [plain.subarray(0, Math.floor(plain.length * 0.7)), 'truncated'],
      [flipped, 'tampered'],
    ] as const) {
      const r = await runAgent(['restore', '--replace'], dir, file);
      assert.equal(r.code, 1);
      const error = lineOf(r, 'error');
      assert.equal(error.name, 'BackupFileError');
      assert.equal(error.problem, problem, String(error.message));
      assert.deepEqual(besideDb(dir), before, 'no staging left, the kept copy untouched');
      assert.equal((await rows(dir, 'message')).length, 5);
    }
  });

  test('a data directory whose agent is running is refused', async () => {
    const dir = dataDir('running');
    const running = await openDatastore({ url: `surrealkv://${join(dir, 'db')}`, log: silentLogger });
    try {
      const r = await runAgent(['restore', '--replace'], dir, plain);
      assert.equal(r.code, 1);
      assert.equal(lineOf(r, 'error').name, 'AgentRunningError');
      assert.deepEqual(besideDb(dir), []);
    } finally {
      await running.close();
    }
  });

  test('an older schema is migrated after its rows are in; a newer one is refused', async () => {
    const old = await openSeeded(join(root, 'old-source'), schemaCopy(root, 5));
    await old.db
      .query(
        "CREATE message:old CONTENT { conversation: conversation:x, channel: 'telegram', direction: 'in', role: 'user', text: 'from long ago', status: 'answered' }",
      )
      .collect();
    const oldBackup = await backupBytes(old.db, { live: false });
    const dir = dataDir('migrated');
    const r = await runAgent(['restore'], dir, oldBackup);
    assert.equal(r.code, 0, r.stderr);
    const later = readSchemaFiles()
      .map((f) => f.name)
      .filter((n) => Number.parseInt(n, 10) > 5);
    assert.ok(later.length > 0);
    assert.deepEqual(lineOf(r, 'result').migrated, {
      from: 5,
      to: Number.parseInt(later.at(-1)!, 10),
      applied: later,
    });
    const [names] = await queryDataDir<[string[]]>(dir, 'SELECT VALUE name FROM migration ORDER BY name');
    assert.deepEqual(
      names,
      readSchemaFiles().map((f) => f.name),
    );
    assert.equal(((await rows(dir, 'message')) as { text: string }[])[0]!.text, 'from long ago');

    // A migration that changes data runs on the restored rows, as an update would have.
    const transform = schemaCopy(root, 999, {
      '099-shout.surql': 'UPDATE message SET text = string::uppercase(text);',
    });
    const staged = join(root, 'shout', 'db.restoring-test');
    mkdirSync(join(root, 'shout'));
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('./fixtures/stage.ts', import.meta.url))],
      { env: { ...process.env, DATA_DIR: join(root, 'shout'), STAGING: staged, SCHEMA_DIR: transform } },
    );
    const output = new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (c) => (out += c));
      child.once('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`stage exited ${code}`))));
    });
    child.stdin!.end(oldBackup);
    assert.deepEqual(JSON.parse(await output).migrated.applied, [...later, '099-shout']);
    finishRestore(join(root, 'shout'), staged);
    assert.equal(
      ((await rows(join(root, 'shout'), 'message')) as { text: string }[])[0]!.text,
      'FROM LONG AGO',
    );

    const future = await openSeeded(
      join(root, 'future-source'),
      schemaCopy(root, 999, { '099-future.surql': 'DEFINE TABLE IF NOT EXISTS hologram SCHEMALESS;' }),
    );
    const futureDir = dataDir('future');
    const refused = await runAgent(['restore'], futureDir, await backupBytes(future.db, { live: false }));
    assert.equal(refused.code, 1);
    assert.equal(lineOf(refused, 'error').problem, 'newer-schema');
    assert.match(String(lineOf(refused, 'error').message), /099-future/);
    assert.equal(existsSync(join(futureDir, 'db')), false);
    assert.deepEqual(readdirSync(futureDir), []);
  });
});
