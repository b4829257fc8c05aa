// Spending in the datastore: token use and cost per UTC day and model (table `usage`), for calls that are not
// a reply to a message (jobs, hooks, summaries; replies record theirs with the reply), and the sums a budget
// check needs.
import type { Surreal } from 'surrealdb';
import { transcriptionCostUsd } from '../agent/pricing.ts';
import type { TokenUsage } from '../contract/tables.ts';
import { type OneAtATime, oneAtATime } from '../util/one-at-a-time.ts';
import { dayKey, monthKey, type Spending } from './budget.ts';

/**
 * Every reply and Claude call adds to one row per day and model. Concurrent transactions on that row conflict and
 * are retried with back-off; when hundreds of turns finish at once the retries pile up (1000 replies at once took
 * up to 86 s to store and ~950 MB of memory). So the writes that touch the row run one at a time in this process
 * (the same 1000: 5–7 s, ~290 MB): each waits a few ms for the one before instead of retrying.
 */
const usageWrites = new WeakMap<Surreal, OneAtATime>();

export function serialUsageWrite<T>(db: Surreal, write: () => Promise<T>): Promise<T> {
  let run = usageWrites.get(db);
  if (!run) {
    run = oneAtATime();
    usageWrites.set(db, run);
  }
  return run(write);
}

/** Adds $usage ($requests calls) to the row of $day and the model; replies run it inside their transaction. */
export const ADD_USAGE = `UPSERT type::record('usage', [$day, $usage.model]) SET day = $day, model = $usage.model,
  requests += $requests, input_tokens += $usage.input_tokens, output_tokens += $usage.output_tokens,
  cache_creation_input_tokens += $usage.cache_creation_input_tokens,
  cache_read_input_tokens += $usage.cache_read_input_tokens,
  web_search_requests += $usage.web_search_requests ?? 0, web_fetch_requests += $usage.web_fetch_requests ?? 0,
  cost_usd += $usage.cost_usd`;

export async function recordUsage(db: Surreal, usage: TokenUsage, requests = 1): Promise<void> {
  await serialUsageWrite(db, () =>
    db.query(ADD_USAGE, { day: dayKey(new Date()), usage, requests }).collect(),
  );
}

/**
 * Speech to text: one request and its seconds of audio on the row of the transcription model, priced per minute.
 * Resolves to the cost, which the budget's ledger must be told of (it sees only Claude's calls by itself).
 */
export async function recordSttUsage(
  db: Surreal,
  stt: { model: string; pricePerMinute: number },
  seconds: number,
): Promise<number> {
  const cost = transcriptionCostUsd(stt.pricePerMinute, seconds);
  await serialUsageWrite(db, () =>
    db
      .query(
        `UPSERT type::record('usage', [$day, $model]) SET day = $day, model = $model, requests += 1,
           audio_seconds += $seconds, cost_usd += $cost`,
        {
          day: dayKey(new Date()),
          model: stt.model,
          seconds,
          cost,
        },
      )
      .collect(),
  );
  return cost;
}

export async function spending(db: Surreal, now: Date): Promise<Spending> {
  const [day, month] = await db
    .query<[number, number]>(
      `RETURN math::sum((SELECT VALUE cost_usd FROM usage WHERE day = $day));
       RETURN math::sum((SELECT VALUE cost_usd FROM usage WHERE string::starts_with(day, $month)));`,
      { day: dayKey(now), month: monthKey(now) },
    )
    .collect();
  return { day: Number(day) || 0, month: Number(month) || 0 };
}

/** Adds up the usage of several calls to the same model (a tool loop) into one record. */
export function addUsage(total: TokenUsage | undefined, next: TokenUsage): TokenUsage {
  if (!total) return { ...next };
  return {
    model: next.model,
    input_tokens: total.input_tokens + next.input_tokens,
    output_tokens: total.output_tokens + next.output_tokens,
    cache_creation_input_tokens: total.cache_creation_input_tokens + next.cache_creation_input_tokens,
    cache_read_input_tokens: total.cache_read_input_tokens + next.cache_read_input_tokens,
    ...(total.web_search_requests || next.web_search_requests
      ? { web_search_requests: (total.web_search_requests ?? 0) + (next.web_search_requests ?? 0) }
      : {}),
    ...(total.web_fetch_requests || next.web_fetch_requests
      ? { web_fetch_requests: (total.web_fetch_requests ?? 0) + (next.web_fetch_requests ?? 0) }
      : {}),
    cost_usd: total.cost_usd + next.cost_usd,
  };
}
