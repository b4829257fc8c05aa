// MONO's side of Baileys (the adapter in baileys-socket.ts and the parser in messages.ts), with the real library
// underneath and no WhatsApp server: a received photo's keys as Baileys' own protobuf carries them become a
// stored source that MONO later fetches and decrypts (the file encrypted here with WhatsApp's media scheme,
// written independently with node:crypto); keys left by an earlier run make the adapter report a linked
// account; and a server that hangs up reaches the channel as a close with the code its reconnect logic reads.
import assert from 'node:assert/strict';
import { createCipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { WebSocketServer } from 'ws';
import {
  baileysMediaDownloader,
  baileysSocketFactory,
} from '../../../agent-core/channels/whatsapp/linked/baileys-socket.ts';
import { parseLinkedMessage } from '../../../agent-core/channels/whatsapp/linked/messages.ts';
import {
  type ConnectionUpdate,
  DISCONNECT,
  disconnectCode,
} from '../../../agent-core/channels/whatsapp/linked/socket.ts';
import { silentLogger } from '../../../agent-core/log/logger.ts';
import { receiptJpeg } from '../../helpers/media-samples.ts';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'mono-baileys-'));
  dirs.push(dir);
  return dir;
};
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** MONO's downloader, with the test server's host allowed beside WhatsApp's own. */
const download = baileysMediaDownloader(/^(127\.0\.0\.1|[\w.-]*whatsapp\.net)$/);

async function collect(body: Promise<AsyncIterable<Uint8Array>>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await body) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** WhatsApp's media encryption: HKDF-SHA256 of the media key, AES-256-CBC, a 10-byte HMAC-SHA256 tail. */
function encryptMedia(plain: Buffer, mediaKey: Buffer, kind: 'Image' | 'Audio' | 'Document') {
  const expanded = Buffer.from(hkdfSync('sha256', mediaKey, Buffer.alloc(0), `WhatsApp ${kind} Keys`, 112));
  const iv = expanded.subarray(0, 16);
  const cipherKey = expanded.subarray(16, 48);
  const macKey = expanded.subarray(48, 80);
  const cipher = createCipheriv('aes-256-cbc', cipherKey, iv);
  const encrypted = Buffer.concat([cipher.update(plain), cipher.final()]);
  const mac = createHmac('sha256', macKey)
    .update(Buffer.concat([iv, encrypted]))
    .digest()
    .subarray(0, 10);
  return Buffer.concat([encrypted, mac]);
}

test("a received photo: Baileys' protobuf → the stored source → MONO's download decrypts the original bytes", async () => {
  const { proto } = await import('baileys');
  const photo = receiptJpeg();
  const mediaKey = randomBytes(32);
  const encrypted = encryptMedia(photo, mediaKey, 'Image');
  const server = createServer((req, res) => {
    if (req.url !== '/v/t62.7118-24/photo.enc') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-length': encrypted.length }).end(encrypted);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v/t62.7118-24/photo.enc`;
  try {
    // The message as Baileys decodes it off the wire (bytes as Uint8Array, the size as a protobuf Long).
    const message = proto.Message.fromObject({
      imageMessage: {
        url,
        mimetype: 'image/jpeg',
        caption: 'the receipt',
        mediaKey,
        fileLength: photo.length,
      },
    });
    const parsed = parseLinkedMessage({
      key: { id: 'ABC123', remoteJid: '4915112345678@s.whatsapp.net', fromMe: false },
      message: message as unknown as Record<string, unknown>,
      messageTimestamp: 1_700_000_000,
    });
    assert.ok(typeof parsed !== 'string', String(parsed));
    assert.equal(parsed.text, 'the receipt');
    const [attachment] = parsed.attachments ?? [];
    assert.equal(attachment?.kind, 'image');
    assert.equal(attachment?.size, photo.length);
    // Stored as JSON in the datastore and read back at the next start: nothing but strings survives.
    const source = JSON.parse(JSON.stringify(attachment!.source)) as Record<string, string>;
    assert.deepEqual(await collect(download(source, {})), photo);

    // A wrong key never yields the photo: the download fails (bad padding) or brings other bytes.
    const wrong = { ...source, media_key: randomBytes(32).toString('base64') };
    const outcome = await collect(download(wrong, {})).catch((error: unknown) => error);
    assert.ok(!(Buffer.isBuffer(outcome) && outcome.equals(photo)));
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

test('a message pointing its media at another host is never fetched from there', async () => {
  const production = baileysMediaDownloader();
  const key = randomBytes(32).toString('base64');
  for (const url of [
    'http://127.0.0.1:7420/healthz',
    'https://attacker.example/x.enc',
    'https://whatsapp.net.evil.example/x',
  ]) {
    await assert.rejects(
      production({ media_type: 'image', media_key: key, url }, {}),
      /not a WhatsApp media address/,
    );
  }
  await assert.rejects(
    production({ media_type: 'image', media_key: key, direct_path: '@evil.example/x' }, {}),
    /not a WhatsApp media path/,
  );
});

test('a file WhatsApp no longer serves reaches the channel as a 404 it can tell apart', async () => {
  const server = createServer((_req, res) => res.writeHead(404).end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/gone.enc`;
  try {
    const error = await download(
      { media_type: 'document', media_key: randomBytes(32).toString('base64'), url },
      {},
    ).then(
      () => undefined,
      (failure: unknown) => failure,
    );
    assert.equal(disconnectCode(error), 404);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

test('keys an earlier run left in the auth dir make the adapter report a linked account', async () => {
  const { initAuthCreds, BufferJSON } = await import('baileys');
  const { writeFileSync } = await import('node:fs');
  const dir = tempDir();
  const creds = {
    ...initAuthCreds(),
    registered: true,
    me: { id: '4915112345678:7@s.whatsapp.net', lid: '1234@lid' },
  };
  writeFileSync(join(dir, 'creds.json'), JSON.stringify(creds, BufferJSON.replacer));
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => server.once('listening', resolve));
  server.on('connection', (socket) => socket.close());
  try {
    const socket = await baileysSocketFactory({
      authDir: dir,
      log: silentLogger,
      webSocketUrl: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws/chat`,
    });
    assert.equal(socket.registered, true);
    assert.equal(socket.userId, '4915112345678:7@s.whatsapp.net');
    assert.equal(socket.userLid, '1234@lid');
    socket.end();
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

test('a server that hangs up: the adapter reports a close with the code the reconnect logic reads', {
  timeout: 30_000,
}, async () => {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => server.once('listening', resolve));
  // Accept the WebSocket, then hang up: what a dropped connection looks like to Baileys.
  server.on('connection', (socket) => setTimeout(() => socket.close(), 50));
  try {
    const socket = await baileysSocketFactory({
      authDir: tempDir(),
      log: silentLogger,
      webSocketUrl: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws/chat`,
    });
    let frames = 0;
    socket.onFrame(() => frames++);
    const update = await new Promise<ConnectionUpdate>((resolve) =>
      socket.onConnection((u) => {
        if (u.connection === 'close') resolve(u);
      }),
    );
    // Not a logout (which would wipe the keys) and not "restart required": a plain drop, retried with backoff.
    const code = disconnectCode(update.lastDisconnect?.error);
    assert.equal(code, DISCONNECT.connectionClosed);
    assert.equal(socket.registered, false);
    assert.equal(socket.userId, undefined);
    socket.end();
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});
