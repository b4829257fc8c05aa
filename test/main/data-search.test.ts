// Search over message text, against the real engine with MONO's schema: finds what was said, case-insensitively,
// in the newest messages of the most recent conversations — and stays within those bounds on a long history.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonify } from 'surrealdb';
import { createData, SEARCH } from '../../src-main/services/data.ts';
import { datastoreWithSchema } from '../helpers/schema-datastore.ts';

const store = datastoreWithSchema();

function data() {
  return createData({
    query: async (sql, vars) => jsonify(await store.db.query(sql, vars).collect()) as never,
    withDb: (run) => run(store.db),
  });
}

async function conversation(n: number, texts: string[], minutesAgo: number): Promise<void> {
  const now = Date.now();
  await store.db
    .query(
      `UPSERT type::record('conversation', $id) CONTENT {
         channel: 'telegram', chat_id: $chat, title: $title, unread: 0, last_message_at: $last, created_at: $last };
       FOR $r IN $rows {
         CREATE message CONTENT {
           conversation: type::record('conversation', $id), channel: 'telegram', direction: 'in', role: 'user',
           status: 'answered', text: $r.text, created_at: $r.at
         };
       };`,
      {
        id: `telegram:${n}`,
        chat: String(n),
        title: `Chat ${n}`,
        last: new Date(now - minutesAgo * 60_000),
        rows: texts.map((text, i) => ({
          text,
          at: new Date(now - minutesAgo * 60_000 - (texts.length - i) * 1000),
        })),
      },
    )
    .collect();
}

test('search finds words in messages, not only names, within the newest messages of recent conversations', {
  timeout: 60_000,
}, async () => {
  // The newest conversation: the word sits in its most recent messages.
  await conversation(1, ['Hello', 'The LIGHTHOUSE on Hiddensee', 'bye'], 1);
  // Deep in a long history: older than the newest SEARCH.messagesEach messages of its conversation.
  const long = [
    'the lighthouse, long ago',
    ...Array.from({ length: SEARCH.messagesEach + 5 }, (_, i) => `m${i}`),
  ];
  await conversation(2, long, 2);
  // Beyond the most recent SEARCH.conversations conversations: only its name can match.
  for (let n = 3; n < SEARCH.conversations + 3; n++) await conversation(n, ['nothing here'], n);
  await conversation(999, ['a lighthouse too far back'], 10_000);

  const hits = await data().conversations('lighthouse');
  assert.deepEqual(
    hits.map((c) => c.id),
    ['conversation:⟨telegram:1⟩'],
  );
  assert.equal(hits[0]?.match?.text, 'The LIGHTHOUSE on Hiddensee');
  // A name still matches wherever the conversation is.
  assert.deepEqual(
    (await data().conversations('chat 999')).map((c) => c.id),
    ['conversation:⟨telegram:999⟩'],
  );
  assert.equal((await data().conversations('')).length, SEARCH.conversations + 3);
});
