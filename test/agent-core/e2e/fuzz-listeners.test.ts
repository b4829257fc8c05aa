// Every listener of the built agent under at least 10,000 hostile inputs each, while valid traffic flows: the
// HTTP server (targets, methods, headers, lengths, bodies, and the /telegram, /whatsapp and /hooks/* routes) and
// the db hub (frames before and after sign-in, upgrades). The agent must never exit, never answer 5xx, answer
// every valid message exactly once, and come back to within a few MB of the memory it started with. Seeded:
// MONO_FUZZ_SEED replays a run; MONO_FUZZ_INPUTS changes the count (at least 10,000 is what this proves).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CborCodec } from 'surrealdb';
import { WebSocket } from 'ws';
import { FakeAnthropic } from '../../fakes/anthropic-server.ts';
import { FakeTelegram } from '../../fakes/telegram-server.ts';
import {
  FAKE_WHATSAPP_APP_SECRET,
  FAKE_WHATSAPP_PHONE_ID,
  FAKE_WHATSAPP_TOKEN,
  FAKE_WHATSAPP_VERIFY_TOKEN,
  FakeWhatsAppGraph,
} from '../../fakes/whatsapp-graph-server.ts';
import { agentEnv } from '../../helpers/agent-env.ts';
import { AgentProcess, tempDataDir } from '../../helpers/agent-process.ts';
import { picker, prng } from '../../helpers/prng.ts';
import { eventually, oneChatBacklogMs } from '../../helpers/wait.ts';
import { RawRpcClient } from '../hub/raw-client.ts';
import { httpInputs } from './fuzz-http-inputs.ts';
import { hubFrames, upgradeRequests } from './fuzz-hub-inputs.ts';

const SEED = Number(process.env.MONO_FUZZ_SEED ?? 20261205);
const INPUTS = Number(process.env.MONO_FUZZ_INPUTS ?? 10_000);
/**
 * A bound for a slow machine: an idle one of 2 cores runs the HTTP listener's 10,000 inputs in ~7 s and the hub's
 * in 85–100 s (wrong passwords cost an argon2 hash each, 16 MiB frames a parse); beside the rest of the suite, twice that.
 */
const TIME_CAP_MS = 400_000;
const VALID_EVERY = 100;
/**
 * Memory, once warmed up: the JavaScript heap after a full collection must come back within a few MB of where it
 * started; resident memory must stop growing (the second half of the inputs adds at most the bound below), and
 * end within a bound of the start (what V8's young generation and malloc keep reserved after a peak).
 */
const HEAP_SLACK_MB = 4;
// Measured on this machine kind: +5 to +6 MB in the second half, +17 to +20 MB in all (+2.5 and +12.7 with the
// allocator settings the agent is started with). Where it ends is steady (137–138 MB in three runs), where it
// starts is not: a full suite run measured 103.1 → 135.4 → 138.4 MB (+35.3), runs alone 122.5 → 137.3 and
// 122.8 → 137.9 (the code before and after the change that run tested). The second half is what shows a leak.
const HTTP_RSS = { secondHalfMb: 12, totalMb: 40 };
/**
 * The hub's resident memory is mostly the embedded engine's (Rust) allocations, outside the JavaScript heap. With
 * glibc's defaults it grew in steps of tens of MB that never came back (first/second half +10/+21, −13/+38, +80/−3,
 * −9/+51 MB in four runs); with the allocator settings the agent is started with (two arenas, a fixed mmap
 * threshold) it measured +0.4/+6.9, +6.6/+2.4, +5.7/−5.7, +9.8/−7.2 and +15.6/+0.1 MB on this machine kind (the
 * last beside a soak and a VPS test), and +1.1/+15.0 in a full suite run: the engine's write buffer filling with
 * the valid traffic's writes can land in either half, so the second half's bound is 20 MB (the glibc runs above
 * exceed it three times in four, and all four exceed the 24 MB in all).
 */
