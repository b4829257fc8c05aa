// The bridge under hostile input: 10,000 malformed HTTP requests (bad request-targets, broken request lines and
// headers, bad upgrades) and 10,000 malformed WebSocket frames (before and after admission: bad opcodes, reserved
// bits, unmasked or oversized frames, invalid UTF-8, garbage JSON, wrong methods and inputs), while a real UI
// session in Chromium keeps working. Nothing may throw out of a listener (this process is the bridge), and the
// page must keep loading screens and showing live messages throughout.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { METHOD_NAMES } from '../../src-main/ipc/contract.ts';
import { type Fixture, startFixture } from './fixture-backend.ts';
import { ensureRendererBuilt, launchChromium } from './harness.ts';

const INPUTS = 10_000;
// Enough at once to overlap requests and frames; few enough to leave the machine's two cores to the other tests.
const PARALLEL = 8;
const SEED = Number(process.env.MONO_FUZZ_SEED ?? Date.now() % 2 ** 31);

let fixture: Fixture;
let browser: Browser;
let page: Page;
const escaped: unknown[] = [];
const onEscape = (error: unknown) => escaped.push(error);

before(async () => {
  process.on('uncaughtException', onEscape);
  process.on('unhandledRejection', onEscape);
  ensureRendererBuilt();
  fixture = await startFixture({ threadSize: 200 });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(fixture.bridge.openUrl);
  await page.getByTestId('conversation-item').first().waitFor();
});
after(async () => {
  process.off('uncaughtException', onEscape);
  process.off('unhandledRejection', onEscape);
  await browser?.close();
  await fixture?.close();
});

