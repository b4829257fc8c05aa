// Claiming ownership as a new user does, in Chromium against the real local agent nobody owns yet: the wizard's
// one-time code (text, t.me link, QR), "no owner" on every screen and in the tray until it is used, the owner then
// getting tools and answered commands, a guest staying a guest, another account added, and ownership handed over.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { trayInputOf, trayState } from '../../src-main/services/attention.ts';
import { FAKE_TELEGRAM_TOKEN, type TelegramCall } from '../fakes/telegram-server.ts';
import { type Stack, screenshot, startStack } from './harness.ts';
import { completeSetup } from './setup.ts';

const ADA = { chatId: 8801, userId: 8801, firstName: 'Ada', lastName: 'Lovelace' };
const ADA_PHONE_2 = { chatId: 8802, userId: 8802, firstName: 'Ada', lastName: '(work phone)' };
const GRACE = { chatId: 8803, userId: 8803, firstName: 'Grace', lastName: 'Hopper' };
const OWNER_TOOLS = ['remember', 'create_job', 'send_message'];

let stack: Stack;

before(async () => {
  stack = await startStack({ owner: false });
  await completeSetup(stack.app, 60_000, { finish: false });
});
after(async () => {
  await stack?.close();
});

function sentTo(chatId: number, text: RegExp) {
  return (call: TelegramCall) =>
    call.method === 'sendMessage' &&
    String(call.params.chat_id) === String(chatId) &&
    text.test(String(call.params.text));
}

/** The tray as the desktop would show it now. */
function tray() {
  return trayState(trayInputOf(stack.app.services, { updating: false, pendingPairings: 0 }));
}

