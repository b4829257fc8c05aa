// The retention period edited live: in a real SurrealDB with MONO's schema and the agent's Settings (a live query),
// the desktop writes `media_retention_days` as its setting.set handler does, and the running retention applies the
// new period at once — files older than it are deleted and their messages say so, younger ones stay — and a value
// that makes no sense falls back to the default instead of deleting everything.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { RecordId } from 'surrealdb';
import { Settings } from '../../../agent-core/agent/settings.ts';
import { silentLogger } from '../../../agent-core/log/logger.ts';
import type { Attachment } from '../../../agent-core/media/attachments.ts';
import { MediaFiles } from '../../../agent-core/media/files.ts';
import { saveAttachments } from '../../../agent-core/media/media-store.ts';
import { MediaRetention } from '../../../agent-core/media/retention.ts';
import { storeInbound } from '../../../agent-core/store/messages.ts';
import { receiptJpeg } from '../../helpers/media-samples.ts';
import { datastoreWithSchema } from '../../helpers/schema-datastore.ts';
import { eventually, sleep } from '../../helpers/wait.ts';

const DAY_MS = 86_400_000;
const datastore = datastoreWithSchema();
const dir = mkdtempSync(join(tmpdir(), 'mono-retention-'));
const files = new MediaFiles(dir);
let next = 1;

/** A photo message whose kept file was received `ageDays` ago. */
async function photoFrom(ageDays: number): Promise<{ id: RecordId; file: string }> {
  const { id } = await storeInbound(datastore.db, {
    channel: 'telegram',
    chatId: '7',
    messageId: String(next++),
    userId: '7',
    name: 'Ada',
    text: `a photo from ${ageDays} days ago`,
    readable: true,
    at: new Date(),
  });
  const file = `${String(id.id)}-0.jpg`;
  const path = join(files.dir, file);
  writeFileSync(path, receiptJpeg());
  const then = new Date(Date.now() - ageDays * DAY_MS);
  utimesSync(path, then, then);
  const attachment: Attachment = { kind: 'image', status: 'ready', mime: 'image/jpeg', file } as Attachment;
  await saveAttachments(datastore.db, id, [attachment]);
  return { id, file };
}

async function statusOf(id: RecordId): Promise<string | undefined> {
  const [rows] = await datastore.db
    .query<[{ attachments: Attachment[] }[]]>('SELECT attachments FROM $id', { id })
    .collect();
  return rows[0]?.attachments[0]?.status;
}

/** What the desktop's setting.set handler runs (src-main/services/data.ts), through its own statement. */
async function desktopSets(value: unknown): Promise<void> {
  await datastore.db
    .query('UPSERT $id CONTENT { key: $key, value: $value, updated_at: time::now() }', {
      id: new RecordId('setting', 'media_retention_days'),
      key: 'media_retention_days',
      value,
    })
    .collect();
}

before(() => files.init());
after(() => rmSync(dir, { recursive: true, force: true }));

test('a shorter period set on the desktop deletes the older files at once; a nonsense value keeps the default', {
  timeout: 60_000,
}, async () => {
  // As the agent runs them: the settings kept live from the datastore, the retention reading them.
  const settings = new Settings(datastore.db, silentLogger);
  await settings.load();
  const retention = new MediaRetention({ db: datastore.db, files, log: silentLogger, settings });
  const tenDays = await photoFrom(10);
  const threeDays = await photoFrom(3);
  const fortyDays = await photoFrom(40);
  const expired = (photo: { id: RecordId }, what: string) =>
    eventually(async () => (await statusOf(photo.id)) === 'expired', what, 15_000);
  retention.start();
  try {
    // The default 30 days: only the 40-day-old file goes.
    await expired(fortyDays, 'the 40-day-old file expired');
    assert.equal(retention.days(), 30);
    assert.equal(await files.exists(tenDays.file), true);

    // A week: the ten-day-old file goes without waiting for the hourly sweep; the three-day-old one stays.
    await desktopSets(7);
    await expired(tenDays, 'the 10-day-old file expired');
    assert.equal(await files.exists(tenDays.file), false);
    assert.equal(retention.days(), 7);
    assert.equal(await statusOf(threeDays.id), 'ready');
    assert.equal(await files.exists(threeDays.file), true);

    // A value that makes no sense (0, text) is not "delete everything": the default applies.
    await desktopSets(0);
    await eventually(() => retention.days() === 30, 'the default after 0');
    await desktopSets('soon');
    await eventually(() => settings.get('media_retention_days') === 'soon', 'the text value seen');
    await sleep(500);
    assert.equal(retention.days(), 30);
    assert.equal(await statusOf(threeDays.id), 'ready');

    // Two days (as text, as an older desktop may send it): the three-day-old file goes too.
    await desktopSets('2');
    await expired(threeDays, 'the 3-day-old file expired');
    assert.equal(await files.exists(threeDays.file), false);
  } finally {
    // Before the datastore closes (its after hook runs before this file's).
    await retention.stop();
    await settings.close();
  }
});
