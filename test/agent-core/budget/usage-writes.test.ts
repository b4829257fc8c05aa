// Many replies finishing at once all add to today's usage row: in a real (on-disk) SurrealDB they are written one
// at a time, so none waits on conflict retries, and the totals are exact.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { recordUsage } from '../../../agent-core/budget/usage.ts';
import { recordReply, storeInbound } from '../../../agent-core/store/messages.ts';
import { datastoreWithSchema } from '../../helpers/schema-datastore.ts';

const datastore = datastoreWithSchema({ onDisk: true });

const usage = {
  model: 'claude-sonnet-5-5',
  input_tokens: 10,
  output_tokens: 5,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 0,
  cost_usd: 0.001,
};

test('200 replies and 20 other calls at once: one usage write at a time, totals exact', async () => {
  const { db } = datastore;
  const stored = await Promise.all(
    Array.from({ length: 200 }, (_, i) =>
      storeInbound(db, {
        channel: 'telegram',
        chatId: String(7000 + i),
        messageId: '1',
        userId: String(7000 + i),
        name: 'Ada',
        text: `hello ${i}`,
        readable: true,
        at: new Date(),
      }),
    ),
  );
  // Watch the datastore: how many statements that add to the usage row run at the same moment.
  const query = db.query.bind(db);
  let running = 0;
  let mostAtOnce = 0;
  db.query = ((sql: string, vars?: Record<string, unknown>) => {
    const query$ = query(sql, vars);
    if (!sql.includes("type::record('usage'")) return query$;
    const collect = query$.collect.bind(query$);
    query$.collect = (async (...args: Parameters<typeof collect>) => {
      mostAtOnce = Math.max(mostAtOnce, ++running);
      try {
        return await collect(...args);
      } finally {
        running--;
      }
    }) as typeof query$.collect;
    return query$;
  }) as typeof db.query;
  try {
    await Promise.all([
      ...stored.map((message) =>
        recordReply(db, {
          inbound: message.id,
          conversation: message.conversation,
          channel: 'telegram',
          role: 'assistant',
          text: 'hi',
          inboundStatus: 'answered',
          usage,
        }),
      ),
      ...Array.from({ length: 20 }, () => recordUsage(db, usage)),
    ]);
  } finally {
    db.query = query;
  }
  assert.equal(mostAtOnce, 1, 'usage writes ran one at a time');
  const [[row]] = await db
    .query<[{ requests: number; input_tokens: number; cost_usd: number }[]]>(
      'SELECT requests, input_tokens, cost_usd FROM usage',
    )
    .collect();
  assert.equal(row!.requests, 220);
  assert.equal(row!.input_tokens, 2200);
  assert.ok(Math.abs(row!.cost_usd - 0.22) < 1e-9);
});
