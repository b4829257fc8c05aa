// The owner's chat with MONO and stepping into a conversation, end to end: the real UI in Chromium, MONO's
// services behind the bridge, the real built agent in local mode, the fake Telegram and Anthropic servers.
// The tests run in order on one stack, as a user would.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { isToolResult } from '../agent-core/jobs/harness.ts';
import { echoResponder, lastUserText } from '../fakes/anthropic-types.ts';
import type { TelegramCall } from '../fakes/telegram-types.ts';
import { eventually } from '../helpers/wait.ts';
import { type Stack, screenshot, startStack } from './harness.ts';
import { reachDashboard } from './local-setup.ts';

let stack: Stack;
const GRACE = { chatId: 5551002, userId: 5551002, firstName: 'Grace', lastName: 'Hopper', username: 'grace' };

before(async () => {
  stack = await startStack();
  await reachDashboard(stack);
});
after(async () => {
  await stack?.close();
});

const sent = (text: string, chatId?: number) => (call: TelegramCall) =>
  call.method === 'sendMessage' &&
  call.status === 200 &&
  String(call.params.text) === text &&
  (chatId === undefined || String(call.params.chat_id) === String(chatId));

/** Claude requests whose newest user turn carries `text`. */
function claudeAskedAbout(text: string): number {
  return stack.anthropic.requests.filter((request) =>
    JSON.stringify(request.messages.at(-1)?.content ?? '').includes(text),
  ).length;
}

async function chatHistory() {
  return stack.app.services.handlers['chat.history'](undefined);
}

test("the owner's message is stored once and MONO's reply appears live as it is written", {
  timeout: 90_000,
}, async () => {
  const { page, anthropic } = stack;
  await page.getByRole('link', { name: /Chat with MONO/ }).click();
  await page.getByRole('heading', { name: 'Ask MONO anything' }).waitFor({ timeout: 20_000 });
  // A slow model: the reply streams in small pieces, so it is seen growing in the page.
  anthropic.chunkChars = 4;
  anthropic.streamDelayMs = 120;
  const question =
    'Plan my Saturday: the market in the morning, the lake in the afternoon, friends at night.';
  const reply = `Echo: ${question}`;
  await page.getByLabel('Message to MONO').fill(question);
  await page.keyboard.press('Enter');
  const log = page.getByTestId('chat-log');
  await log.getByText(question, { exact: true }).waitFor();

  // Two moments of the same row while it is written: each a proper start of the reply, the second longer.
  const snapshot = async (longerThan: number) =>
    (await page
      .waitForFunction(
        (min) => {
          const row = document.querySelector('[data-testid="chat-log"] [data-status="streaming"] .msg-text');
          const text = row?.textContent ?? '';
          return text.length > min ? text : false;
        },
        longerThan,
        { timeout: 30_000, polling: 20 },
      )
      .then((handle) => handle.jsonValue())) as string;
  const first = await snapshot(0);
  const second = await snapshot(first.length);
  await screenshot(page, 'chat-streaming');
  for (const partial of [first, second]) {
    assert.ok(
      reply.startsWith(partial) && partial.length < reply.length,
      `"${partial}" is a part of the reply`,
    );
  }
  await log.locator('[data-status="sent"]').getByText(reply, { exact: true }).waitFor({ timeout: 30_000 });
  anthropic.streamDelayMs = 0;

  // One row each, and Claude was asked once.
  const history = await chatHistory();
  assert.equal(history.messages.filter((m) => m.text === question).length, 1);
  assert.equal(history.messages.filter((m) => m.text === reply).length, 1);
  assert.equal(claudeAskedAbout(question), 1);
  assert.equal(await log.getByText(question, { exact: true }).count(), 1, 'shown once, not also as typed');
  await screenshot(page, 'chat');
});

test('the chat survives the agent restarting and the page reloading, and nothing is answered twice', {
  timeout: 90_000,
}, async () => {
  const { page, app } = stack;
  const before = stack.anthropic.requests.length;
  await app.services.agent.stop();
  await page.getByTestId('offline-banner').waitFor({ timeout: 20_000 });
  // Written while the agent is away: not lost, offered again.
  const late = 'Remind me to call the plumber.';
  await page.getByLabel('Message to MONO').fill(late);
  await page.keyboard.press('Enter');
  const log = page.getByTestId('chat-log');
  const again = log.getByRole('button', { name: 'Send again' });
  await again.waitFor({ timeout: 30_000 });
  await app.services.agent.start();
  await page.getByTestId('offline-banner').waitFor({ state: 'detached', timeout: 30_000 });
  await page.reload({ waitUntil: 'domcontentloaded', timeout: 60_000 });
  await page.getByRole('link', { name: /Chat with MONO/ }).click();
  await log.getByText(/^Echo: Plan my Saturday/).waitFor({ timeout: 30_000 });
  // The reload kept the unsent message, offered again.
  await log.getByText(late, { exact: true }).waitFor();
  await log.getByRole('button', { name: 'Send again' }).click();
  await log.getByText(`Echo: ${late}`, { exact: true }).waitFor({ timeout: 30_000 });
  assert.equal(await log.getByText(late, { exact: true }).count(), 1, 'shown once');
  const history = await chatHistory();
  assert.equal(history.messages.filter((m) => m.text === late).length, 1);
  assert.equal(claudeAskedAbout(late), 1);
  assert.equal(claudeAskedAbout('Plan my Saturday'), 1, 'the first message was not answered again');
  assert.equal(stack.anthropic.requests.length, before + 1);
});

