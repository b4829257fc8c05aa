// The desktop's chat with MONO against the built agent: the desktop's own code (sync + chat data) writes through the
// db hub, the agent answers with the owner's powers, the reply grows in its row before it is final, and a crash in
// the middle of a reply still ends with exactly one reply — whose retry sends Claude nothing half-written.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { Secret } from '../../../agent-core/config/secret.ts';
import type { DbChange } from '../../../src-main/ipc/db-change.ts';
import { createChatData } from '../../../src-main/services/chat-data.ts';
import { createSync, recordId, type Sync } from '../../../src-main/services/sync.ts';
import type { MessagesRequest } from '../../fakes/anthropic-types.ts';
import { AgentWithFakes } from '../../helpers/agent-with-fakes.ts';

const HUB = { MONO_DB_USER: 'desktop', MONO_DB_PASS: 'a-long-hub-password-for-tests' };
// Nobody claimed the agent and no allowlist names an owner: the desktop's chat is the owner's all the same.
const suite = new AgentWithFakes({ MONO_HUB_LISTEN: '127.0.0.1:0', ...HUB });
/** The message rows' live changes (the only table this story follows). */
const changes: Extract<DbChange, { table: 'message' }>[] = [];
let sync: Sync;
const chat = () => createChatData(sync);

const STORY =
  'Foxes are small omnivores of the dog family. They hunt at dusk, hear a mouse under a metre of snow, ' +
  'and use the Earth’s magnetic field to aim their pounce. Most live alone or in small families.';

before(async () => {
  await suite.start();
  sync = createSync({
    target: async () =>
      suite.agent?.hubAddress
        ? { url: suite.agent.hubAddress, username: HUB.MONO_DB_USER, password: new Secret(HUB.MONO_DB_PASS) }
        : undefined,
    websocketImpl: WebSocket,
    tables: ['message', 'desktop_inbox'],
    onChange: (change) => {
      if (change.table === 'message') changes.push(change);
    },
    onStatus: () => {},
    backoff: { initialMs: 100, maxMs: 500, factor: 2, jitter: 0 },
  });
  sync.start();
  await eventually(() => sync.status().state === 'online', 'the desktop is connected');
});
after(async () => {
  await sync?.stop();
  await suite.close();
});

