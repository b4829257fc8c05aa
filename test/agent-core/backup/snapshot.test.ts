// The snapshot a backup reads is one instant of the datastore even while the agent goes on writing (new messages,
// updates, deletions), and its pages survive the payload encoding value for value.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { jsonify, RecordId } from 'surrealdb';
import { BackupFileError } from '../../../agent-core/backup/errors.ts';
import { decodePages, encodePages, type Page } from '../../../agent-core/backup/records.ts';
import { openSnapshot } from '../../../agent-core/backup/snapshot.ts';
import { datastoreWithSchema } from '../../helpers/schema-datastore.ts';
import { seedEverything } from './helpers.ts';

const store = datastoreWithSchema({ onDisk: true });

function message(i: number, text = `message ${i}`) {
  return {
    id: new RecordId('message', `n${String(i).padStart(5, '0')}`),
    conversation: new RecordId('conversation', 'telegram:1'),
    channel: 'telegram',
    direction: 'in',
    role: 'user',
    text,
    status: 'answered',
  };
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe('backup snapshot', () => {
  test('one instant, while writes go on: rows added, changed or deleted afterwards are not seen', async () => {
    const { db } = store;
    const first = Array.from({ length: 2500 }, (_, i) => message(i));
    await db.query('INSERT INTO message $rows RETURN NONE', { rows: first }).collect();

    const snapshot = await openSnapshot(db);
    assert.equal(snapshot.info.counts.message, 2500);
    // The agent keeps working while the pages are read: new messages, edits, deletions, one at a time.
    let writing = true;
    let written = 0;
    const writer = (async () => {
      for (let i = 2500; writing; i++) {
        await db
          .query('CREATE $id CONTENT $row', { id: message(i).id, row: { ...message(i), id: undefined } })
          .collect();
        await db
          .query("UPDATE $id SET text = 'edited after the snapshot'", { id: message(i - 2500).id })
          .collect();
        await db.query('DELETE $id', { id: message(2499 - (i - 2500)).id }).collect();
        written++;
      }
    })();
    const pages: Page[] = [];
    for await (const page of snapshot.pages(300)) {
      pages.push(page);
      // The writer gets a full round in between every two pages.
      const before = written;
      const deadline = Date.now() + 10_000;
      while (written === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    }
    writing = false;
    await writer;
    await snapshot.close();
    assert.ok(written >= 9, `the agent wrote ${written} times during the snapshot`);

    const seen = pages.filter((p) => p.table === 'message').flatMap((p) => p.rows);
    assert.equal(seen.length, 2500);
    assert.deepEqual(seen.map((row) => String(row.id)).sort(), first.map((row) => String(row.id)).sort());
    assert.ok(
      seen.every((row) => String(row.text).startsWith('message ')),
      'no edit made after the snapshot',
    );
    const [now] = await db.query('RETURN count(SELECT id FROM message)').collect<[number]>();
    assert.equal(now, 2500, 'one added and one deleted per round');
  });

  test('pages survive the payload encoding value for value (record ids, dates, nested values)', async () => {
    const { db } = store;
    await seedEverything(db);
    const snapshot = await openSnapshot(db);
    const pages = await collect(snapshot.pages(2));
    await snapshot.close();
    const back = await collect(
      decodePages(
        encodePages(
          (async function* () {
            yield* pages;
          })(),
        ),
      ),
    );
    assert.deepEqual(back, pages);
    assert.deepEqual(jsonify(back), jsonify(pages));
    const usage = back.find((p) => p.table === 'usage')!.rows[0]!;
    assert.ok(usage.id instanceof RecordId);
    assert.deepEqual((usage.id as RecordId).id, ['2026-12-01', 'claude-sonnet']);
    const conversation = back.find((p) => p.table === 'conversation')!.rows[0]!;
    assert.ok(
      conversation.last_message_at instanceof Date || typeof conversation.last_message_at === 'object',
    );
  });

  test('a damaged payload is reported as a damaged file, never as pages', async () => {
    const payload = Buffer.concat(
      await collect(
        encodePages(
          (async function* () {
            yield { table: 'message', rows: [{ text: 'x'.repeat(5000) }] };
          })(),
        ),
      ),
    );
    const flipped = Buffer.from(payload);
    flipped[Math.floor(flipped.length / 2)]! ^= 0xff;
    for (const bad of [flipped, payload.subarray(0, payload.length - 3)]) {
      await assert.rejects(
        collect(
          decodePages(
            (async function* () {
              yield bad;
            })(),
          ),
        ),
        (error) => {
          assert.ok(error instanceof BackupFileError, String(error));
          assert.ok(['tampered', 'truncated'].includes(error.problem));
          return true;
        },
      );
    }
  });
});