/** mulberry32: a small seeded generator, so a failing run can be replayed with MONO_FUZZ_SEED. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T,
    bytes: (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(next() * 256))),
  };
}
const r = rng(SEED);

const TARGETS = [
  '/%',
  '//',
  '/%zz',
  '/%%',
  '/%c0%af',
  'http://evil.example/',
  '//evil.example/ipc',
  '*',
  '',
  'ipc',
  '/\u0000',
  '/ipc\r\nX: y',
  `/${'a'.repeat(70_000)}`,
  '/..%2f..%2fetc%2fpasswd',
  '/%E0%A4%A',
  '/ipc?%',
];

/** One malformed HTTP request as raw bytes (the bridge must answer 4xx or close, never throw). */
function badHttp(port: number): Buffer {
  const host = `127.0.0.1:${port}`;
  const upgrade = `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: http://${host}\r\n`;
  switch (r.int(9)) {
    case 0:
      return Buffer.from(`GET ${r.pick(TARGETS)} HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    case 1:
      return Buffer.from(`GET ${r.pick(TARGETS)} HTTP/1.1\r\nHost: ${host}\r\n${upgrade}\r\n`);
    case 2:
      return r.bytes(1 + r.int(2000));
    case 3:
      return Buffer.from(
        `${r.pick(['GET', 'POST', 'PUT', 'DELETE', 'G\u0000T', 'BREW'])} / HTTP/${r.pick(['1.1', '0.9', '9.9', 'x'])}\r\nHost: ${r.pick([host, 'evil.example', '', host + host])}\r\n\r\n`,
      );
    case 4:
      return Buffer.from(`GET / HTTP/1.1\r\nHost: ${host}\r\nX-Long: ${'x'.repeat(r.int(40_000))}\r\n\r\n`);
    case 5:
      return Buffer.from(
        `GET /ipc HTTP/1.1\r\nHost: ${host}\r\n${upgrade.replace('13', r.pick(['8', '', 'x']))}\r\n`,
      );
    case 6:
      return Buffer.from(
        `GET /ipc HTTP/1.1\r\nHost: ${host}\r\n${upgrade.replace(/Sec-WebSocket-Key: .*\r\n/, r.pick(['', 'Sec-WebSocket-Key: short\r\n']))}\r\n`,
      );
    case 7:
      return Buffer.from(
        `POST / HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked\r\n\r\n${r.pick(['zz', 'ffffffffffffffff', '5\r\nab'])}\r\n`,
      );
    default:
      return Buffer.from(
        `GET /ipc HTTP/1.1\r\nHost: ${host}\r\n${upgrade.replace(`Origin: http://${host}`, `Origin: ${r.pick(['http://evil.example', 'null', ''])}`)}\r\n`,
      );
  }
}

function send(port: number, bytes: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(bytes));
    socket.setTimeout(3_000, () => socket.destroy());
    socket.on('data', () => {});
    socket.on('error', () => resolve());
    socket.on('close', () => resolve());
  });
}

/** A client frame: FIN/RSV/opcode byte, mask bit and length, optional mask key, payload (masked or not). */
function frame(opts: {
  opcode: number;
  payload: Buffer;
  fin?: boolean;
  rsv?: number;
  masked?: boolean;
  lie?: bigint;
}): Buffer {
  const { payload } = opts;
  const head = [((opts.fin ?? true) ? 0x80 : 0) | ((opts.rsv ?? 0) << 4) | opts.opcode];
  const length = opts.lie ?? BigInt(payload.length);
  const mask = opts.masked === false ? 0 : 0x80;
  const ext: number[] = [];
  if (length < 126n) head.push(mask | Number(length));
  else if (length < 65536n) {
    head.push(mask | 126);
    ext.push(Number(length >> 8n) & 255, Number(length) & 255);
  } else {
    head.push(mask | 127);
    for (let i = 7; i >= 0; i--) ext.push(Number((length >> BigInt(i * 8)) & 255n));
  }
  const key = r.bytes(4);
  const body = mask ? Buffer.from(payload.map((b, i) => b ^ (key[i % 4] as number))) : payload;
  return Buffer.concat([Buffer.from(head), Buffer.from(ext), mask ? key : Buffer.alloc(0), body]);
}

const text = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));

/** One malformed or hostile frame (some are well-formed frames with hostile content). */
function badFrame(): Buffer {
  switch (r.int(12)) {
    case 0:
      return frame({ opcode: r.pick([3, 4, 5, 6, 7, 11, 12, 15]), payload: r.bytes(r.int(40)) });
    case 1:
      return frame({ opcode: 1, payload: text('{}'), rsv: 1 + r.int(7) });
    case 2:
      return frame({ opcode: 1, payload: text('{"id":1}'), masked: false });
    case 3:
      return frame({ opcode: 2, payload: Buffer.alloc(0), lie: 2n ** 62n });
    case 4:
      return frame({ opcode: 1, payload: Buffer.from([0xc3, 0x28, 0xff, 0xfe]) });
    case 5:
      return frame({ opcode: 9, payload: r.bytes(200) }); // a control frame over 125 bytes
    case 6:
      return frame({ opcode: 8, payload: Buffer.from([0x03, 0xe7]), fin: r.int(2) === 0 });
    case 7:
      return frame({ opcode: 1, payload: r.bytes(r.int(500)) });
    case 8:
      return frame({
        opcode: 1,
        payload: text({
          id: r.pick([1, -1, 1e308, 'x', null]),
          method: r.pick([...METHOD_NAMES, '__proto__', 'constructor', 'toString', '']),
          input: r.pick([
            null,
            1,
            'x',
            [],
            { days: -1 },
            { conversation: 'conversation:\u0000' },
            { __proto__: { polluted: true } },
          ]),
        }),
      });
    case 9:
      return frame({
        opcode: 1,
        payload: text(`{"id":${r.int(9)},"method":"usage.list","input":{"days":${'['.repeat(r.int(5000))}`),
      });
    case 10:
      return frame({ opcode: 0, payload: r.bytes(10) }); // a continuation with nothing to continue
    default:
      return frame({ opcode: 1, payload: text({ auth: r.bytes(20).toString('base64url') }) });
  }
}

/** Opens a raw WebSocket (optionally admitted with the key), sends one bad frame, waits for the socket to end. */
function wsRound(port: number, key: string | undefined): Promise<void> {
  return new Promise((resolve) => {
    const socket: Socket = connect(port, '127.0.0.1', () => {
      socket.write(
        `GET /ipc HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nOrigin: http://127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${r.bytes(16).toString('base64')}\r\n\r\n`,
      );
    });
    let buffered = Buffer.alloc(0);
    let stage: 'handshake' | 'challenge' | 'ready' | 'sent' = 'handshake';
    const fire = () => {
      stage = 'sent';
      socket.write(badFrame());
      setTimeout(() => socket.end(), 20);
    };
    socket.setTimeout(3_000, () => socket.destroy());
    socket.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (stage === 'handshake') {
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        buffered = buffered.subarray(end + 4);
        stage = 'challenge';
      }
      if (stage === 'challenge' && buffered.length >= 2) {
        const length = (buffered[1] as number) & 0x7f;
        if (buffered.length < 2 + length) return;
        const { challenge } = JSON.parse(buffered.subarray(2, 2 + length).toString());
        buffered = Buffer.alloc(0);
        if (!key) return fire();
        const auth = createHmac('sha256', key).update(`mono-bridge-v1:${challenge}`).digest('base64url');
        socket.write(frame({ opcode: 1, payload: text({ auth }) }));
        stage = 'ready';
        return;
      }
      if (stage === 'ready' && buffered.toString().includes('"ready":true')) fire();
    });
    socket.on('error', () => resolve());
    socket.on('close', () => resolve());
  });
}

