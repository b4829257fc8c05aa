// The real Baileys behind the socket adapter, as far as a test can go without WhatsApp's servers: its keys
// persist in the auth dir across restarts, and a connection to a server that is not WhatsApp comes back as a
// close event with a Baileys disconnect code (the channel's reconnect path).
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { WebSocketServer } from 'ws';
import { baileysSocketFactory } from '../../../agent-core/channels/whatsapp/linked/baileys-socket.ts';
import {
  type ConnectionUpdate,
  disconnectCode,
} from '../../../agent-core/channels/whatsapp/linked/socket.ts';
import { silentLogger } from '../../../agent-core/log/logger.ts';

const dir = mkdtempSync(join(tmpdir(), 'mono-baileys-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('the keys Baileys creates are written to the auth dir and read back on the next start', {
  timeout: 30_000,
}, async () => {
  const { useMultiFileAuthState } = await import('baileys');
  const first = await useMultiFileAuthState(dir);
  await first.saveCreds();
  assert.ok(readdirSync(dir).includes('creds.json'));
  const second = await useMultiFileAuthState(dir);
  assert.equal(second.state.creds.registrationId, first.state.creds.registrationId);
  assert.deepEqual(second.state.creds.noiseKey.public, first.state.creds.noiseKey.public);
});

test('a server that is not WhatsApp: the adapter reports a close with a disconnect code', {
  timeout: 30_000,
}, async () => {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => server.once('listening', resolve));
  // Accept the WebSocket, then hang up: what a dropped connection looks like to Baileys.
  server.on('connection', (socket) => setTimeout(() => socket.close(), 50));
  const port = (server.address() as { port: number }).port;
  try {
    const socket = await baileysSocketFactory({
      authDir: dir,
      log: silentLogger,
      webSocketUrl: `ws://127.0.0.1:${port}/ws/chat`,
    });
    const update = await new Promise<ConnectionUpdate>((resolve) =>
      socket.onConnection((u) => {
        if (u.connection === 'close') resolve(u);
      }),
    );
    assert.equal(typeof disconnectCode(update.lastDisconnect?.error), 'number');
    assert.equal(socket.registered, false);
    socket.end();
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});