test('a message that failed on its way is sent again under the same id and answered once', {
  timeout: 60_000,
}, async () => {
  const { page, app } = stack;
  await app.services.agent.stop();
  await page.getByTestId('offline-banner').waitFor({ timeout: 20_000 });
  const text = 'Book the table for four.';
  await page.getByLabel('Message to MONO').fill(text);
  await page.keyboard.press('Enter');
  const log = page.getByTestId('chat-log');
  const again = log.getByRole('button', { name: 'Send again' });
  await again.waitFor({ timeout: 30_000 });
  await app.services.agent.start();
  await page.getByTestId('offline-banner').waitFor({ state: 'detached', timeout: 30_000 });
  await again.click();
  await again.click({ timeout: 500 }).catch(() => {}); // an impatient second click
  await log.getByText(`Echo: ${text}`, { exact: true }).waitFor({ timeout: 30_000 });
  assert.equal(await log.getByText(text, { exact: true }).count(), 1);
  const history = await chatHistory();
  assert.equal(history.messages.filter((m) => m.text === text).length, 1);
  assert.equal(claudeAskedAbout(text), 1);
});

test('stepping in: the owner writes to a contact through Telegram as themselves and MONO keeps quiet there', {
  timeout: 90_000,
}, async () => {
  const { page, telegram, app } = stack;
  // Grace asks to pair and the owner lets her in; MONO answers her.
  telegram.sendText({ ...GRACE, text: 'hello?' });
  const pairing = await eventually(
    async () => (await app.services.handlers['pairing.list'](undefined)).find((p) => p.status === 'pending'),
    "Grace's pairing request",
    20_000,
  );
  await app.services.handlers['pairing.decide']({ id: pairing.id, decision: 'approved' });
  telegram.sendText({ ...GRACE, text: 'Can we meet this week?' });
  await telegram.waitFor(sent('Echo: Can we meet this week?', GRACE.chatId), { timeoutMs: 30_000 });

  await page.getByRole('link', { name: /^Conversations/ }).click();
  await page.getByTestId('conversation-item').filter({ hasText: 'Grace' }).click();
  const thread = page.getByTestId('thread');
  await thread.getByText('Echo: Can we meet this week?').waitFor({ timeout: 20_000 });
  const bar = page.getByTestId('step-in-bar');
  assert.equal(await bar.count(), 0, 'no bar before the owner wrote');

  const mine = 'Thursday at ten works for me. — Ada';
  await page.getByLabel('Your message to Grace Hopper').fill(mine);
  await page.keyboard.press('Enter');
  await telegram.waitFor(sent(mine, GRACE.chatId), { timeoutMs: 30_000 });
  await bar.waitFor({ timeout: 20_000 });
  assert.match((await bar.textContent()) ?? '', /You are answering — MONO is paused here/);
  const own = thread.locator('[data-role="owner"]').filter({ hasText: mine });
  await own.waitFor();
  assert.match((await own.textContent()) ?? '', /You wrote this/);
  assert.equal(await page.getByLabel('Your message to Grace Hopper').inputValue(), '', 'the box emptied');

  // Grace answers: shown to the owner, left to them — MONO neither asks Claude nor replies.
  const asked = stack.anthropic.requests.length;
  const replies = telegram.calls.filter((call) => call.method === 'sendMessage').length;
  telegram.sendText({ ...GRACE, text: 'Perfect, see you then!' });
  await thread
    .getByTestId('message')
    .filter({ hasText: 'Perfect, see you then!' })
    .filter({ hasText: 'left to you' })
    .waitFor({ timeout: 30_000 });
  await screenshot(page, 'step-in');
  assert.equal(stack.anthropic.requests.length, asked, 'Claude was not asked');
  assert.equal(
    telegram.calls.filter((call) => call.method === 'sendMessage').length,
    replies,
    'nothing sent',
  );

  await bar.getByRole('button', { name: 'Resume' }).click();
  await bar.waitFor({ state: 'detached', timeout: 20_000 });
  telegram.sendText({ ...GRACE, text: 'One more question?' });
  // MONO answers the next message (what Grace said meanwhile is context of that one turn, not a turn of its own).
  const answer = await telegram.waitFor(
    (call) =>
      call.method === 'sendMessage' &&
      String(call.params.chat_id) === String(GRACE.chatId) &&
      String(call.params.text).endsWith('One more question?'),
    { timeoutMs: 30_000 },
  );
  assert.match(String(answer.params.text), /^Echo: /);
  assert.equal(stack.anthropic.requests.length, asked + 1, 'one turn after resuming');
  // The owner's message went out exactly once.
  assert.equal(telegram.calls.filter(sent(mine, GRACE.chatId)).length, 1);
});

