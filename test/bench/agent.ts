// Benchmark: MONO's built agent beside a bare-Node webhook → LLM → reply pipeline, against the same fakes.
// Start → healthy, idle memory, webhook → sendMessage latency with an instant LLM, and memory while
// 1000 conversations wait on a slow LLM (all answered afterwards).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FAKE_ANTHROPIC_KEY, FakeAnthropic } from '../fakes/anthropic-server.ts';
import { preciseNow } from '../fakes/http-util.ts';
import { FAKE_TELEGRAM_TOKEN, FakeTelegram } from '../fakes/telegram-server.ts';

const SECRET = 'bench-secret';
const SUBJECTS = {
  'bare Node': fileURLToPath(new URL('./baseline/bare-pipeline.mjs', import.meta.url)),
  MONO: fileURLToPath(new URL('../../agent-core/dist/mono-agent.js', import.meta.url)),
};
type Subject = keyof typeof SUBJECTS;

export interface AgentBenchRow {
  metric: string;
  unit: string;
  values: Record<Subject, number>;
  target: string;
  ok: boolean;
}

interface Running {
  child: ChildProcess;
  url: string;
  readyAt: number;
}

async function startSubject(subject: Subject, env: Record<string, string>): Promise<Running> {
  const spawnedAt = preciseNow();
  // NODE_EXTRA_CA_CERTS costs every Node start ~40 ms on this machine: keep it out of the measurement.
  const { NODE_EXTRA_CA_CERTS: _, ...cleanEnv } = process.env;
  const child = spawn(process.execPath, [SUBJECTS[subject]], {
    env: { ...cleanEnv, ...env, MONO_HTTP_PORT: '0', MONO_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const match = /"http":"([^"]+)"/.exec(buffer);
      if (match) resolve(`http://${match[1]}`);
    });
    child.once('exit', (code) => reject(new Error(`${subject} exited with ${code}`)));
  });
  for (;;) {
    const response = await fetch(`${url}/healthz`).catch(() => undefined);
    if (response?.status === 200) break;
  }
  return { child, url, readyAt: preciseNow() - spawnedAt };
}

async function stop(running: Running): Promise<void> {
  const exited = new Promise((resolve) => running.child.once('exit', resolve));
  running.child.kill('SIGTERM');
  await exited;
}

function rssMb(pid: number, field: 'VmRSS' | 'RssAnon' = 'VmRSS'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)![1]) / 1024;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Progress goes to stderr so the tables on stdout stay clean. */
const progress = (text: string) => process.stderr.write(`bench: ${text}\n`);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function update(id: number, chat: number, text: string) {
  return {
    update_id: id,
    message: {
      message_id: id,
      date: Math.floor(Date.now() / 1000),
      chat: { id: chat, type: 'private', first_name: 'Bench' },
      from: { id: chat, is_bot: false, first_name: 'Bench' },
      text,
    },
  };
}

async function postWebhook(url: string, body: unknown): Promise<void> {
  const response = await fetch(`${url}/telegram`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET },
    body: JSON.stringify(body),
  });
  if (response.status !== 200) throw new Error(`webhook answered ${response.status}`);
  await response.arrayBuffer();
}