async function eventually<T>(check: () => T | undefined | false, what: string, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) assert.fail(`still not true after ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

interface Row {
  id: string;
  role: string;
  direction: string;
  text: string;
  status: string;
  reply_to?: string;
  external_id?: string;
}

async function messagesOf(inboundText: string): Promise<{ inbound: Row[]; replies: Row[] }> {
  const [inbound = []] = (await sync.query(
    `SELECT * FROM message WHERE channel = 'desktop' AND direction = 'in' AND text = $text`,
    { text: inboundText },
  )) as [Row[]];
  const [replies = []] = (await sync.query('SELECT * FROM message WHERE reply_to IN $ids', {
    ids: inbound.map((row) => recordId(row.id)),
  })) as [Row[]];
  return { inbound, replies };
}

/** Every text a reply row showed, in order, from the live changes the desktop received. */
function shown(replyTo: string): { text: string; status: string }[] {
  return changes
    .filter((change) => change.table === 'message' && change.row?.reply_to === replyTo)
    .map((change) => ({ text: String(change.row?.text), status: String(change.row?.status) }));
}

const storyResponder = (request: MessagesRequest) => {
  const last = request.messages.at(-1);
  const text = typeof last?.content === 'string' ? last.content : '';
  return { text: text.includes('fox') ? STORY : `Echo: ${text}` };
};

test('a message from the desktop is stored once, answered once with the owner’s tools, and the reply grows live', {
  timeout: 60_000,
}, async () => {
  suite.anthropic.respond = storyResponder;
  suite.anthropic.chunkChars = 6;
  suite.anthropic.streamDelayMs = 30;
  const clientId = randomUUID();
  // Sent twice (the first answer was lost): one message all the same.
  await chat().send(clientId, 'Tell me about foxes');
  await chat().send(clientId, 'Tell me about foxes');

  const reply = await eventually(
    () =>
      changes.find(
        (change) => change.table === 'message' && change.row?.status === 'sent' && change.row.text === STORY,
      ),
    'the reply is sent',
  );
  const { inbound, replies } = await messagesOf('Tell me about foxes');
  assert.equal(inbound.length, 1, 'stored once');
  assert.equal(inbound[0]?.external_id, clientId);
  assert.equal(replies.length, 1, 'answered once');
  assert.equal(replies[0]?.id, reply.id);

  // The desktop saw the reply's own row grow: partial text before the final one, each a beginning of it.
  const seen = shown(String(reply.row?.reply_to));
  const partial = seen.filter((row) => row.status === 'streaming');
  assert.ok(partial.length >= 2, `partial texts shown: ${partial.length}`);
  for (const row of partial) assert.ok(STORY.startsWith(row.text), row.text);
  assert.ok(partial[0]!.text.length < STORY.length, 'the first text shown is a beginning');
  assert.equal(seen.at(-1)?.text, STORY);

  // The owner's turn: the owner's tools were offered, and Claude was not told it talks with a guest.
  const request = suite.anthropic.requests.at(-1)!;
  const tools = (request.tools ?? []).map((tool) => tool.name);
  assert.ok(tools.includes('send_message'), `owner-only tools offered: ${tools.join(', ')}`);
  assert.doesNotMatch(JSON.stringify(request.system), /guest/);
  const [[left]] = (await sync.query('SELECT count() AS n FROM desktop_inbox GROUP ALL')) as [
    [{ n: number }?],
  ];
  assert.equal(left?.n ?? 0, 0, 'the desktop’s row was taken');
});

test('a crash while the reply is being written: after the restart exactly one reply, and Claude sees no half of it', {
  timeout: 90_000,
}, async () => {
  suite.anthropic.respond = storyResponder;
  suite.anthropic.chunkChars = 4;
  suite.anthropic.streamDelayMs = 60;
  const before = suite.anthropic.requests.length;
  const question = 'One more fox fact please';
  await chat().send(randomUUID(), question);
  const inbound = await eventually(
    () =>
      changes.find(
        (change) => change.table === 'message' && change.action === 'CREATE' && change.row?.text === question,
      ),
    'the question is stored',
  );
  const id = inbound.id;
  const streaming = await eventually(
    () =>
      changes.find(
        (change) =>
          change.row?.reply_to === id &&
          change.row.status === 'streaming' &&
          String(change.row.text).length > 10,
      ),
    'the reply is being written',
  );
  await suite.agent.kill();
  assert.ok(String(streaming.row?.text).length < STORY.length, 'killed in the middle of the reply');
  suite.anthropic.streamDelayMs = 0;
  const epoch = sync.status().epoch;
  await suite.agent.start();
  await eventually(
    () => sync.status().state === 'online' && sync.status().epoch > epoch,
    'the desktop is connected again',
  );

  // Rows written before the desktop re-subscribed come with its next read, as the app re-reads on reconnect.
  let replies: Row[] = [];
  const deadline = Date.now() + 30_000;
  while (replies[0]?.status !== 'sent') {
    assert.ok(Date.now() < deadline, `the reply is sent after the restart: ${JSON.stringify(replies)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    ({ replies } = await messagesOf(question));
  }
  assert.equal(replies.length, 1, 'exactly one reply');
  assert.equal(replies[0]?.text, STORY);
  const [[unfinished]] = (await sync.query(
    "SELECT count() AS n FROM message WHERE status = 'streaming' GROUP ALL",
  )) as [[{ n: number }?]];
  assert.equal(unfinished?.n ?? 0, 0, 'nothing half-written is left');

  // The call after the restart carried the conversation as it was, and nothing of the interrupted reply.
  const retried = suite.anthropic.requests.slice(before).at(-1)!;
  assert.deepEqual(retried.messages, [
    { role: 'user', content: 'Tell me about foxes' },
    { role: 'assistant', content: STORY },
    { role: 'user', content: question },
  ]);
});
