// Benchmark: MONO's built agent beside a bare-Node webhook → LLM → reply pipeline (and OpenClaw where it is
// installed), against the same fakes: restart and first start, idle memory, webhook → sendMessage latency with
// an instant LLM, and a burst of messages arriving at once while the LLM holds them (all answered afterwards).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FAKE_ANTHROPIC_KEY, FakeAnthropic } from '../fakes/anthropic-server.ts';
import { preciseNow } from '../fakes/http-util.ts';
import { FAKE_TELEGRAM_TOKEN, FakeTelegram } from '../fakes/telegram-server.ts';
import { sleep } from '../helpers/wait.ts';
import { percentile } from './stats.ts';
import { BARE_NODE, MONO, type Running, type Subject, stop, treeMb } from './subjects.ts';

/** The Telegram webhook secret every bench subject is started with. */
export const WEBHOOK_SECRET = 'bench-secret';

export interface AgentBenchRow {
  metric: string;
  unit: string;
  values: Record<string, number | string>;
  target: string;
  ok: boolean;
}

interface Figures {
  firstStart: number;
  restart: number;
  idle: number;
  idleAnon: number;
  afterTraffic: number;
  p50: number;
  p99: number;
  burstPeak: number;
  burstRefused: number;
  burstAnswered: number;
  burstTwice: number;
  burstDrainS: number;
}

/** Progress goes to stderr so the tables on stdout stay clean. */
const progress = (text: string) => process.stderr.write(`bench: ${text}\n`);

/**
 * The latency run starts a message at most every this many ms (10 a second). MONO sends at the pace Telegram
 * accepts (delivery/delivery.ts: 20 messages a second for the bot, with a burst of 5); posted back to back, the
 * messages came faster than that and each reply waited ~50 ms for its turn to go out, so the figure measured the
 * pace, not a message's way through. How fast a backlog drains is the burst's last row.
 */
const LATENCY_SPACING_MS = 100;

/** A Telegram update carrying one private text message. */
export function update(id: number, chat: number, text: string) {
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

/** Delivers a Telegram update to a subject's webhook; resolves to the HTTP status. */
export async function postWebhook(url: string, body: unknown): Promise<number> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': WEBHOOK_SECRET },
    body: JSON.stringify(body),
  });
  await response.arrayBuffer();
  return response.status;
}

export async function benchAgent(
  options: { subjects?: Subject[]; burst?: number } = {},
): Promise<AgentBenchRow[]> {
  const subjects = options.subjects ?? [BARE_NODE, MONO];
  const burst = options.burst ?? 1000;
  const telegram = new FakeTelegram();
  // The real API merges consecutive turns of one role; OpenClaw relies on that, MONO and bare Node never send them.
  const anthropic = new FakeAnthropic({ strictAlternation: false });
  await telegram.start();
  await anthropic.start();
  const fakes = {
    telegramUrl: telegram.url,
    telegramToken: FAKE_TELEGRAM_TOKEN,
    anthropicUrl: anthropic.url,
    anthropicKey: FAKE_ANTHROPIC_KEY,
    webhookSecret: WEBHOOK_SECRET,
  };
  const results: Record<string, Figures> = {};
  let updateId = 1;

  for (const subject of subjects) {
    const dataDir = mkdtempSync(join(tmpdir(), 'mono-bench-'));
    // The first start creates the datastore; the later ones reopen it (what an update or a reboot costs).
    progress(`${subject.name}: starting ${subject.starts + 1} times`);
    const startTimes: number[] = [];
    for (let i = 0; i <= subject.starts; i++) {
      const running = await subject.start(dataDir, fakes);
      startTimes.push(running.readyMs);
      await stop(running);
    }
    const running = await subject.start(dataDir, fakes);
    await sleep(2000);
    const pid = running.child.pid!;
    const idle = treeMb(pid);
    // RSS counts file-backed pages too (Node's binary, SurrealDB's native library): shared and reclaimable.
    // Private (anonymous) memory is what the process really holds on its own.
    const idleAnon = treeMb(pid, 'RssAnon');

    progress(`${subject.name}: ${subject.latencyMessages} messages one after another`);
    const latencies: number[] = [];
    for (let i = 0; i < subject.latencyMessages + 10; i++) {
      const chat = 100_000 + (i % 50);
      const sentBefore = telegram.sent.length;
      const t0 = preciseNow();
      const status = await postWebhook(running.webhookUrl, update(updateId++, chat, `latency ${i}`));
      if (status !== 200) throw new Error(`${subject.name}: webhook answered ${status}`);
      const sent = await telegram.waitForSent(sentBefore + 1, { timeoutMs: 60_000 });
      if (i >= 10) latencies.push(sent[sentBefore]!.time - t0);
      await sleep(LATENCY_SPACING_MS - (preciseNow() - t0));
    }
    const afterTraffic = treeMb(pid);

    const figures = await measureBurst(running, burst, telegram, anthropic, () => updateId++);
    results[subject.name] = {
      firstStart: startTimes[0]!,
      restart: percentile(startTimes.slice(1), 50),
      idle,
      idleAnon,
      afterTraffic,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      ...figures,
    };
    await stop(running);
    rmSync(dataDir, { recursive: true, force: true });
    telegram.clearRecords();
    anthropic.clearRecords();
  }
  await telegram.close();
  await anthropic.close();
  return rows(results, burst);
}

