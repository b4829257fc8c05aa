// The owner answering a contact themselves, against the built agent: the desktop's own code stores the owner's
// message, the agent sends it once through (fake) Telegram, and stays quiet in that conversation — the contact's
// messages are stored and left to the owner — until the owner resumes it or the quiet time is over. Claude then
// sees what the owner wrote, marked as the owner's.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { Secret } from '../../../agent-core/config/secret.ts';
import { STEP_IN_QUIET_SETTING } from '../../../agent-core/contract/desktop-chat.ts';
import { OWNER_WROTE } from '../../../agent-core/store/messages.ts';
import { createChatData } from '../../../src-main/services/chat-data.ts';
import { createSync, recordId, type Sync } from '../../../src-main/services/sync.ts';
import { AgentWithFakes } from '../../helpers/agent-with-fakes.ts';

const HUB = { MONO_DB_USER: 'desktop', MONO_DB_PASS: 'a-long-hub-password-for-tests' };
// Everyone may talk (a guest), the owner is someone else.
const suite = new AgentWithFakes({
  MONO_HUB_LISTEN: '127.0.0.1:0',
  MONO_ALLOW_TELEGRAM: '*',
  MONO_OWNER_CHAT: 'telegram:1001',
  ...HUB,
});
const GUEST = { chatId: 2002, userId: 2002, firstName: 'Grace' };
const CONVERSATION = 'conversation:⟨telegram:2002⟩';
let sync: Sync;
const chat = () => createChatData(sync);

before(async () => {
  await suite.start();
  sync = createSync({
    target: async () => ({
      url: suite.agent.hubAddress!,
      username: HUB.MONO_DB_USER,
      password: new Secret(HUB.MONO_DB_PASS),
    }),
    websocketImpl: WebSocket,
    tables: [],
    onChange: () => {},
    onStatus: () => {},
  });
  sync.start();
  const deadline = Date.now() + 20_000;
  while (sync.status().state !== 'online') {
    assert.ok(Date.now() < deadline, 'the desktop connects');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
});
after(async () => {
  await sync?.stop();
  await suite.close();
});

interface Row {
  text: string;
  status: string;
  role: string;
  answered_by?: string;
}

async function inbound(text: string): Promise<Row | undefined> {
  const [[row]] = (await sync.query(
    "SELECT * FROM message WHERE conversation = $c AND direction = 'in' AND text = $text",
    { c: recordId(CONVERSATION), text },
  )) as [[Row?]];
  return row;
}

/** Waits until the contact's message is settled (answered by MONO or left to the owner). */
async function settled(text: string): Promise<Row> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const row = await inbound(text);
    if (row && row.status !== 'received' && row.status !== 'processing') return row;
    assert.ok(Date.now() < deadline, `"${text}" is settled: ${JSON.stringify(row)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const sentTo = (chatId: number, text?: string) =>
  suite.telegram.sent.filter((m) => String(m.chat_id) === String(chatId) && (!text || m.text === text));

test('the contact is answered until the owner steps in; then their words go out once and MONO keeps quiet', {
  timeout: 60_000,
}, async () => {
  const { telegram, anthropic } = suite;
  telegram.sendText({ ...GUEST, text: 'Hi, is Ada around?' });
  await telegram.waitFor(
    (call) => call.method === 'sendMessage' && call.params.text === 'Echo: Hi, is Ada around?',
    {
      timeoutMs: 20_000,
    },
  );

  const clientId = randomUUID();
  const words = 'Hi Grace, it is Ada herself — I will take it from here.';
  await chat().stepIn(CONVERSATION, clientId, words);
  // Sent again (the desktop never got the answer): still once.
  await chat().stepIn(CONVERSATION, clientId, words);
  await telegram.waitFor((call) => call.method === 'sendMessage' && call.params.text === words, {
    timeoutMs: 20_000,
  });

  const calls = anthropic.requests.length;
  telegram.sendText({ ...GUEST, text: 'Oh great, are you free at five?' });
  const left = await settled('Oh great, are you free at five?');
  assert.deepEqual([left.status, left.answered_by], ['answered', 'owner']);
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.equal(anthropic.requests.length, calls, 'Claude was not asked');
  assert.equal(sentTo(GUEST.chatId, words).length, 1, 'the owner’s words went out once');
  assert.deepEqual(
    sentTo(GUEST.chatId).map((m) => m.text),
    ['Echo: Hi, is Ada around?', words],
    'nothing from MONO while the owner answers',
  );
  const [[mine]] = (await sync.query("SELECT * FROM message WHERE role = 'owner'")) as [
    [Row & { external_id?: string }],
  ];
  assert.equal(mine.status, 'sent');
  assert.ok(mine.external_id, 'marked with Telegram’s id for it');
});

test('resumed by the owner: MONO answers the next message, knowing what the owner said; what came meanwhile stays theirs', {
  timeout: 60_000,
}, async () => {
  const { telegram, anthropic } = suite;
  await chat().resume(CONVERSATION);
  const sentBefore = sentTo(GUEST.chatId).length;
  telegram.sendText({ ...GUEST, text: 'Thanks! One more thing' });
  await telegram.waitFor(
    (call) => call.method === 'sendMessage' && String(call.params.text).endsWith('Thanks! One more thing'),
    {
      timeoutMs: 20_000,
    },
  );
  const request = anthropic.requests.at(-1)!;
  const history = JSON.stringify(request.messages);
  assert.ok(
    history.includes(`${OWNER_WROTE} Hi Grace, it is Ada herself`),
    `the owner's words are in the history, marked: ${history}`,
  );
  assert.ok(history.includes('Oh great, are you free at five?'), 'and what the contact said meanwhile');
  const earlier = await inbound('Oh great, are you free at five?');
  assert.equal(earlier?.answered_by, 'owner', 'not answered after the resume either');
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.equal(sentTo(GUEST.chatId).length, sentBefore + 1, 'one answer, to the new message');
});

test('after the quiet time MONO answers again by itself', { timeout: 60_000 }, async () => {
  const { telegram } = suite;
  await sync.query(
    'UPSERT type::record("setting", $key) SET key = $key, value = 2, updated_at = time::now()',
    { key: STEP_IN_QUIET_SETTING },
  );
  const [[conversation]] = (await sync.query('SELECT owner_until FROM $c', {
    c: recordId(CONVERSATION),
  })) as [[{ owner_until?: string }]];
  assert.equal(conversation.owner_until, undefined, 'resumed above');
  await chat().stepIn(CONVERSATION, randomUUID(), 'Back in a sec');
  telegram.sendText({ ...GUEST, text: 'ok' });
  assert.equal((await settled('ok')).answered_by, 'owner');
  await new Promise((resolve) => setTimeout(resolve, 2500));
  telegram.sendText({ ...GUEST, text: 'still there?' });
  await telegram.waitFor(
    (call) => call.method === 'sendMessage' && String(call.params.text).endsWith('still there?'),
    {
      timeoutMs: 20_000,
    },
  );
  assert.equal((await settled('still there?')).answered_by, undefined);
});