export async function benchAgent(options: { messages?: number; waiting?: number; starts?: number } = {}) {
  const messages = options.messages ?? 300;
  const waiting = options.waiting ?? 1000;
  const starts = options.starts ?? 5;
  const telegram = new FakeTelegram();
  const anthropic = new FakeAnthropic();
  await telegram.start();
  await anthropic.start();
  const results = {} as Record<
    Subject,
    {
      start: number;
      idle: number;
      idleAnon: number;
      afterTraffic: number;
      p50: number;
      p99: number;
      waiting: number;
    }
  >;
  let updateId = 1;

  for (const subject of Object.keys(SUBJECTS) as Subject[]) {
    const dataDir = mkdtempSync(join(tmpdir(), 'mono-bench-'));
    const env = {
      MONO_DATA_DIR: dataDir,
      ANTHROPIC_API_KEY: FAKE_ANTHROPIC_KEY,
      ANTHROPIC_BASE_URL: anthropic.url,
      TELEGRAM_BOT_TOKEN: FAKE_TELEGRAM_TOKEN,
      TELEGRAM_API_ROOT: telegram.url,
      TELEGRAM_WEBHOOK_SECRET: SECRET,
      MONO_ALLOW_TELEGRAM: '*',
      // Everyone may talk; the owner is someone else (with no owner the agent answers only "not set up yet").
      MONO_OWNER_CHAT: 'telegram:1',
    };
    // Start → healthy: the median of several starts (the first creates the datastore; later ones reopen it).
    progress(`${subject}: starting ${starts} times`);
    const startTimes: number[] = [];
    for (let i = 0; i < starts; i++) {
      const running = await startSubject(subject, env);
      startTimes.push(running.readyAt);
      await stop(running);
    }
    const running = await startSubject(subject, env);
    await sleep(2000);
    const idle = rssMb(running.child.pid!);
    // RSS counts file-backed pages too (Node's binary, SurrealDB's 23 MB native library): shared and
    // reclaimable. Private (anonymous) memory is what the process really holds on its own.
    const idleAnon = rssMb(running.child.pid!, 'RssAnon');

    // Latency: sequential messages over 50 chats, from the webhook POST to sendMessage arriving at "Telegram".
    progress(`${subject}: ${messages} messages one after another`);
    const latencies: number[] = [];
    for (let i = 0; i < messages + 30; i++) {
      const chat = 100_000 + (i % 50);
      const text = `${subject} latency ${i}`;
      const sentBefore = telegram.sent.length;
      const t0 = preciseNow();
      await postWebhook(running.url, update(updateId++, chat, text));
      const sent = await telegram.waitForSent(sentBefore + 1, { timeoutMs: 10_000 });
      if (i >= 30) latencies.push(sent[sentBefore]!.time - t0);
    }

    const afterTraffic = rssMb(running.child.pid!);

    // 1000 conversations waiting on a slow LLM.
    progress(`${subject}: ${waiting} conversations waiting on a slow LLM`);
    anthropic.hold();
    const before = rssMb(running.child.pid!);
    const sentBefore = telegram.sent.length;
    for (let i = 0; i < waiting; i++)
      await postWebhook(running.url, update(updateId++, 200_000 + i, `wait ${i}`));
    await anthropic.waitForHeld(waiting, { timeoutMs: 60_000 });
    await sleep(1000);
    const during = rssMb(running.child.pid!);
    anthropic.release();
    await telegram.waitForSent(sentBefore + waiting, { timeoutMs: 120_000 });

    results[subject] = {
      start: percentile(startTimes, 50),
      idle,
      idleAnon,
      afterTraffic,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      waiting: during - before,
    };
    await stop(running);
    rmSync(dataDir, { recursive: true, force: true });
    telegram.clearRecords();
    anthropic.clearRecords();
  }
  await telegram.close();
  await anthropic.close();

  const bare = results['bare Node'];
  const mono = results.MONO;
  const row = (
    metric: string,
    unit: string,
    key: keyof typeof mono,
    target: string,
    ok: boolean,
  ): AgentBenchRow => ({
    metric,
    unit,
    values: { 'bare Node': bare[key], MONO: mono[key] },
    target,
    ok,
  });
  return [
    row('start → healthy (median)', 'ms', 'start', '≤ 2× bare Node', mono.start <= 2 * bare.start),
    row('idle RSS', 'MB', 'idle', '≤ 70 MB', mono.idle <= 70),
    row('idle private memory (RssAnon)', 'MB', 'idleAnon', '(for reference)', true),
    row(`RSS after ${messages} messages`, 'MB', 'afterTraffic', '(for reference)', true),
    row('webhook → sendMessage p50', 'ms', 'p50', '≤ 3 ms', mono.p50 <= 3),
    row('webhook → sendMessage p99', 'ms', 'p99', '≤ 20 ms', mono.p99 <= 20),
    row(`${waiting} conversations waiting on the LLM`, '+MB', 'waiting', '≤ +32 MB', mono.waiting <= 32),
  ];
}