const HUB_RSS = { secondHalfMb: 20, totalMb: 24 };
/** Inputs sent before the baseline: the first of each kind loads code and sizes caches once. */
const WARM_UP = 2_000;
const OWNER = 4602;
const TELEGRAM_SECRET = 'fuzz-listeners-webhook-secret';
const HUB = { user: 'mono_desktop', pass: 'fuzz-listeners-hub-password' };
const SIGNIN = [{ user: HUB.user, pass: HUB.pass, ns: 'mono', db: 'agent' }];

const GC_PROBE = fileURLToPath(new URL('../../helpers/gc-probe.mjs', import.meta.url));

interface Memory {
  /** Resident memory, MB. */
  rss: number;
  /** JavaScript heap in use right after a full collection, MB. */
  heap: number;
}

/** The agent's memory once it has been idle a moment, after a full garbage collection (see gc-probe.mjs). */
async function settledMemory(agent: AgentProcess): Promise<Memory> {
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const probes = () =>
    agent.stderr
      .join('')
      .split('\n')
      .filter((line) => line.startsWith('GCPROBE '));
  const seen = probes().length;
  process.kill(agent.pid!, 'SIGUSR2');
  await eventually(() => probes().length > seen, 'the memory probe answered', 5_000);
  await new Promise((resolve) => setTimeout(resolve, 500));
  const { heapUsed } = JSON.parse(probes().at(-1)!.slice('GCPROBE '.length)) as { heapUsed: number };
  const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${agent.pid}/status`, 'utf8'))?.[1]) / 1024;
  return { rss, heap: heapUsed / 1048576 };
}

const mb = (memory: Memory) => `RSS ${memory.rss.toFixed(1)} MB, heap ${memory.heap.toFixed(1)} MB`;

/**
 * Writes raw bytes to a port and resolves to the status code of the first answer line (0: closed without one).
 * The socket is dropped as soon as that line arrives, or after `waitMs` when the server waits for more.
 */
function exchange(port: number, bytes: Buffer | string, waitMs: number): Promise<number> {
  return new Promise((resolve) => {
    let answer = '';
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    const timer = setTimeout(() => socket.destroy(), waitMs);
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
      if (answer.includes('\r\n')) socket.destroy();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Number(/^HTTP\/1\.[01] (\d{3})/.exec(answer)?.[1] ?? 0));
    });
  });
}

/**
 * Runs `work` from `workers` loops at once until `total` inputs were used or `deadline` passed, in two halves with
 * the agent's memory read before, between and after them.
 */
async function drive(
  agent: AgentProcess,
  total: number,
  workers: number,
  work: (n: number) => Promise<number>,
): Promise<{ used: number; elapsed: number; memory: [Memory, Memory, Memory] }> {
  const deadline = Date.now() + TIME_CAP_MS;
  const start = await settledMemory(agent);
  let elapsed = 0;
  let used = 0;
  const half = async (until: number) => {
    const began = Date.now();
    await Promise.all(
      Array.from({ length: workers }, async () => {
        while (used < until && Date.now() < deadline) {
          const spent = await work(used);
          used += spent;
        }
      }),
    );
    elapsed += Date.now() - began;
  };
  await half(total / 2);
  const middle = await settledMemory(agent);
  await half(total);
  return { used, elapsed, memory: [start, middle, await settledMemory(agent)] };
}

/** Checks the memory figures of a run: see HEAP_SLACK_MB and the RSS bounds above. */
function assertMemory(
  [start, middle, end]: [Memory, Memory, Memory],
  rss: { secondHalfMb: number; totalMb: number },
): void {
  const figures = `${mb(start)} → ${mb(middle)} → ${mb(end)}`;
  assert.ok(end.heap - start.heap <= HEAP_SLACK_MB, `the heap came back: ${figures}`);
  assert.ok(end.rss - middle.rss <= rss.secondHalfMb, `resident memory stopped growing: ${figures}`);
  assert.ok(end.rss - start.rss <= rss.totalMb, `resident memory came back near the start: ${figures}`);
}

describe('every listener under hostile input (fuzz)', { timeout: 900_000 }, () => {
  const telegram = new FakeTelegram();
  const anthropic = new FakeAnthropic();
  const graph = new FakeWhatsAppGraph();
  const data = tempDataDir();
  let agent: AgentProcess;

  before(async () => {
    await telegram.start();
    await anthropic.start();
    await graph.start();
    agent = await new AgentProcess(
      agentEnv(
        data.dir,
        { telegram, anthropic },
        {
          MONO_LOG_LEVEL: 'info',
          NODE_OPTIONS: `--import=${GC_PROBE}`,
          MONO_ALLOW_TELEGRAM: String(OWNER),
          TELEGRAM_WEBHOOK_SECRET: TELEGRAM_SECRET,
          WHATSAPP_TOKEN: FAKE_WHATSAPP_TOKEN,
          WHATSAPP_PHONE_NUMBER_ID: FAKE_WHATSAPP_PHONE_ID,
          WHATSAPP_APP_SECRET: FAKE_WHATSAPP_APP_SECRET,
          WHATSAPP_VERIFY_TOKEN: FAKE_WHATSAPP_VERIFY_TOKEN,
          WHATSAPP_GRAPH_URL: graph.graphUrl,
          STRIPE_WEBHOOK_SECRET: 'whsec_fuzz_listeners',
          MONO_HOOK_SECRET_DEPLOYS: 'fuzz-listeners-deploy-secret-0123',
          MONO_HOOK_RATE_PER_MIN: '1000000',
          MONO_HUB_LISTEN: '127.0.0.1:0',
          MONO_DB_USER: HUB.user,
          MONO_DB_PASS: HUB.pass,
        },
      ),
    ).start();
    telegram.webhook = {
      url: `${agent.httpUrl}/telegram`,
      secret_token: TELEGRAM_SECRET,
      max_connections: 40,
    };
    graph.webhookUrl = `${agent.httpUrl}/whatsapp`;
  });

  after(async () => {
    await agent?.stop();
    await telegram.close();
    await anthropic.close();
    await graph.close();
    data.remove();
  });

  /** A valid owner message through the Telegram webhook, with a token its echoed answer carries. */
  let validSent = 0;
  const sendValid = async (): Promise<string> => {
    const token = `valid-${++validSent}-end`;
    const update = telegram.sendText({ chatId: OWNER, userId: OWNER, text: `hello ${token}` });
    // Like Telegram, deliver again when the connection was cut (a socket the server closed after a refusal).
    for (let attempt = 1; ; attempt++) {
      try {
        assert.equal(await telegram.deliverToWebhook(update), 200);
        return token;
      } catch (error) {
        if (attempt >= 3) throw error;
      }
    }
  };
  /** The agent's warnings and errors, for a failure message. */
  const problems = () =>
    [...agent.logs.filter((line) => line.level >= 40).map((line) => JSON.stringify(line)), ...agent.stderr]
      .join('\n')
      .slice(-4000);
  const sentToOwner = () => telegram.sent.filter((s) => String(s.chat_id) === String(OWNER)).length;

  /** Each valid message as stored: its status and the status of every reply recorded for it (through the hub). */
  const storedValid = async () => {
    const reader = new RawRpcClient(agent.hubAddress!);
    try {
      assert.equal((await reader.call('signin', SIGNIN)).error, undefined);
      const answer = await reader.call('query', [
        `SELECT text, status, (SELECT VALUE status FROM message WHERE reply_to = $parent.id) AS replies
         FROM message WHERE direction = 'in' AND string::contains(text, 'valid-')`,
      ]);
      return (answer.result as { result: { text: string; status: string; replies: string[] }[] }[])[0]!
        .result;
    } finally {
      await reader.close();
    }
  };

  test('HTTP: hostile requests get 4xx, never 5xx; every valid message is answered once', async () => {
    const port = Number(new URL(agent.httpUrl).port);
    const next = httpInputs(prng(SEED), {
      telegram: TELEGRAM_SECRET,
      whatsappApp: FAKE_WHATSAPP_APP_SECRET,
      whatsappVerify: FAKE_WHATSAPP_VERIFY_TOKEN,
      whatsappPhoneId: FAKE_WHATSAPP_PHONE_ID,
    });
    const statuses = new Map<string, Map<number, number>>();
    const send = async () => {
      const input = next();
      const status = await exchange(port, input.bytes, input.incomplete ? 300 : 10_000);
      const byStatus = statuses.get(input.kind) ?? new Map<number, number>();
      byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
      statuses.set(input.kind, byStatus);
    };
    // Warm up (code loaded on first use, JIT, the engine's and V8's sizing) before the memory baseline.
    for (let i = 0; i < WARM_UP; i += 24) await Promise.all(Array.from({ length: 24 }, send));
    const tokens = [await sendValid()];
    let sinceValid = 0;
    const { used, elapsed, memory } = await drive(agent, INPUTS, 24, async () => {
      if (++sinceValid >= VALID_EVERY) {
        sinceValid = 0;
        tokens.push(await sendValid());
      }
      await send();
      return 1;
    });
    // All valid messages are the owner's, in one chat, and replies to one chat go at Telegram's pace (one a
    // second): the last answers trail the fuzz by up to a second per valid message.
    const answerWindowMs = 30_000 + oneChatBacklogMs(tokens.length);
    await eventually(
      () => sentToOwner() >= tokens.length,
      'an answer to every valid message',
      answerWindowMs,
    ).catch((error: Error) => {
      throw new Error(`${error.message}: ${sentToOwner()} of ${tokens.length} answered\n${problems()}`);
    });
    const stored = await storedValid();
    const answeredOnce = tokens.filter((token) => {
      const rows = stored.filter((row) => row.text.includes(token));
      return rows.length === 1 && rows[0]!.status === 'answered' && rows[0]!.replies.join() === 'sent';
    }).length;
    const summary = Object.fromEntries(
      [...statuses].sort().map(([kind, byStatus]) => [kind, Object.fromEntries([...byStatus].sort())]),
    );
    console.log(
      `fuzz HTTP: ${used} inputs in ${elapsed} ms (seed ${SEED}); ${tokens.length} valid messages, ${answeredOnce} stored and answered exactly once, ${sentToOwner()} answers sent; memory ${memory.map(mb).join(' → ')}`,
    );
    console.log(`fuzz HTTP statuses: ${JSON.stringify(summary)}`);

    assert.ok(used >= INPUTS, `${used} inputs within the time cap`);
    const serverErrors = [...statuses].flatMap(([kind, byStatus]) =>
      [...byStatus.keys()].filter((status) => status >= 500).map((status) => `${kind} → ${status}`),
    );
    assert.deepEqual(serverErrors, [], 'no 5xx');
    assert.equal((await agent.health()).status, 200, 'the agent still runs and is healthy');
    assert.equal(answeredOnce, tokens.length, 'every valid message stored once, with one reply, sent');
    assert.equal(sentToOwner(), tokens.length, 'and Telegram got exactly that many answers');
    assertMemory(memory, HTTP_RSS);
  });

  test('db hub: hostile frames and upgrades before and after sign-in; valid requests answered once', async () => {
    const random = prng(SEED + 1);
    const { int, chance } = picker(random);
    const frames = hubFrames(random);
    const upgrade = upgradeRequests(random);
    const port = Number(new URL(agent.hubAddress!).port);
    const codec = new CborCodec({});
    const valid = new RawRpcClient(agent.hubAddress!);
    assert.equal((await valid.call('signin', SIGNIN)).error, undefined);
    const kinds = new Map<string, number>();
    const count = (kind: string) => kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    const validCalls: Promise<unknown>[] = [];
    let validAnswers = 0;
    const callValid = (n: number) =>
      validCalls.push(
        valid.call('query', ['RETURN $n', { n }]).then((answer) => {
          const [first] = (answer.result ?? []) as { result?: unknown }[];
          assert.equal(
            first?.result,
            n,
            `valid request ${n}: ${JSON.stringify(answer.error)} (closed ${valid.closeCode})\n${problems()}`,
          );
          validAnswers += 1;
        }),
      );

    /** One hostile connection: sign in or not, send a burst of frames, then leave. Returns inputs used. */
    const connection = async (): Promise<number> => {
      if (chance(0.05)) {
        count('upgrade');
        await exchange(port, upgrade(), 2_000);
        return 1;
      }
      const signedIn = chance(0.5);
      const ws = new WebSocket(agent.hubAddress!, 'cbor');
      ws.on('error', () => {});
      let answers = 0;
      let sent = 0;
      let allAnswered = () => {};
      ws.on('message', () => {
        answers += 1;
        if (answers >= sent) allAnswered();
      });
      const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
      const opened = await new Promise<boolean>((resolve) => {
        ws.once('open', () => resolve(true));
        ws.once('close', () => resolve(false));
      });
      if (!opened) return 0;
      if (signedIn) {
        const answered = new Promise<void>((resolve) => ws.once('message', () => resolve()));
        ws.send(codec.encode({ id: 'signin', method: 'signin', params: SIGNIN }));
        await Promise.race([answered, closed]);
        answers = 0;
      }
      // Before sign-in the hub closes the connection after 32 requests; after, a client may send on and on (and
      // each sign-in is an argon2 hash the hub lets only two run at once: the bursts after it are long).
      for (let i = signedIn ? 100 + int(300) : 1 + int(40); i > 0 && ws.readyState === ws.OPEN; i--) {
        const { kind, frame } = signedIn ? frames.after() : frames.before();
        count(`${signedIn ? 'after' : 'before'}:${kind}`);
        ws.send(frame);
        sent += 1;
      }
      // Every frame gets one answer (a parse error at least) unless the hub closed the connection.
      await Promise.race([
        closed,
        new Promise<void>((resolve) => {
          allAnswered = resolve;
          if (answers >= sent) resolve();
        }),
        new Promise((resolve) => setTimeout(resolve, 3_000)),
      ]);
      if (chance(0.2)) ws.terminate();
      else ws.close();
      await closed;
      return sent;
    };

    for (let used = 0; used < WARM_UP; ) used += await connection();
    callValid(0);
    await Promise.all(validCalls);
    let nextValid = VALID_EVERY;
    const { used, elapsed, memory } = await drive(agent, INPUTS, 8, async (n) => {
      while (n >= nextValid) {
        callValid(nextValid);
        nextValid += VALID_EVERY;
      }
      return connection();
    });
    await Promise.all(validCalls);
    // A fresh client still signs in and works.
    const later = new RawRpcClient(agent.hubAddress!);
    const signinStarted = Date.now();
    const laterSignin = await later.call('signin', SIGNIN);
    const signinMs = Date.now() - signinStarted;
    const probe = await later.call('query', ['RETURN "after the storm"']);
    await later.close();
    await valid.close();
    console.log(
      `fuzz hub: ${used} inputs in ${elapsed} ms (seed ${SEED + 1}); ${validCalls.length} valid requests, ${validAnswers} answered, ${valid.strays} answered twice or unasked; a fresh sign-in after took ${signinMs} ms; memory ${memory.map(mb).join(' → ')}`,
    );
    console.log(`fuzz hub kinds: ${JSON.stringify(Object.fromEntries([...kinds].sort()))}`);

    assert.ok(used >= INPUTS, `${used} inputs within the time cap`);
    assert.equal(laterSignin.error, undefined, `a fresh client signs in after the storm\n${problems()}`);
    assert.equal(validAnswers, validCalls.length, 'every valid request answered');
    assert.equal(valid.strays, 0, 'and none twice');
    assert.deepEqual((probe.result as { result: unknown }[])[0]?.result, 'after the storm');
    assert.equal((await agent.health()).status, 200, 'the agent still runs and is healthy');
    assertMemory(memory, HUB_RSS);
  });
});
