// Fetching a message's files for its turn, in a real SurrealDB with MONO's schema and real files on disk: what
// is kept, what is refused and why, what is never downloaded, transcription through the STT fake, a resumed
// turn, and the retention sweep.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { RecordId } from 'surrealdb';
import { Settings } from '../../../agent-core/agent/settings.ts';
import { type Channel, MediaFetchError } from '../../../agent-core/channels/channel.ts';
import { Secret } from '../../../agent-core/config/secret.ts';
import { silentLogger } from '../../../agent-core/log/logger.ts';
import type { Attachment, InboundAttachment, MediaSource } from '../../../agent-core/media/attachments.ts';
import { MediaFiles } from '../../../agent-core/media/files.ts';
import { MediaPreparer } from '../../../agent-core/media/prepare.ts';
import { MediaRetention } from '../../../agent-core/media/retention.ts';
import { storeInbound } from '../../../agent-core/store/messages.ts';
import { FAKE_STT_KEY, FakeStt } from '../../fakes/stt-server.ts';
import { oggOpus, receiptJpeg } from '../../helpers/media-samples.ts';
import { datastoreWithSchema } from '../../helpers/schema-datastore.ts';

const datastore = datastoreWithSchema();
const dir = mkdtempSync(join(tmpdir(), 'mono-media-'));
const files = new MediaFiles(dir);
const stt = new FakeStt();
let next = 1;

