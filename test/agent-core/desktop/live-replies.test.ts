// A reply shown while it is written, and the owner answering a contact themselves, at the datastore (a real
// in-memory SurrealDB with MONO's schema): one row per reply whatever is written in between, nothing half-written
// in the history or after a restart, the owner's words on the agent's side of the history, and a reply MONO wrote
// while the owner stepped in never recorded (its cost is).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RecordId, Surreal } from 'surrealdb';
import { ReplyDraft } from '../../../agent-core/agent/reply-draft.ts';
import type { InboundMessage } from '../../../agent-core/channels/channel.ts';
import { ownerAnswering } from '../../../agent-core/contract/desktop-chat.ts';
import type { TokenUsage } from '../../../agent-core/contract/tables.ts';
import { silentLogger } from '../../../agent-core/log/logger.ts';
import {
  claimInbound,
  loadHistory,
  loadUnfinished,
  OWNER_WROTE,
  recordReply,
  storeInbound,
} from '../../../agent-core/store/messages.ts';
import { writeDraft } from '../../../agent-core/store/reply-drafts.ts';
import { datastoreWithSchema } from '../../helpers/schema-datastore.ts';

const datastore = datastoreWithSchema();
let nextId = 1;

const inbound = (
  chat: string,
  text: string,
  channel: 'telegram' | 'desktop' = 'telegram',
): InboundMessage => ({
  channel,
  chatId: chat,
  messageId: String(nextId++),
  userId: chat,
  name: 'Grace',
  text,
  readable: true,
  at: new Date(),
});

const usage: TokenUsage = {
  model: 'claude-test-live',
  input_tokens: 10,
  output_tokens: 20,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 0,
  cost_usd: 0.25,
};

async function rowsFor(db: Surreal, inboundId: RecordId) {
  const [rows] = await db
    .query<[{ id: RecordId; text: string; status: string; role: string }[]]>(
      'SELECT id, text, status, role FROM message WHERE reply_to = $inbound',
      { inbound: inboundId },
    )
    .collect();
  return rows;
}

test('a reply in progress becomes the reply: one row, the final text; a late write does not undo it', async () => {
  const { db } = datastore;
  const stored = await storeInbound(db, inbound('owner', 'Tell me a story', 'desktop'));
  const target = { inbound: stored.id, conversation: stored.conversation, channel: 'desktop' as const };
  await writeDraft(db, target, 'Once');
  await writeDraft(db, target, 'Once upon a');
  const [draft] = await rowsFor(db, stored.id);
  assert.equal(draft?.status, 'streaming');
  assert.equal(draft?.text, 'Once upon a');

  // Nothing half-written is history: the next turn would see only the question.
  const history = await loadHistory(db, stored.conversation, new Date(Date.now() + 1000), 40);
  assert.deepEqual(
    history.map((turn) => turn.text),
    ['Tell me a story'],
  );

  const reply = await recordReply(db, {
    inbound: stored.id,
    conversation: stored.conversation,
    channel: 'desktop',
    role: 'assistant',
    text: 'Once upon a time, the end.',
    inboundStatus: 'answered',
  });
  assert.equal(String(reply?.id), String(draft?.id), 'the row shown growing is the reply');
  assert.equal(reply?.status, 'pending');
  await writeDraft(db, target, 'Once upon a ti');
  const rows = await rowsFor(db, stored.id);
  assert.equal(rows.length, 1);
  assert.equal(rows[0]?.text, 'Once upon a time, the end.');
  assert.equal(rows[0]?.status, 'pending');

  // Recorded twice (a retried turn): still the one reply.
  const again = await recordReply(db, {
    inbound: stored.id,
    conversation: stored.conversation,
    channel: 'desktop',
    role: 'assistant',
    text: 'Another take',
    inboundStatus: 'answered',
  });
  assert.equal(again?.text, 'Once upon a time, the end.');
  assert.equal((await rowsFor(db, stored.id)).length, 1);
});

test('a restart removes replies in progress and answers their messages again', async () => {
  const { db } = datastore;
  const stored = await storeInbound(db, inbound('owner', 'Crash in the middle', 'desktop'));
  await writeDraft(
    db,
    { inbound: stored.id, conversation: stored.conversation, channel: 'desktop' },
    'half a',
  );
  const { inbound: unfinished, outbound } = await loadUnfinished(db);
  assert.ok(unfinished.some((message) => String(message.id) === String(stored.id)));
  assert.ok(!outbound.some((message) => String(message.reply_to) === String(stored.id)));
  assert.equal((await rowsFor(db, stored.id)).length, 0, 'the half-written row is gone');
});