/** The tools Claude was offered in the newest request for this text. */
async function toolsOffered(text: string): Promise<string[]> {
  const { anthropic } = stack;
  // Generous: beside the rest of the suite on two cores, pairing, approval and the turn take their time.
  const deadline = Date.now() + 45_000;
  for (;;) {
    const request = anthropic.requests.findLast((r) => JSON.stringify(r.messages).includes(text));
    if (request) return (request.tools ?? []).map((tool) => (tool as unknown as { name: string }).name);
    assert.ok(Date.now() < deadline, `no Claude call for "${text}"`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('the wizard ends with a one-time code, as text, as a t.me link and as a QR', {
  timeout: 60_000,
}, async () => {
  const { page, telegram } = stack;
  await page.getByRole('heading', { name: 'Your agent is alive' }).waitFor({ timeout: 30_000 });
  const code = (await page.getByTestId('claim-code').textContent())?.trim() ?? '';
  assert.match(code, /^MONO-[A-Z2-9]{5}-[A-Z2-9]{5}$/);
  const bot = telegram.botFor(FAKE_TELEGRAM_TOKEN);
  assert.equal(
    await page.getByTestId('claim-link').getAttribute('href'),
    `https://t.me/${bot.username}?start=${code}`,
  );
  await page.getByRole('img', { name: 'QR code that opens your bot with the code' }).waitFor();
  await screenshot(page, 'wizard-claim-code');
  // Only the code's hash is stored.
  const claims = await stack.app.services.sync.query<{ code_hash: string }>('SELECT * FROM owner_claim');
  assert.ok(
    !JSON.stringify(claims).includes(code.replace(/-/g, '')) && !JSON.stringify(claims).includes(code),
  );
});

test('until someone owns it: "not set up yet" for whoever writes, "no owner" on every screen and in the tray', {
  timeout: 60_000,
}, async () => {
  const { page, telegram, anthropic } = stack;
  const before = anthropic.requests.length;
  telegram.sendText({ ...GRACE, text: 'hello?' });
  await telegram.waitFor(sentTo(GRACE.chatId, /isn't set up yet/), { timeoutMs: 20_000 });
  assert.equal(anthropic.requests.length, before, 'nobody reaches Claude before the agent has an owner');
  await page.getByRole('button', { name: 'Open the dashboard' }).click();
  const banner = page.getByTestId('problem-owner');
  await banner.filter({ hasText: 'Your agent has no owner yet' }).waitFor({ timeout: 15_000 });
  await screenshot(page, 'ownerless-banner');
  for (const screen of ['Jobs', 'Server', 'Integrations']) {
    await page.getByRole('link', { name: new RegExp(screen) }).click();
    await banner.waitFor();
  }
  assert.equal(tray().state, 'attention');
  assert.match(tray().tooltip, /Your agent has no owner yet/);
});

test('the code sent from the phone makes its sender the owner: tools, memory, /status answered by MONO', {
  timeout: 90_000,
}, async () => {
  const { page, telegram, anthropic } = stack;
  await page.getByTestId('problem-owner').getByRole('button', { name: 'Claim it' }).click();
  await page.getByRole('heading', { name: 'Contacts & access', exact: true }).waitFor();
  const code = (await page.getByTestId('claim-code').textContent())?.trim() ?? '';
  // What Telegram sends when the owner opens the t.me link and taps Start.
  telegram.sendText({ ...ADA, text: `/start ${code}` });
  await telegram.waitFor(sentTo(ADA.chatId, /you are my owner now/), { timeoutMs: 20_000 });
  const list = page.getByTestId('owner-list');
  await list.getByText('Ada Lovelace').waitFor({ timeout: 15_000 });
  await page.getByTestId('problem-owner').waitFor({ state: 'detached', timeout: 15_000 });
  await screenshot(page, 'contacts-owner');
  // Among who may talk, the owner is shown as the owner and always allowed (no switch to block them here).
  const row = page
    .locator('.row-item')
    .filter({ has: page.getByRole('switch', { name: 'Allow Ada Lovelace' }) });
  assert.equal(await row.getByTestId('contact-access').textContent(), 'Owner');
  const allow = row.getByRole('switch');
  assert.equal(await allow.getAttribute('aria-checked'), 'true');
  assert.equal(await allow.isDisabled(), true);
  assert.equal(tray().state, 'online');

  const before = anthropic.requests.length;
  telegram.sendText({ ...ADA, text: '/status' });
  await telegram.waitFor(sentTo(ADA.chatId, /^MONO [\d.]+[\s\S]*Channels:[^\n]*telegram: polling/), {
    timeoutMs: 20_000,
  });
  assert.equal(anthropic.requests.length, before, '/status is answered by MONO itself, not sent to Claude');

  telegram.sendText({ ...ADA, text: 'Remember that I like tea.' });
  const tools = await toolsOffered('Remember that I like tea.');
  for (const tool of OWNER_TOOLS) assert.ok(tools.includes(tool), `the owner is offered ${tool}: ${tools}`);
});

test('a guest stays a guest: paired and approved, answered, but never offered the owner’s tools', {
  timeout: 90_000,
}, async () => {
  const { page, telegram } = stack;
  telegram.sendText({ ...GRACE, text: 'may I talk to you now?' });
  const request = page.getByTestId('pairing-request');
  await request.waitFor({ timeout: 20_000 });
  await request.getByRole('button', { name: 'Approve' }).click();
  await telegram.waitFor(sentTo(GRACE.chatId, /you're approved/), { timeoutMs: 20_000 });
  telegram.sendText({ ...GRACE, text: 'Remember that the owner owes me money.' });
  const tools = await toolsOffered('Remember that the owner owes me money.');
  for (const tool of OWNER_TOOLS) assert.ok(!tools.includes(tool), `a guest is never offered ${tool}`);
  await telegram.waitFor(sentTo(GRACE.chatId, /owes me money/), { timeoutMs: 20_000 });
  const grace = page.locator('.row-item').filter({ hasText: 'Grace' }).getByTestId('contact-access');
  assert.equal(await grace.textContent(), 'Allowed');
});

test('the owner adds another of their accounts with a code', { timeout: 60_000 }, async () => {
  const { page, telegram } = stack;
  await page.getByRole('button', { name: 'Add another of my accounts' }).click();
  const code = (await page.getByTestId('claim-code').textContent())?.trim() ?? '';
  telegram.sendText({ ...ADA_PHONE_2, text: code.toLowerCase() });
  await telegram.waitFor(sentTo(ADA_PHONE_2.chatId, /you are my owner now/), { timeoutMs: 20_000 });
  const list = page.getByTestId('owner-list');
  await list.getByText('Ada (work phone)').waitFor({ timeout: 15_000 });
  assert.equal(await list.locator('li').count(), 2);
  // A used code does not work twice.
  telegram.sendText({ ...GRACE, text: code });
  await telegram.waitFor(sentTo(GRACE.chatId, /That code was used already/), { timeoutMs: 20_000 });
  assert.equal((await stack.app.services.handlers['owner.list'](undefined)).length, 2);
});

test('removing one of the owner’s accounts asks first; that account is then a stranger', {
  timeout: 60_000,
}, async () => {
  const { page, telegram } = stack;
  const list = page.getByTestId('owner-list');
  const phone = list.locator('li').filter({ hasText: 'Ada (work phone)' });
  await phone.getByRole('button', { name: 'Remove' }).click();
  const dialog = page.getByRole('alertdialog', { name: 'Remove this owner account?' });
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  assert.equal(
    (await stack.app.services.handlers['owner.list'](undefined)).length,
    2,
    'cancelled: still two',
  );
  await phone.getByRole('button', { name: 'Remove' }).click();
  await dialog.getByRole('button', { name: 'Remove' }).click();
  await phone.waitFor({ state: 'detached', timeout: 15_000 });
  assert.deepEqual(
    (await stack.app.services.handlers['owner.list'](undefined)).map((o) => o.external_id),
    [String(ADA.userId)],
  );
  // The last owner account cannot be removed here (only handed over): its row offers no Remove.
  assert.equal(await list.getByRole('button', { name: 'Remove' }).count(), 0);
  telegram.sendText({ ...ADA_PHONE_2, text: '/status' });
  await telegram.waitFor(sentTo(ADA_PHONE_2.chatId, /pairing code/), { timeoutMs: 20_000 });
});

test('handing ownership over asks first; the new owner is then the only one', {
  timeout: 60_000,
}, async () => {
  const { page, telegram } = stack;
  await page.getByRole('button', { name: 'Hand ownership over…' }).click();
  const dialog = page.getByRole('alertdialog', { name: 'Hand ownership over?' });
  await dialog.waitFor();
  await screenshot(page, 'owner-handover-confirm');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  assert.equal(await page.getByTestId('claim-code').count(), 0, 'cancelled: no code was made');
  await page.getByRole('button', { name: 'Hand ownership over…' }).click();
  await dialog.getByRole('button', { name: 'Make a hand-over code' }).click();
  const code = (await page.getByTestId('claim-code').textContent())?.trim() ?? '';
  telegram.sendText({ ...GRACE, text: code });
  await telegram.waitFor(sentTo(GRACE.chatId, /you are my owner now/), { timeoutMs: 20_000 });
  const list = page.getByTestId('owner-list');
  await list.getByText('Grace Hopper').waitFor({ timeout: 15_000 });
  await list.getByText('Ada Lovelace').waitFor({ state: 'detached', timeout: 15_000 });
  const owners = await stack.app.services.handlers['owner.list'](undefined);
  assert.deepEqual(
    owners.map((o) => o.external_id),
    [String(GRACE.userId)],
  );
  await screenshot(page, 'owner-handed-over');
  // Ada is not an owner any more: a stranger again, who gets a pairing code like anyone.
  telegram.sendText({ ...ADA, text: '/status' });
  await telegram.waitFor(sentTo(ADA.chatId, /pairing code/), { timeoutMs: 20_000 });
});