before(async () => {
  await files.init();
  await stt.start();
});
after(async () => {
  await stt.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A channel whose files are these buffers (by source.id); counts its fetches. */
function channelWith(blobs: Record<string, Buffer | Error>) {
  const fetched: string[] = [];
  const channel = {
    name: 'telegram',
    async fetchMedia(source: MediaSource) {
      const id = String(source.id);
      fetched.push(id);
      const blob = blobs[id];
      if (blob instanceof Error) throw blob;
      if (!blob) throw new MediaFetchError('no such file', true);
      // In chunks, as a network body arrives.
      const chunks = Array.from({ length: Math.ceil(blob.length / 4096) }, (_, i) =>
        blob.subarray(i * 4096, (i + 1) * 4096),
      );
      return {
        body: (async function* () {
          yield* chunks;
        })(),
      };
    },
  } as unknown as Channel;
  return { channel, fetched };
}

async function stored(attachments: InboundAttachment[], text = '') {
  const result = await storeInbound(datastore.db, {
    channel: 'telegram',
    chatId: '77',
    messageId: String(next++),
    userId: '77',
    name: 'Ada',
    text,
    readable: true,
    attachments,
    at: new Date(),
  });
  return result.claimed!;
}

const preparer = (withStt = true) =>
  new MediaPreparer({
    db: datastore.db,
    files,
    log: silentLogger,
    ...(withStt
      ? {
          stt: {
            url: stt.url,
            apiKey: new Secret(FAKE_STT_KEY),
            model: 'whisper-large-v3',
            pricePerMinute: 0.006,
          },
        }
      : {}),
  });

async function row(id: RecordId): Promise<Attachment[]> {
  const [rows] = await datastore.db
    .query<[{ attachments: Attachment[] }[]]>('SELECT attachments FROM $id', { id })
    .collect();
  return rows[0]!.attachments;
}

test('a photo is fetched, kept byte for byte, given a preview, and the message row says so', async () => {
  const message = await stored([{ kind: 'image', source: { id: 'p1' } }], 'what is this?');
  assert.equal(message.attachments?.[0]?.status, 'pending', 'stored before anything is fetched');
  const { channel } = channelWith({ p1: receiptJpeg() });
  const prepared = await preparer().prepare(message, channel);
  assert.equal(prepared.refusal, undefined);
  const [photo] = prepared.attachments;
  assert.equal(photo?.status, 'ready');
  assert.equal(photo?.mime, 'image/jpeg');
  assert.equal(photo?.width, 320);
  assert.deepEqual(readFileSync(join(dir, 'media', photo!.file!)), receiptJpeg());
  assert.deepEqual(await row(message.id), prepared.attachments);
  const [previews] = await datastore.db
    .query<[{ mime: string; data: string }[]]>('SELECT mime, data FROM media_preview WHERE message = $id', {
      id: message.id,
    })
    .collect();
  assert.equal(previews[0]?.mime, 'image/jpeg');
  assert.deepEqual(Buffer.from(previews[0]!.data, 'base64'), receiptJpeg());
});

test('a ".jpg" that is not an image is refused and not kept; the sender is told why', async () => {
  const message = await stored([
    { kind: 'document', name: 'holiday.jpg', declared_mime: 'image/jpeg', source: { id: 'fake' } },
  ]);
  const before = readdirSync(join(dir, 'media')).length;
  const { channel } = channelWith({ fake: Buffer.from('#!/bin/sh\nrm -rf ~\n') });
  const prepared = await preparer().prepare(message, channel);
  assert.equal(prepared.attachments[0]?.status, 'refused');
  assert.equal(prepared.attachments[0]?.reason, 'not_what_it_says');
  assert.match(prepared.refusal ?? '', /isn't what its name or type says/);
  assert.equal(readdirSync(join(dir, 'media')).length, before, 'nothing kept');
  assert.deepEqual(readdirSync(join(dir, 'media', '.incoming')), [], 'no partial download left');
});

test('a video or a file declared too large is refused without downloading anything', async () => {
  const video = await stored([{ kind: 'video', size: 30 * 1024 * 1024, source: { id: 'v' } }]);
  const big = await stored([
    { kind: 'document', size: 40 * 1024 * 1024, name: 'scan.pdf', source: { id: 'b' } },
  ]);
  const { channel, fetched } = channelWith({});
  assert.match((await preparer().prepare(video, channel)).refusal ?? '', /can't watch videos/);
  assert.match((await preparer().prepare(big, channel)).refusal ?? '', /too big/);
  assert.deepEqual(fetched, []);
});

test('a file larger than it said is cut off while it streams and refused', async () => {
  const message = await stored([{ kind: 'image', size: 1000, source: { id: 'liar' } }]);
  const { channel } = channelWith({ liar: Buffer.concat([receiptJpeg(), Buffer.alloc(5 * 1024 * 1024)]) });
  const prepared = await preparer().prepare(message, channel);
  assert.equal(prepared.attachments[0]?.reason, 'too_large');
  assert.deepEqual(readdirSync(join(dir, 'media', '.incoming')), []);
});

test('a voice note is transcribed under a name STT services accept, and its minutes are recorded', async () => {
  const voice = oggOpus(12);
  stt.hear(voice, 'Remind me to call Bob at five.');
  const message = await stored([
    { kind: 'voice', declared_mime: 'audio/ogg', duration_s: 12, source: { id: 'n1' } },
  ]);
  const { channel } = channelWith({ n1: voice });
  const prepared = await preparer().prepare(message, channel);
  assert.equal(prepared.attachments[0]?.transcript, 'Remind me to call Bob at five.');
  const request = stt.requests.at(-1)!;
  assert.equal(request.fileName, 'voice.ogg');
  assert.equal(request.model, 'whisper-large-v3');
  assert.deepEqual(request.bytes, voice);
  const [usage] = await datastore.db
    .query<[{ requests: number; audio_seconds: number; cost_usd: number }[]]>(
      "SELECT requests, audio_seconds, cost_usd FROM usage WHERE model = 'whisper-large-v3'",
    )
    .collect();
  assert.equal(usage[0]?.audio_seconds, 12);
  assert.ok(Math.abs(usage[0]!.cost_usd - 0.0012) < 1e-9, `12 s at $0.006/min, got ${usage[0]?.cost_usd}`);
});

test('without speech to text a voice note is not even downloaded; a failing service is a clear refusal', async () => {
  const { channel, fetched } = channelWith({ n2: oggOpus(2) });
  const first = await preparer(false).prepare(
    await stored([{ kind: 'voice', source: { id: 'n2' } }]),
    channel,
  );
  assert.match(first.refusal ?? '', /can't listen to voice notes/);
  assert.deepEqual(fetched, []);
  stt.failNext(401);
  const second = await preparer().prepare(await stored([{ kind: 'voice', source: { id: 'n2' } }]), channel);
  assert.equal(second.attachments[0]?.status, 'failed');
  assert.match(second.refusal ?? '', /couldn't make out your voice note/);
});

test('a network failure is retried; a file the channel no longer has is not', async () => {
  let calls = 0;
  const flaky = {
    name: 'telegram',
    async fetchMedia() {
      calls++;
      if (calls < 2) throw new MediaFetchError('connection reset');
      return {
        body: (async function* () {
          yield receiptJpeg();
        })(),
      };
    },
  } as unknown as Channel;
  const ok = await preparer().prepare(await stored([{ kind: 'image', source: { id: 'x' } }]), flaky);
  assert.equal(ok.attachments[0]?.status, 'ready');
  assert.equal(calls, 2);
  const { channel, fetched } = channelWith({ gone: new MediaFetchError('expired', true) });
  const gone = await preparer().prepare(
    await stored([{ kind: 'image', source: { id: 'gone' } }], 'see?'),
    channel,
  );
  assert.equal(gone.attachments[0]?.status, 'failed');
  assert.equal(gone.refusal, undefined, 'the caption still goes to Claude');
  assert.deepEqual(fetched, ['gone']);
});

test('a resumed turn keeps the files it already has and fetches only the pending ones', async () => {
  const message = await stored([{ kind: 'image', source: { id: 'r1' } }]);
  const { channel, fetched } = channelWith({ r1: receiptJpeg() });
  const first = await preparer().prepare(message, channel);
  const again = await preparer().prepare({ ...message, attachments: first.attachments }, channel);
  assert.deepEqual(again.attachments, first.attachments);
  assert.deepEqual(fetched, ['r1']);
});

test('retention deletes old files, marks them expired and drops their previews', async () => {
  const message = await stored([{ kind: 'image', source: { id: 'old' } }]);
  const { channel } = channelWith({ old: receiptJpeg() });
  const [photo] = (await preparer().prepare(message, channel)).attachments;
  const path = join(dir, 'media', photo!.file!);
  const longAgo = new Date(Date.now() - 40 * 86_400_000);
  utimesSync(path, longAgo, longAgo);
  // No media_retention_days setting: the default 30 days.
  const settings = new Settings(datastore.db, silentLogger);
  const retention = new MediaRetention({ db: datastore.db, files, log: silentLogger, settings });
  const removed = await retention.sweep();
  assert.ok(removed >= 1);
  assert.equal(await files.exists(photo!.file!), false);
  const [after] = await row(message.id);
  assert.equal(after?.status, 'expired');
  assert.equal(after?.file, undefined);
  const [previews] = await datastore.db
    .query<[unknown[]]>('SELECT * FROM media_preview WHERE message = $id', { id: message.id })
    .collect();
  assert.deepEqual(previews, []);
  // Younger files stay.
  assert.ok(readdirSync(join(dir, 'media')).some((name) => !name.startsWith('.')));
});

test('a file is never kept at the cost of the disk reserve: past the spare room it is refused, and said why', async () => {
  const spareFor = (bytes: number) =>
    new MediaPreparer({ db: datastore.db, files, log: silentLogger, spareBytes: () => bytes });
  const photo = receiptJpeg();
  const { channel, fetched } = channelWith({ sized: photo, unsized: photo, fits: photo });
  const before = readdirSync(join(dir, 'media')).length;

  // Declared larger than what is spare: not even downloaded.
  const sized = await stored([{ kind: 'image', size: photo.length, source: { id: 'sized' } }]);
  const first = await spareFor(photo.length - 1).prepare(sized, channel);
  assert.deepEqual(fetched, []);
  assert.equal(first.attachments[0]?.status, 'failed');
  assert.equal(first.attachments[0]?.reason, 'no_disk_room');
  assert.match(first.refusal ?? '', /short of disk space.*send it again later/);

  // No size declared: cut off while it streams, the partial file removed.
  const unsized = await stored([{ kind: 'image', source: { id: 'unsized' } }], 'and this?');
  const second = await spareFor(1024).prepare(unsized, channel);
  assert.equal(second.attachments[0]?.reason, 'no_disk_room');
  assert.equal(second.refusal, undefined, 'the text is still answered');
  assert.deepEqual(readdirSync(join(dir, 'media', '.incoming')), []);
  assert.equal(readdirSync(join(dir, 'media')).length, before, 'nothing kept');
  assert.deepEqual(await row(unsized.id), second.attachments);

  // Nothing spare at all (the disk guard is refusing new messages): nothing is fetched.
  const none = await spareFor(0).prepare(await stored([{ kind: 'image', source: { id: 'fits' } }]), channel);
  assert.equal(none.attachments[0]?.reason, 'no_disk_room');
  assert.deepEqual(fetched, ['unsized']);

  // Room enough: kept as usual.
  const fits = await spareFor(photo.length).prepare(
    await stored([{ kind: 'image', size: photo.length, source: { id: 'fits' } }]),
    channel,
  );
  assert.equal(fits.attachments[0]?.status, 'ready');
});
