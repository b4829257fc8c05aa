// The conversation view's image previews through the desktop's `media.preview` handler, against a real datastore
// with MONO's schema behind a real db hub: the agent stores a message and its preview with its own functions, the
// desktop names the message by the id it was sent, and gets that preview — never another message's or position's.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { RecordId } from 'surrealdb';
import WebSocket from 'ws';
import { Secret } from '../../agent-core/config/secret.ts';
import { openDatastore } from '../../agent-core/db/datastore.ts';
import type { Datastore } from '../../agent-core/db/datastore-types.ts';
import { applySchema } from '../../agent-core/db/schema.ts';
import { type Hub, startHub } from '../../agent-core/hub/server.ts';
import { silentLogger } from '../../agent-core/log/logger.ts';
import { savePreview } from '../../agent-core/media/media-store.ts';
import { storeInbound } from '../../agent-core/store/messages.ts';
import { mediaHandlers } from '../../src-main/services/handlers/media-handlers.ts';
import { createSync, type Sync } from '../../src-main/services/sync.ts';
import { receiptJpeg, samplePng } from '../helpers/media-samples.ts';
import { eventually } from '../helpers/wait.ts';

const credentials = { username: 'mono_desktop', password: new Secret('preview-test-password') };
let ds: Datastore;
let hub: Hub;
let sync: Sync;
let preview: ReturnType<typeof mediaHandlers>['media.preview'];

const jpeg = { mime: 'image/jpeg', data: receiptJpeg().toString('base64') };
const png = { mime: 'image/png', data: samplePng(64, 48).toString('base64') };

/** A photo message as a channel stores it: its id is the datastore's own. */
async function storedPhoto(messageId: string): Promise<RecordId> {
  const stored = await storeInbound(ds.db, {
    channel: 'telegram',
    chatId: '42',
    messageId,
    userId: '42',
    name: 'Ada',
    text: 'two photos',
    readable: true,
    attachments: [
      { kind: 'image', ref: { file_id: 'a' } },
      { kind: 'image', ref: { file_id: 'b' } },
    ] as never,
    at: new Date(),
  });
  return stored.id;
}

/** The message's id as the desktop has it: the string the sync's SELECT gives the renderer. */
async function desktopId(id: RecordId): Promise<string> {
  const [rows] = await sync.query<{ id: string }>('SELECT id FROM $id', { id });
  assert.equal(typeof rows?.[0]?.id, 'string');
  return rows![0]!.id;
}

before(async () => {
  ds = await openDatastore({ url: 'mem://', log: silentLogger });
  await applySchema(ds.db, silentLogger);
  hub = await startHub(ds, { listen: { host: '127.0.0.1', port: 0 }, credentials, log: silentLogger });
  sync = createSync({
    target: async () => ({ url: hub.address, ...credentials }),
    websocketImpl: WebSocket,
    tables: ['message'],
    onChange: () => {},
    onStatus: () => {},
  });
  sync.start();
  await eventually(() => sync.status().state === 'online', 'the desktop is connected');
  preview = mediaHandlers({
    vault: { get: () => undefined },
    prefs: { update: () => ({}) as never },
    sync,
    appState: { publish: () => ({}) as never },
    installer: { applyAgentEnv: async () => ({ applied: 'restarted' }) },
    config: { oneAtATime: (work) => work() },
  })['media.preview'];
});

after(async () => {
  await sync?.stop();
  await hub?.close();
  await ds?.close();
  // After DEFINE INDEX the embedded engine keeps the process alive: end it once results are out.
  setTimeout(() => process.exit(process.exitCode ?? 0), 300).unref();
});

test('the preview the agent stored for a message and position is the one the desktop gets', async () => {
  const first = await storedPhoto('1');
  const second = await storedPhoto('2');
  await savePreview(ds.db, first, 0, jpeg);
  await savePreview(ds.db, first, 1, png);
  await savePreview(ds.db, second, 1, jpeg);
  const firstId = await desktopId(first);
  const secondId = await desktopId(second);
  assert.deepEqual(await preview({ message: firstId, index: 0 }), jpeg);
  assert.deepEqual(await preview({ message: firstId, index: 1 }), png);
  assert.deepEqual(await preview({ message: secondId, index: 1 }), jpeg);
  assert.equal(await preview({ message: secondId, index: 0 }), null, 'no preview stored at that position');
  assert.equal(await preview({ message: firstId, index: 2 }), null);
});

test('a message key the desktop sees escaped still finds its preview', async () => {
  const odd = new RecordId('message', 'tg-42-7');
  await ds.db
    .query(
      `CREATE $id CONTENT { conversation: conversation:⟨telegram:42⟩, channel: 'telegram', direction: 'in',
         role: 'user', text: 'odd', status: 'answered' }`,
      { id: odd },
    )
    .collect();
  await savePreview(ds.db, odd, 0, png);
  const id = await desktopId(odd);
  assert.match(id, /^message:(⟨tg-42-7⟩|`tg-42-7`)$/, 'the desktop is given the escaped form');
  assert.deepEqual(await preview({ message: id, index: 0 }), png);
});

test("a preview is never given for another message's id, even one that shares its stored row's key prefix", async () => {
  const photo = await storedPhoto('3');
  await savePreview(ds.db, photo, 0, jpeg);
  const id = await desktopId(photo);
  // The row is found by its id and must also point back at the message asked for.
  await ds.db
    .query('UPSERT $id CONTENT { message: $other, mime: $mime, data: $data }', {
      id: new RecordId('media_preview', `${String(photo.id)}-1`),
      other: await storedPhoto('4'),
      ...png,
    })
    .collect();
  assert.equal(await preview({ message: id, index: 1 }), null);
  assert.deepEqual(await preview({ message: id, index: 0 }), jpeg);
});