test('MONO answers again by itself once the quiet time after the owner wrote has passed', {
  timeout: 90_000,
}, async () => {
  const { page, telegram, app } = stack;
  // The quiet time is chosen where the owner steps in, stored as the agent's setting.
  const quiet = page.getByLabel('Quiet time after you write');
  await quiet.selectOption({ label: '5 minutes' });
  await eventually(
    async () =>
      (await app.services.handlers['setting.list'](undefined)).find(
        (row) => row.key === 'step_in_quiet_seconds',
      )?.value === 300,
    'the quiet time stored',
  );
  // Set elsewhere (here: a few seconds, to wait for it), it shows live.
  await app.services.handlers['setting.set']({ key: 'step_in_quiet_seconds', value: 4 });
  await quiet
    .locator('option:checked', { hasText: '4 seconds' })
    .waitFor({ state: 'attached', timeout: 20_000 });
  const mine = 'I will send the address later.';
  await page.getByLabel('Your message to Grace Hopper').fill(mine);
  await page.getByRole('button', { name: 'Send' }).click();
  await telegram.waitFor(sent(mine, GRACE.chatId), { timeoutMs: 30_000 });
  const bar = page.getByTestId('step-in-bar');
  await bar.waitFor({ timeout: 20_000 });
  // Nobody clicks Resume: the bar goes by itself when the quiet time ends.
  await bar.waitFor({ state: 'detached', timeout: 20_000 });
  telegram.sendText({ ...GRACE, text: 'Got it, thanks' });
  await telegram.waitFor(
    (call) =>
      call.method === 'sendMessage' &&
      String(call.params.chat_id) === String(GRACE.chatId) &&
      /^Echo: .*Got it, thanks$/s.test(String(call.params.text)),
    { timeoutMs: 30_000 },
  );
  assert.equal(telegram.calls.filter(sent(mine, GRACE.chatId)).length, 1);
});

test('what MONO wants confirmed waits in the chat with Yes and No, and Yes does it once', {
  timeout: 60_000,
}, async () => {
  const { page, telegram, anthropic } = stack;
  const note = 'Ada will be ten minutes late.';
  anthropic.respond = (request) => {
    if (isToolResult(request)) return { text: 'I will send it once you say yes.' };
    if (lastUserText(request).includes('Tell Grace'))
      return {
        toolUse: {
          name: 'send_message',
          input: { channel: 'telegram', chat_id: String(GRACE.chatId), text: note },
        },
      };
    return echoResponder(request, { index: 0, headers: {} });
  };
  await page.getByRole('link', { name: /Chat with MONO/ }).click();
  await page.getByLabel('Message to MONO').fill("Tell Grace I'm running late");
  await page.keyboard.press('Enter');
  const card = page.getByTestId('confirmations');
  await card.waitFor({ timeout: 30_000 });
  assert.match(
    (await card.getByTestId('confirmation').textContent()) ?? '',
    /send_message.*Ada will be ten minutes late/s,
  );
  assert.equal(telegram.calls.filter(sent(note, GRACE.chatId)).length, 0, 'nothing sent before yes');
  await screenshot(page, 'chat-confirm');
  const asked = anthropic.requests.length;
  await card.getByRole('button', { name: 'Yes, go ahead' }).click();
  await telegram.waitFor(sent(note, GRACE.chatId), { timeoutMs: 30_000 });
  await card.waitFor({ state: 'detached', timeout: 20_000 });
  await page
    .getByTestId('chat-log')
    .getByText(/^Done: Send on telegram/)
    .waitFor({ timeout: 20_000 });
  assert.equal(telegram.calls.filter(sent(note, GRACE.chatId)).length, 1);
  assert.equal(anthropic.requests.length, asked, 'the yes is handled by MONO itself, not by Claude');
  anthropic.respond = echoResponder;
});
