// The linked-device channel up to the library's socket (a fake Baileys socket; WhatsApp's servers are out of
// reach): QR and pairing code in the datastore, messages in and out, logout and silent drops caught by the
// watchdog with the owner told on another channel, reconnects with backoff, keys kept in the data dir.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { InboundMessage } from '../../../agent-core/channels/channel.ts';
import { WhatsAppLinkedChannel } from '../../../agent-core/channels/whatsapp/linked/linked-channel.ts';
import { parseLinkedMessage } from '../../../agent-core/channels/whatsapp/linked/messages.ts';
import type { MediaDownloader } from '../../../agent-core/channels/whatsapp/linked/socket.ts';
import { openDatastore } from '../../../agent-core/db/datastore.ts';
import type { Datastore } from '../../../agent-core/db/datastore-types.ts';
import { applySchema } from '../../../agent-core/db/schema.ts';
import { silentLogger } from '../../../agent-core/log/logger.ts';
import type { MessageRecord } from '../../../agent-core/store/messages.ts';
import { fakeSocketFactory } from '../../fakes/whatsapp-linked-socket.ts';

const until = async (check: () => boolean | Promise<boolean>, what: string, ms = 5000) => {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`still not true after ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

describe('whatsapp linked device', { timeout: 30_000 }, () => {
  let ds: Datastore;
  const dirs: string[] = [];
  const link = async () =>
    (
      await ds.db.query('SELECT * OMIT id FROM whatsapp_link:current').collect<[Record<string, unknown>[]]>()
    )[0][0];

  before(async () => {
    ds = await openDatastore({ url: 'mem://', log: silentLogger });
    await applySchema(ds.db, silentLogger);
  });
  after(async () => {
    await ds?.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    // After DEFINE INDEX the embedded engine keeps the process alive (a SurrealDB engine trait): end it once results are out.
    setTimeout(() => process.exit(process.exitCode ?? 0), 300).unref();
  });

  const setup = (
    options: {
      pairingPhone?: string;
      silentMs?: number;
      alertAfterMs?: number;
      downloadMedia?: MediaDownloader;
    } = {},
  ) => {
    const dir = mkdtempSync(join(tmpdir(), 'mono-wa-auth-'));
    dirs.push(dir);
    const authDir = join(dir, 'whatsapp-auth');
    const { factory, sockets } = fakeSocketFactory();
    const delivered: { message: MessageRecord; chatId: string }[] = [];
    const received: InboundMessage[] = [];
    const ownNumbers: string[] = [];
    const channel = new WhatsAppLinkedChannel(
      {
        authDir,
        allow: { everyone: false, ids: new Set(['4915199999999']) },
        onOwnNumber: (number) => ownNumbers.push(number),
        createSocket: factory,
        watchdogMs: 20,
        backoffMs: 10,
        ...options,
      },
      silentLogger,
    );
    channel.attach({
      db: ds.db,
      deliver: (message, chatId) => delivered.push({ message, chatId }),
      stateChanged: () => {},
      mayUseClaude: async () => true,
      owner: (except) => (except === 'telegram' ? undefined : { channel: 'telegram', chatId: '1001' }),
    });
    return {
      channel,
      sockets,
      delivered,
      received,
      ownNumbers,
      authDir,
      receive: async (m: InboundMessage) => void received.push(m),
    };
  };

  test('the QR goes to the datastore for the desktop; once linked, the row says connected', async () => {
    const t = setup();
    await t.channel.start(t.receive);
    assert.equal(t.channel.state().state, 'connecting');
    t.sockets[0]!.qr('2@first-qr');
    await until(async () => (await link())?.qr === '2@first-qr', 'qr stored');
    assert.equal((await link())!.state, 'qr');
    assert.match(t.channel.state().detail!, /Linked devices/);
    assert.equal((statSync(t.authDir).mode & 0o777).toString(8), '700', 'the keys are private');
    t.sockets[0]!.open();
    await until(async () => (await link())?.state === 'connected', 'connected');
    assert.equal((await link())!.qr, undefined, 'the QR is gone once linked');
    assert.equal((await link())!.account, '4915112345678:12@s.whatsapp.net');
    assert.equal(t.channel.state().state, 'connected');
    await t.channel.stop();
  });

  test('a photo arrives with its media keys; the file is fetched later through the downloader, once', async () => {
    const asked: Record<string, unknown>[] = [];
    const t = setup({
      downloadMedia: async (source) => {
        asked.push(source);
        return (async function* () {
          yield Buffer.from('jpeg bytes');
        })();
      },
    });
    await t.channel.start(t.receive);
    const socket = t.sockets[0]!;
    socket.open();
    socket.deliver([
      {
        key: { id: 'IMG1', remoteJid: '4915199999999@s.whatsapp.net', fromMe: false },
        pushName: 'Anna',
        message: {
          imageMessage: {
            url: 'https://mmg.whatsapp.net/v/t62/abc.enc',
            directPath: '/v/t62/abc.enc',
            mediaKey: new Uint8Array(32).fill(7),
            mimetype: 'image/jpeg',
            caption: 'our receipt',
            fileLength: 10,
          },
        },
      },
    ]);
    await until(() => t.received.length === 1, 'received');
    const [photo] = t.received;
    assert.equal(photo!.text, 'our receipt');
    assert.deepEqual(photo!.attachments, [
      {
        kind: 'image',
        source: {
          media_type: 'image',
          media_key: Buffer.alloc(32, 7).toString('base64'),
          direct_path: '/v/t62/abc.enc',
          url: 'https://mmg.whatsapp.net/v/t62/abc.enc',
        },
        declared_mime: 'image/jpeg',
        size: 10,
      },
    ]);
    assert.deepEqual(asked, [], 'nothing is downloaded while receiving');
    const fetched = await t.channel.fetchMedia(photo!.attachments![0]!.source, { maxBytes: 100 });
    const chunks: Buffer[] = [];
    for await (const chunk of fetched.body) chunks.push(Buffer.from(chunk));
    assert.equal(Buffer.concat(chunks).toString(), 'jpeg bytes');
    assert.equal(asked.length, 1);
    await t.channel.stop();
  });

  test('with a phone number a pairing code is requested and stored', async () => {
    const t = setup({ pairingPhone: '4915112345678' });
    await t.channel.start(t.receive);
    t.sockets[0]!.qr();
    await until(async () => (await link())?.pairing_code === 'ABCD1234', 'pairing code stored');
    assert.deepEqual(t.sockets[0]!.pairingRequests, ['4915112345678']);
    assert.equal((await link())!.state, 'pairing_code');
    t.sockets[0]!.qr(); // the next QR does not ask for another code
    assert.equal(t.sockets[0]!.pairingRequests.length, 1);
    await t.channel.stop();
  });

  test('private texts are received and marked read; groups, own messages and reactions are not; replies go out', async () => {
    const t = setup();
    await t.channel.start(t.receive);
    const socket = t.sockets[0]!;
    socket.open();
    const message = socket.text('4915199999999', 'Hallo 👋');
    socket.deliver([
      { key: { id: 'G1', remoteJid: '1203630@g.us', fromMe: false }, message: { conversation: 'group' } },
      {
        key: { id: 'O1', remoteJid: '4915199999999@s.whatsapp.net', fromMe: true },
        message: { conversation: 'mine' },
      },
      {
        key: { id: 'R1', remoteJid: '4915199999999@s.whatsapp.net' },
        message: { reactionMessage: { text: '👍' } },
      },
    ]);
    socket.deliver(
      [
        {
          key: { id: 'H1', remoteJid: '4915199999999@s.whatsapp.net' },
          message: { conversation: 'history' },
        },
      ],
      'append',
    );
    await until(() => socket.reads.length === 1, 'read receipt');
    assert.equal(t.received.length, 1);
    assert.equal(t.received[0]!.text, 'Hallo 👋');
    assert.equal(t.received[0]!.userId, '4915199999999');
    assert.equal(t.received[0]!.chatId, '4915199999999@s.whatsapp.net');
    assert.deepEqual(socket.reads[0], message.key);
    const id = await t.channel.send('4915199999999@s.whatsapp.net', 'Hi Anna');
    assert.deepEqual(socket.sent[0], { jid: '4915199999999@s.whatsapp.net', text: 'Hi Anna', id });
    // Owner notices use the bare number (as in the allowlist).
    await t.channel.send('4915199999999', 'to the number');
    assert.equal(socket.sent.at(-1)!.jid, '4915199999999@s.whatsapp.net');
    await t.channel.typing('4915199999999@s.whatsapp.net');
    assert.deepEqual(socket.typings, ['4915199999999@s.whatsapp.net']);
    await t.channel.stop();
  });

  test("strangers are never answered on a personal number; the owner's self chat is theirs, echoes are not", async () => {
    const t = setup();
    await t.channel.start(t.receive);
    const socket = t.sockets[0]!;
    socket.open('4915112345678:12@s.whatsapp.net');
    assert.deepEqual(t.ownNumbers, ['4915112345678']);
    socket.text('4477009000000', 'who is this?');
    const own = socket.text('4915112345678', 'remind me to call mum', {
      key: { id: 'SELF1', remoteJid: '4915112345678@s.whatsapp.net', fromMe: true },
    });
    await until(() => t.received.length === 1, 'self chat received');
    assert.equal(t.received[0]!.text, 'remind me to call mum');
    assert.equal(t.received[0]!.userId, '4915112345678');
    assert.deepEqual(socket.reads, [own.key]);
    const id = await t.channel.send('4915112345678@s.whatsapp.net', 'Sure, at 6?');
    socket.deliver([
      {
        key: { id, remoteJid: '4915112345678@s.whatsapp.net', fromMe: true },
        message: { conversation: 'Sure, at 6?' },
      },
    ]);
    socket.deliver([
      {
        key: { id: 'X9', remoteJid: '4915199999999@s.whatsapp.net', fromMe: true },
        message: { conversation: 'owner to a friend' },
      },
    ]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(t.received.length, 1, 'no stranger, no echo, no message of the owner to a friend');
    await t.channel.stop();
  });

  test('logged out: the keys are dropped, the owner is told on another channel once, a new QR follows', async () => {
    const t = setup();
    await t.channel.start(t.receive);
    t.sockets[0]!.open();
    writeFileSync(join(t.authDir, 'creds.json'), '{}');
    t.sockets[0]!.close(401);
    await until(() => t.delivered.length === 1, 'owner told');
    assert.equal(t.delivered[0]!.chatId, '1001');
    assert.equal(t.delivered[0]!.message.channel, 'telegram');
    assert.match(t.delivered[0]!.message.text, /logged this device out/);
    assert.equal(t.channel.state().state, 'error');
    assert.deepEqual(readdirSync(t.authDir), [], 'old keys removed');
    await until(() => t.sockets.length === 2, 'reconnected');
    t.sockets[1]!.qr('2@second');
    await until(async () => (await link())?.qr === '2@second', 'new qr');
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(t.delivered.length, 1, 'told once');
    await t.channel.stop();
  });

  test('a socket that stays open but silent is replaced; a long outage is told once', async () => {
    const t = setup({ silentMs: 400, alertAfterMs: 600 });
    await t.channel.start(t.receive);
    t.sockets[0]!.open();
    const keepAlive = setInterval(() => t.sockets.at(-1)!.frame(), 20);
    await new Promise((resolve) => setTimeout(resolve, 800));
    assert.equal(t.sockets.length, 1, 'frames keep it alive');
    clearInterval(keepAlive);
    await until(() => t.sockets.length === 2, 'silent socket replaced');
    assert.match(String(t.sockets[0]!.ended), /no traffic/);
    // The new socket never opens: after alertAfterMs the owner hears about it, once.
    await until(() => t.delivered.length === 1, 'owner told about the outage', 3000);
    assert.match(t.delivered[0]!.message.text, /WhatsApp link has been down/);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(t.delivered.length, 1);
    t.sockets.at(-1)!.open();
    assert.equal(t.channel.state().state, 'connected');
    await t.channel.stop();
  });

  test('restart required after pairing reconnects at once; other drops back off', async () => {
    const t = setup();
    await t.channel.start(t.receive);
    t.sockets[0]!.close(515);
    await until(() => t.sockets.length === 2, 'immediate reconnect');
    await assert.rejects(t.channel.send('1@s.whatsapp.net', 'x'), /not connected/);
    t.sockets[1]!.close(428);
    await until(() => t.sockets.length === 3, 'backoff reconnect');
    t.sockets[2]!.close(428);
    await until(() => t.sockets.length === 4, 'second backoff reconnect');
    assert.match(t.channel.state().detail!, /dropped \(428\)/);
    // While waiting for a scan, an expired QR (408) brings the next one without a growing pause.
    for (let i = 4; i < 9; i++) {
      t.sockets[i - 1]!.qr();
      t.sockets[i - 1]!.close(408);
      await until(() => t.sockets.length === i + 1, `quick reconnect ${i}`, 1000);
    }
    await t.channel.stop();
  });

  test('message shapes: LID chats use the phone number for the allowlist; media is described, not read', () => {
    const lid = parseLinkedMessage({
      key: { id: 'L1', remoteJid: '123456789012345@lid', remoteJidAlt: '4915112345678@s.whatsapp.net' },
      message: { ephemeralMessage: { message: { extendedTextMessage: { text: 'hidden' } } } },
    });
    assert.ok(typeof lid !== 'string');
    assert.equal(lid.userId, '4915112345678');
    assert.equal(lid.chatId, '123456789012345@lid');
    assert.equal(lid.text, 'hidden');
    const voice = parseLinkedMessage({
      key: { id: 'V1', remoteJid: '4915112345678@s.whatsapp.net' },
      message: { audioMessage: { ptt: true } },
    });
    assert.ok(typeof voice !== 'string');
    assert.deepEqual([voice.text, voice.readable], ['[voice message]', false]);
    const photo = parseLinkedMessage({
      key: { id: 'P1', remoteJid: '4915112345678@s.whatsapp.net' },
      message: { imageMessage: { caption: 'look' } },
    });
    assert.ok(typeof photo !== 'string');
    assert.equal(photo.text, '[image] look');
    assert.equal(existsSync('/nonexistent'), false);
  });
});
