// Webhook deliveries to an agent on a disposable VPS, one after the other as Telegram sends them, for as long as
// something else (an update, a rollback) runs: what was refused and why, what was never answered or answered
// twice, and the longest pause between two replies. Shared by the VPS test and the provisioning bench.
import { eventually, sleep } from '../helpers/wait.ts';
import type { AgentFakes } from './agent-fakes.ts';

export const WEBHOOK_SECRET = 'vps-webhook-secret';

/** The env the agent needs to take Telegram by webhook on its public port (the address it registers is https). */
export const WEBHOOK_ENV = {
  MONO_HTTP_HOST: '0.0.0.0',
  TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET,
  TELEGRAM_WEBHOOK_URL: 'https://mono-vps.invalid/telegram',
};

export interface WebhookTraffic {
  /** Deliveries made (each one update, to a chat of its own). */
  sent: number;
  /** Deliveries not answered 200, by reason: `HTTP <status>` or the socket error (ECONNREFUSED, ECONNRESET…). */
  refused: Map<string, number>;
  refusedCount: number;
  /** Delivered (200) but never answered by the agent. */
  lost: number;
  /** Answered more than once. */
  twice: number;
  /** The longest pause between two replies to these deliveries while `work` ran (ms). */
  gapMs: number;
  /** The slowest delivery while `work` ran: how long one waited in the socket (ms). */
  slowestMs: number;
  /** When the two replies around that pause were sent (epoch ms): where a bench reads what happened between. */
  gapAt: [number, number];
}

/**
 * Posts an update to `url` every `everyMs` from a second before `work` starts until a second after it ends, then
 * waits (bounded) for the agent's replies.
 */
export async function webhooksDuring(
  fakes: AgentFakes,
  url: string,
  firstChat: number,
  work: () => Promise<unknown>,
  everyMs = 50,
): Promise<WebhookTraffic> {
  const refused = new Map<string, number>();
  const delivered: number[] = [];
  let sent = 0;
  let slowest = 0;
  let measuring = false;
  let on = true;
  const loop = (async () => {
    for (let chatId = firstChat; on; chatId++) {
      const update = fakes.telegram.sendText({ chatId, userId: chatId, text: `webhook ${chatId}` });
      sent++;
      const t = performance.now();
      const why = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': WEBHOOK_SECRET },
        body: JSON.stringify(update),
      }).then(
        async (res) => {
          await res.arrayBuffer();
          return res.status === 200 ? undefined : `HTTP ${res.status}`;
        },
        (error: Error & { cause?: { code?: string; message?: string } }) =>
          error.cause?.code ?? error.cause?.message ?? error.message,
      );
      if (measuring) slowest = Math.max(slowest, performance.now() - t);
      if (why === undefined) delivered.push(chatId);
      else {
        refused.set(why, (refused.get(why) ?? 0) + 1);
        if (process.env.MONO_BENCH_TRACE)
          process.stderr.write(`webhooks: ${new Date().toISOString()} chat ${chatId} refused: ${why}\n`);
      }
      await sleep(everyMs);
    }
  })();
  await sleep(1000);
  measuring = true;
  const started = Date.now();
  try {
    await work();
  } finally {
    measuring = false;
    await sleep(1000);
    on = false;
    await loop;
  }
  const ended = Date.now();
  const mine = new Set(delivered);
  const replies = () => fakes.telegram.sent.filter((m) => mine.has(Number(m.chat_id)));
  await eventually(
    () => new Set(replies().map((m) => Number(m.chat_id))).size >= mine.size,
    'a reply to every delivered webhook',
    60_000,
  ).catch(() => {});
  await sleep(1500); // a second reply would come within this
  const counts = new Map<number, number>();
  for (const m of replies()) counts.set(Number(m.chat_id), (counts.get(Number(m.chat_id)) ?? 0) + 1);
  const { gapMs, gapAt } = longestPause(
    replies().map((m) => m.time),
    started,
    ended,
  );
  return {
    sent,
    refused,
    refusedCount: [...refused.values()].reduce((a, b) => a + b, 0),
    lost: delivered.filter((c) => !counts.has(c)).length,
    twice: [...counts.values()].filter((n) => n > 1).length,
    gapMs,
    slowestMs: Math.round(slowest),
    gapAt,
  };
}

/** `3 (ECONNREFUSED: 2, HTTP 503: 1)`, or `0`. */
export function describeRefused(traffic: WebhookTraffic): string {
  if (traffic.refusedCount === 0) return '0';
  return `${traffic.refusedCount} (${[...traffic.refused].map(([why, n]) => `${why}: ${n}`).join(', ')})`;
}

/**
 * The longest pause between two consecutive replies that touches [from, to] (epoch ms), and when its two replies
 * were sent: what a release switch cost the people writing at the time.
 */
export function longestPause(
  sentAt: number[],
  from: number,
  to: number,
): { gapMs: number; gapAt: [number, number] } {
  const times = [...sentAt].sort((a, b) => a - b);
  let gap = 0;
  let gapAt: [number, number] = [0, 0];
  for (let i = 1; i < times.length; i++)
    if (times[i]! >= from && times[i - 1]! <= to && times[i]! - times[i - 1]! > gap) {
      gap = times[i]! - times[i - 1]!;
      gapAt = [times[i - 1]!, times[i]!];
    }
  return { gapMs: Math.round(gap), gapAt };
}