/**
 * `count` messages from `count` chats arrive at the same moment (a backlog redelivered after an outage) while
 * the LLM holds every call. Measures the peak extra memory until every webhook has been answered and the
 * agent has settled, then lets the LLM answer and counts the replies per chat.
 */
async function measureBurst(
  running: Running,
  count: number,
  telegram: FakeTelegram,
  anthropic: FakeAnthropic,
  nextId: () => number,
): Promise<Pick<Figures, 'burstPeak' | 'burstRefused' | 'burstAnswered' | 'burstTwice' | 'burstDrainS'>> {
  progress(`${running.name}: ${count} messages at once, the LLM holding them`);
  const pid = running.child.pid!;
  anthropic.hold();
  await sleep(500);
  const before = treeMb(pid);
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, treeMb(pid));
  }, 50);
  const sentBefore = telegram.sent.length;
  const chats = Array.from({ length: count }, (_, i) => 300_000 + i);
  const statuses = await Promise.all(
    chats.map((chat) =>
      postWebhook(running.webhookUrl, update(nextId(), chat, `burst ${chat}`)).catch(() => 0),
    ),
  );
  // Settle: whatever the agent starts for the backlog (LLM calls, queues) is in memory within a few seconds.
  await sleep(3000);
  clearInterval(sampler);
  peak = Math.max(peak, treeMb(pid));
  const refused = statuses.filter((s) => s !== 200).length;
  const released = preciseNow();
  anthropic.release();
  const expected = count - refused;
  await telegram.waitForSent(sentBefore + expected, { timeoutMs: 600_000 }).catch(() => undefined);
  const drainS = (preciseNow() - released) / 1000;
  await sleep(1000); // a second reply to any chat would arrive within this
  const perChat = new Map<number, number>();
  for (const sent of telegram.sent.slice(sentBefore)) {
    const chat = Number(sent.chat_id);
    if (chat >= 300_000) perChat.set(chat, (perChat.get(chat) ?? 0) + 1);
  }
  return {
    burstPeak: peak - before,
    burstRefused: refused,
    burstAnswered: perChat.size,
    burstTwice: [...perChat.values()].filter((n) => n > 1).length,
    burstDrainS: drainS,
  };
}

function rows(results: Record<string, Figures>, burst: number): AgentBenchRow[] {
  const bare = results['bare Node'];
  const mono = results.MONO;
  const row = (
    metric: string,
    unit: string,
    key: keyof Figures,
    target: string,
    ok: (mono: number, bare: number) => boolean,
  ): AgentBenchRow => ({
    metric,
    unit,
    values: Object.fromEntries(Object.entries(results).map(([name, figures]) => [name, figures[key]])),
    target,
    ok: mono !== undefined && bare !== undefined && ok(mono[key], bare[key]),
  });
  return [
    row('first start (creates the datastore)', 'ms', 'firstStart', '(for reference)', () => true),
    row('restart → healthy (median)', 'ms', 'restart', '≤ 1.5× bare Node', (m, b) => m <= 1.5 * b),
    row('idle RSS', 'MB', 'idle', '≤ 70 MB', (m) => m <= 70),
    row('idle private memory (RssAnon)', 'MB', 'idleAnon', '(for reference)', () => true),
    row('RSS after the latency run', 'MB', 'afterTraffic', '(for reference)', () => true),
    row('webhook → sendMessage p50', 'ms', 'p50', '≤ 2× bare Node', (m, b) => m <= 2 * b),
    row('webhook → sendMessage p99', 'ms', 'p99', '≤ 2× bare Node', (m, b) => m <= 2 * b),
    row(
      `${burst} at once, LLM holding: extra RSS at peak`,
      '+MB',
      'burstPeak',
      '≤ bare Node',
      (m, b) => m <= b,
    ),
    row(`${burst} at once: webhooks not answered 200`, 'count', 'burstRefused', '0', (m) => m === 0),
    row(`${burst} at once: chats answered`, 'count', 'burstAnswered', `${burst}`, (m) => m === burst),
    row(`${burst} at once: chats answered twice`, 'count', 'burstTwice', '0', (m) => m === 0),
    row(`${burst} at once: release → all answered`, 's', 'burstDrainS', '(for reference)', () => true),
  ];
}
