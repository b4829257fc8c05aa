// The history read with a message as it is stored (one round trip) equals the turn's own read, in a real
// (in-memory) SurrealDB with MONO's schema; and it is used only while nothing else touches the chat.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RecordId } from 'surrealdb';
import { HistoryPrefetch } from '../../../agent-core/agent/history-prefetch.ts';
import type { InboundMessage } from '../../../agent-core/channels/channel.ts';
import {
  conversationId,
  loadHistory,
  recordReply,
  type StoredInbound,
  storeInbound,
} from '../../../agent-core/store/messages.ts';
import { datastoreWithSchema } from '../../helpers/schema-datastore.ts';

const datastore = datastoreWithSchema();
let nextId = 1;

const inbound = (chat: string, text: string): InboundMessage => ({
  channel: 'telegram',
  chatId: chat,
  messageId: String(nextId++),
  userId: chat,
  name: 'Ada',
  text,
  readable: true,
  at: new Date(),
});

async function exchange(chat: string, text: string, status: 'answered' | 'ignored' = 'answered') {
  const stored = await storeInbound(datastore.db, inbound(chat, text));
  await recordReply(datastore.db, {
    inbound: stored.id,
    conversation: stored.conversation,
    channel: 'telegram',
    role: status === 'answered' ? 'assistant' : 'notice',
    text: `re: ${text}`,
    inboundStatus: status,
  });
}

test('the history read at store time is the one the turn would read', async () => {
  await exchange('501', 'first');
  await exchange('501', '/status', 'ignored');
  await exchange('502', 'another chat');
  await exchange('501', 'second');
  const third = inbound('501', 'third');
  const stored = await storeInbound(datastore.db, third, { historyLimit: 160 });
  const history = stored.claimed?.history;
  assert.ok(history, 'a new message comes with its history');
  const read = await loadHistory(datastore.db, stored.conversation, stored.claimed!.created_at, 160);
  assert.deepEqual(history.turns, read);
  assert.deepEqual(
    history.turns.map((turn) => turn.text),
    ['first', 're: first', 'second', 're: second', 'third'],
  );
  assert.equal(history.summary, undefined);

  const again = await storeInbound(datastore.db, third, { historyLimit: 160 });
  assert.equal(again.claimed, undefined, 'a redelivered message is not new and reads nothing');
});

test('after a summary, only the turns since it, with the summary', async () => {
  await exchange('503', 'old one');
  const conversation = conversationId('telegram', '503');
  const [[{ until }]] = await datastore.db
    .query<[[{ until: Date }]]>(
      'UPDATE $conversation SET summary = "talked about old things", summary_until = time::now() RETURN summary_until AS until',
      { conversation },
    )
    .collect();
  await exchange('503', 'new one');
  const stored = await storeInbound(datastore.db, inbound('503', 'newest'), { historyLimit: 2 });
  const history = stored.claimed!.history!;
  assert.equal(history.summary, 'talked about old things');
  assert.equal(String(history.summary_until), String(until));
  assert.deepEqual(
    history.turns.map((turn) => turn.text),
    ['re: new one', 'newest'],
    'at most the limit, newest kept',
  );
});

test('the history is read with the store only when nothing else of the chat is under way', async () => {
  const busy = new Set<string>();
  const prefetch = new HistoryPrefetch((conversation: RecordId) => !busy.has(conversation.toString()));
  const chat = conversationId('telegram', '504');
  const other = conversationId('telegram', '505');
  const asked: boolean[] = [];
  const gate = () => {
    let open!: () => void;
    return { wait: new Promise<void>((resolve) => (open = resolve)), open: () => open() };
  };
  const fakeStore =
    (wait: Promise<void>) =>
    async (withHistory: boolean): Promise<StoredInbound> => {
      asked.push(withHistory);
      await wait;
      const history = withHistory ? { turns: [] } : undefined;
      return {
        id: chat,
        conversation: chat,
        isNew: true,
        contactAllowed: true,
        claimed: { ...({} as NonNullable<StoredInbound['claimed']>), ...(history ? { history } : {}) },
      };
    };

  // Alone: read with the store and kept.
  const alone = await prefetch.store(chat, fakeStore(Promise.resolve()));
  assert.ok(alone.claimed?.history);

  // A turn of the chat is queued: the turn reads it later.
  busy.add(chat.toString());
  await prefetch.store(chat, fakeStore(Promise.resolve()));
  busy.clear();

  // Two messages of one chat stored at once: neither keeps a history; another chat is not affected.
  asked.length = 0;
  const first = gate();
  const second = gate();
  const a = prefetch.store(chat, fakeStore(first.wait));
  const b = prefetch.store(chat, fakeStore(second.wait));
  const c = prefetch.store(other, fakeStore(Promise.resolve()));
  assert.deepEqual(asked, [true, false, true]);
  first.open();
  second.open();
  assert.equal((await a).claimed?.history, undefined, 'dropped: the other message overlapped it');
  assert.equal((await b).claimed?.history, undefined);
  assert.ok((await c).claimed?.history);

  // Once both are stored the chat is quiet again.
  assert.ok((await prefetch.store(chat, fakeStore(Promise.resolve()))).claimed?.history);
});