test('the shown text lags by at most one pause and is written one piece at a time', async () => {
  const { db } = datastore;
  const stored = await storeInbound(db, inbound('owner', 'Count', 'desktop'));
  const written: string[] = [];
  let inFlight = 0;
  let overlapped = false;
  const counting = {
    query: (sql: string, vars: Record<string, unknown>) => {
      const text = vars.text as string;
      inFlight++;
      if (inFlight > 1) overlapped = true;
      const run = db.query(sql, vars);
      return {
        collect: () =>
          run.collect().finally(() => {
            inFlight--;
            written.push(text);
          }),
      };
    },
  } as unknown as Surreal;
  const draft = new ReplyDraft(
    counting,
    { inbound: stored.id, conversation: stored.conversation, channel: 'desktop' },
    silentLogger,
    100,
  );
  const started = Date.now();
  let text = '';
  for (let i = 0; i < 40; i++) {
    text += `${i} `;
    draft.update(text);
    await new Promise((resolve) => setTimeout(resolve, 15));
  }
  await new Promise((resolve) => setTimeout(resolve, 250));
  await draft.finish();
  const elapsed = Date.now() - started;
  assert.equal(overlapped, false, 'one write at a time');
  assert.ok(written.length >= 3, `written ${written.length} times`);
  assert.ok(written.length <= Math.ceil(elapsed / 100) + 1, `${written.length} writes in ${elapsed} ms`);
  assert.equal(written[0], '0 ', 'the first piece is shown at once');
  assert.equal(written.at(-1), text, 'the latest text is shown once the writing pauses');
  for (let i = 1; i < written.length; i++) assert.ok(written[i]!.startsWith(written[i - 1]!));
  const [row] = await rowsFor(db, stored.id);
  assert.equal(row?.text, text);

  // After finish nothing is written any more.
  draft.update(`${text}late`);
  await new Promise((resolve) => setTimeout(resolve, 250));
  assert.equal(written.at(-1), text);
});

test("what the owner wrote to a contact is on the agent's side of the history, marked as the owner's", async () => {
  const { db } = datastore;
  const first = await storeInbound(db, inbound('700', 'Can we meet at five?'));
  await db
    .query(
      `CREATE message CONTENT { conversation: $conversation, channel: 'telegram', direction: 'out', role: 'owner',
         text: 'Yes, see you at five.', status: 'sent', created_at: time::now() }`,
      { conversation: first.conversation },
    )
    .collect();
  const next = await storeInbound(db, inbound('700', 'Great'), { historyLimit: 40 });
  const turns = next.claimed!.history!.turns;
  assert.deepEqual(
    turns.map((turn) => [turn.role, turn.text]),
    [
      ['user', 'Can we meet at five?'],
      ['assistant', `${OWNER_WROTE} Yes, see you at five.`],
      ['user', 'Great'],
    ],
  );
  assert.deepEqual(await loadHistory(db, next.conversation, next.claimed!.created_at, 40), turns);
});

test('while the owner answers: the message carries it, a reply is not recorded, its cost is', async () => {
  const { db } = datastore;
  const stored = await storeInbound(db, inbound('701', 'Anyone there?'));
  assert.equal(stored.claimed?.owner_until, undefined);
  await writeDraft(
    db,
    { inbound: stored.id, conversation: stored.conversation, channel: 'telegram' },
    'Hello! I am',
  );
  // The owner steps in while MONO is writing.
  await db
    .query('UPDATE $conversation SET owner_until = time::now() + 10m', { conversation: stored.conversation })
    .collect();
  const reply = await recordReply(db, {
    inbound: stored.id,
    conversation: stored.conversation,
    channel: 'telegram',
    role: 'assistant',
    text: 'Hello! I am MONO.',
    inboundStatus: 'answered',
    usage,
  });
  assert.equal(reply, undefined, 'no reply: the message is the owner’s');
  assert.equal((await rowsFor(db, stored.id)).length, 0, 'not even the one in progress');
  const [[message], [spent]] = await db
    .query<[{ status: string; answered_by?: string }[], { cost_usd: number }[]]>(
      `SELECT status, answered_by FROM $id; SELECT cost_usd FROM usage WHERE model = 'claude-test-live'`,
      { id: stored.id },
    )
    .collect();
  assert.deepEqual(message, { status: 'answered', answered_by: 'owner' });
  assert.equal(spent?.cost_usd, 0.25);

  // The next message knows the owner is answering, stored or claimed.
  const later = await storeInbound(db, inbound('701', 'Hello?'));
  assert.ok(ownerAnswering(later.claimed?.owner_until), String(later.claimed?.owner_until));
  const claimed = await claimInbound(db, later.id);
  assert.ok(ownerAnswering(claimed?.owner_until));
  assert.equal(String(claimed?.owner_until), String(later.claimed?.owner_until));
});