async function pool(count: number, work: () => Promise<void>): Promise<void> {
  let started = 0;
  await Promise.all(
    Array.from({ length: PARALLEL }, async () => {
      while (started < count) {
        started += 1;
        await work();
      }
    }),
  );
}

/** The real session: move between screens and see a live message arrive, again and again, until told to stop. */
async function useTheApp(stop: () => boolean): Promise<number> {
  let rounds = 0;
  while (!stop() || rounds === 0) {
    await page.getByRole('link', { name: /Usage/ }).click();
    await page.getByRole('img', { name: 'Cost per day' }).waitFor({ timeout: 15_000 });
    await page.getByRole('link', { name: /Conversations/ }).click();
    await page.getByTestId('conversation-item').first().click();
    const at = new Date().toISOString();
    fixture.pushMessage({
      id: `message:fuzz${rounds}`,
      conversation: fixture.conversations[0]!.id,
      channel: 'telegram',
      direction: 'in',
      role: 'user',
      text: `Still here ${rounds}`,
      status: 'received',
      created_at: at,
      updated_at: at,
    });
    await page
      .getByTestId('thread')
      .getByText(`Still here ${rounds}`, { exact: true })
      .waitFor({ timeout: 15_000 });
    rounds += 1;
  }
  return rounds;
}

test(`the bridge survives ${INPUTS} malformed HTTP requests and ${INPUTS} malformed frames while the UI keeps working`, {
  timeout: 600_000,
}, async () => {
  const { port } = fixture.bridge;
  const key = fixture.bridge.openUrl.split('#key=')[1] as string;
  const rssBefore = process.memoryUsage().rss;
  let done = false;
  const session = useTheApp(() => done);
  const started = Date.now();
  await pool(INPUTS, () => send(port, badHttp(port)));
  const httpMs = Date.now() - started;
  let rounds = 0;
  await pool(INPUTS, () => wsRound(port, rounds++ % 2 === 0 ? key : undefined));
  done = true;
  const uiRounds = await session;
  const rssAfter = process.memoryUsage().rss;
  console.log(
    `fuzz seed ${SEED}: ${INPUTS} HTTP in ${httpMs} ms, ${INPUTS} frames (half admitted) in ${Date.now() - started - httpMs} ms; ` +
      `${uiRounds} UI rounds; RSS ${Math.round(rssBefore / 1048576)} → ${Math.round(rssAfter / 1048576)} MB`,
  );
  assert.deepEqual(escaped, [], 'nothing escaped a listener');
  assert.ok(uiRounds >= 2, 'the page kept working during the fuzz');
  // The real page is still admitted and its requests still answered.
  await page.getByRole('link', { name: /Usage/ }).click();
  await page.getByRole('img', { name: 'Cost per day' }).waitFor();
  assert.equal(fixture.bridge.clients(), 1, 'only the real page is admitted; every fuzz socket is gone');
});
