// The first hour with MONO, in Chromium against the real local agent: settings that cannot break it, health that
// tells the truth (credentials rejected, not responding), routes in the URL, shortcuts, search over message text,
// a past one-off refused, the CLI reaching the desktop's agent. One stack, in order, as a user would.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { trayInputOf, trayState } from '../../src-main/services/attention.ts';
import { FAKE_ANTHROPIC_KEY } from '../fakes/anthropic-server.ts';
import { FAKE_TELEGRAM_TOKEN } from '../fakes/telegram-server.ts';
import { type Stack, screenshot, startStack } from './harness.ts';
import { completeSetup } from './setup.ts';

const MONO = fileURLToPath(new URL('../../src-main/cli/bin.js', import.meta.url));
// The Telegram user the tests write as (the harness names them the owner).
const ADA = { chatId: 5551001, userId: 5551001, firstName: 'Ada', lastName: 'Lovelace' };
const UNKNOWN_TOKEN = '7000000099:AAUnknownTokenUnknownTokenUnknown00';
const NEW_TOKEN = '7000000123:AANewTokenFromBotFatherNewToken0000';
const NEW_KEY = 'sk-ant-rotated-11111111111111111111111111';

let stack: Stack;

before(async () => {
  stack = await startStack();
  await completeSetup(stack.app);
  await stack.page
    .getByTestId('agent-state')
    .filter({ hasText: 'Agent online' })
    .waitFor({ timeout: 30_000 });
});
after(async () => {
  await stack?.close();
});

function agentPid(): number | undefined {
  return stack.app.services.agent.status().pid;
}

/** The tray as the desktop would show it now. */
function tray() {
  return trayState(trayInputOf(stack.app.services, { updating: false, pendingPairings: 0 }));
}

/** Ada can talk to the agent: she is its owner, or (when nobody is) a guest approved through pairing. */
async function canTalk(): Promise<void> {
  const { telegram, anthropic, app } = stack;
  await until(() => app.services.sync.status().state === 'online', 'connected to the agent');
  const before = anthropic.requests.length;
  telegram.sendText({ ...ADA, text: 'hello' });
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (anthropic.requests.length > before) return;
    const pending = (await app.services.handlers['pairing.list'](undefined)).find(
      (p) => p.status === 'pending' && p.external_id === String(ADA.userId),
    );
    if (pending) {
      await app.services.handlers['pairing.decide']({ id: pending.id, decision: 'approved' });
      return;
    }
    assert.ok(Date.now() < deadline, 'Ada got neither an answer nor a pairing code');
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function until(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    assert.ok(Date.now() < deadline, `timed out waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('a malformed and a rejected bot token are refused in Integrations and never reach the agent', {
  timeout: 60_000,
}, async () => {
  const { page } = stack;
  const pid = agentPid();
  await page.getByRole('link', { name: /Integrations/ }).click();
  const token = page.getByLabel('New bot token');
  const telegramCard = page.locator('.card').filter({ has: page.getByRole('heading', { name: 'Telegram' }) });
  await token.fill('hello');
  await telegramCard.getByRole('button', { name: 'Test and save' }).click();
  await telegramCard.getByRole('alert').filter({ hasText: 'A bot token looks like 123456789:AA…' }).waitFor();
  const text = (await telegramCard.textContent()) ?? '';
  assert.doesNotMatch(text, /\(token\)|\(value\)/, 'no internal field names');

  await token.fill(UNKNOWN_TOKEN);
  await telegramCard.getByRole('button', { name: 'Test and save' }).click();
  await telegramCard.getByRole('alert').filter({ hasText: 'Telegram does not know this token' }).waitFor();
  await screenshot(page, 'integrations-token-refused');
  assert.equal(agentPid(), pid, 'the agent was never restarted');
  assert.equal(stack.app.services.vault.get('telegram_bot_token')?.reveal(), FAKE_TELEGRAM_TOKEN);
  assert.equal(await telegramCard.getByTestId('state-telegram').textContent(), 'Connected');
});

test('a token Telegram stops accepting shows "credentials rejected" everywhere, and a new one fixes it', {
  timeout: 90_000,
}, async () => {
  const { page, telegram } = stack;
  // BotFather revoked the token; the agent finds out at its next start.
  telegram.tokens.delete(FAKE_TELEGRAM_TOKEN);
  await stack.app.services.handlers['server.restart'](undefined);
  const card = page.locator('.card').filter({ has: page.getByRole('heading', { name: 'Telegram' }) });
  await card
    .getByTestId('state-telegram')
    .filter({ hasText: 'Credentials rejected' })
    .waitFor({ timeout: 30_000 });
  await card.getByText('Paste a new token from @BotFather in Integrations → Telegram.').waitFor();
  await page.getByTestId('problem-telegram').waitFor();
  await screenshot(page, 'integrations-telegram-rejected');
  assert.equal(tray().state, 'attention');
  assert.match(tray().tooltip, /Telegram rejected MONO's credentials/);
  // The agent itself says so: /healthz is degraded with the reason, and it keeps running.
  const status = await stack.app.services.handlers['server.status'](undefined);
  assert.equal(status.health, 'degraded');
  assert.match(status.reason ?? '', /telegram: credentials rejected/);
  await page.getByRole('link', { name: /Server/ }).click();
  await page.getByTestId('channel-telegram').filter({ hasText: 'Credentials rejected' }).waitFor();
  await page.getByTestId('server-status').filter({ hasText: 'Degraded' }).waitFor({ timeout: 15_000 });
  await screenshot(page, 'server-telegram-rejected');

  telegram.tokens.add(NEW_TOKEN);
  await page.getByRole('link', { name: /Integrations/ }).click();
  await page.getByLabel('New bot token').fill(NEW_TOKEN);
  await card.getByRole('button', { name: 'Test and save' }).click();
  await card
    .getByText('Telegram accepted it. Saved — your agent restarted with it.')
    .waitFor({ timeout: 30_000 });
  await card.getByTestId('state-telegram').filter({ hasText: 'Connected' }).waitFor({ timeout: 30_000 });
  await page.getByTestId('health-banner').waitFor({ state: 'detached' });
  await until(() => tray().state === 'online', `tray online (${JSON.stringify(tray())})`);
});

test('a Claude key that stops working shows "credentials rejected"; a new key is tried before it is saved', {
  timeout: 90_000,
}, async () => {
  const { page, anthropic } = stack;
  anthropic.apiKey = NEW_KEY; // the old key was revoked in the console
  await stack.app.services.handlers['server.restart'](undefined);
  const card = page.locator('.card').filter({ has: page.getByRole('heading', { name: 'Claude' }) });
  await card
    .getByTestId('state-claude')
    .filter({ hasText: 'Credentials rejected' })
    .waitFor({ timeout: 30_000 });
  await page.getByTestId('problem-claude').filter({ hasText: 'Claude rejected the API key' }).waitFor();
  await screenshot(page, 'integrations-claude-rejected');

  await page.getByLabel('New API key').fill('sk-ant-mistyped-00000000000000000000000');
  await card.getByRole('button', { name: 'Test and save' }).click();
  await card.getByRole('alert').filter({ hasText: 'Claude did not accept this key' }).waitFor();
  assert.equal(stack.app.services.vault.get('anthropic_api_key')?.reveal(), FAKE_ANTHROPIC_KEY);

  await page.getByLabel('New API key').fill(NEW_KEY);
  await card.getByRole('button', { name: 'Test and save' }).click();
  await card.getByTestId('state-claude').filter({ hasText: 'Connected' }).waitFor({ timeout: 30_000 });
  await page.getByTestId('health-banner').waitFor({ state: 'detached' });
});

test('the Claude model is chosen in Integrations and the agent answers with it', {
  timeout: 60_000,
}, async () => {
  const { page, telegram, anthropic } = stack;
  const card = page.locator('.card').filter({ has: page.getByRole('heading', { name: 'Claude' }) });
  await card.getByLabel('Model').selectOption('claude-haiku-5-5');
  await card.getByRole('button', { name: 'Use this model' }).click();
  await card.getByText('Your agent uses it now.').waitFor({ timeout: 30_000 });
  await screenshot(page, 'integrations-claude-model');
  await canTalk();
  const start = anthropic.requests.length;
  telegram.sendText({ ...ADA, text: 'and now?' });
  await until(() => anthropic.requests.slice(start).some((r) => r.model === 'claude-haiku-5-5'), 'haiku');
});

test('a frozen agent shows "not responding" within seconds, apart from "offline", and recovers', {
  timeout: 60_000,
}, async () => {
  const { page } = stack;
  await page.getByRole('link', { name: /Conversations/ }).click();
  const pid = agentPid();
  assert.ok(pid);
  const stoppedAt = Date.now();
  process.kill(pid, 'SIGSTOP');
  try {
    await page.getByTestId('unresponsive-banner').waitFor({ timeout: 15_000 });
    const seconds = (Date.now() - stoppedAt) / 1000;
    assert.ok(seconds < 12, `noticed after ${seconds} s`);
    await page.getByTestId('agent-state').filter({ hasText: 'Not responding' }).waitFor();
    assert.equal(tray().state, 'unresponsive');
    assert.equal(tray().tooltip, 'MONO — your agent is not responding');
    assert.equal(
      await page.getByTestId('offline-banner').count(),
      0,
      'not "offline": the connection is there',
    );
    await screenshot(page, 'agent-not-responding');
  } finally {
    process.kill(pid, 'SIGCONT');
  }
  await page.getByTestId('unresponsive-banner').waitFor({ state: 'detached', timeout: 15_000 });
  await page.getByTestId('agent-state').filter({ hasText: 'Agent online' }).waitFor();
  assert.equal(agentPid(), pid, 'the same agent carried on: nothing was restarted or lost');
});

test('screens live in the URL: links, Back, Reload and a bookmark land on the same screen', {
  timeout: 60_000,
}, async () => {
  const { page, app } = stack;
  await page.getByRole('link', { name: /Jobs/ }).click();
  assert.match(page.url(), /\/jobs$/);
  await page.getByRole('link', { name: /Server/ }).click();
  await page.getByRole('heading', { name: 'Server', exact: true }).waitFor();
  await page.goBack();
  await page.getByRole('heading', { name: 'Jobs', exact: true }).waitFor();
  await page.reload();
  await page.getByRole('heading', { name: 'Jobs', exact: true }).waitFor();
  // A bookmark (in this tab, which holds the launch key) straight to a screen.
  await page.goto(`${app.bridge.url}usage`);
  await page.getByRole('heading', { name: 'Usage', exact: true }).waitFor();
  // An open conversation is part of the address too.
  await page.getByRole('link', { name: /Conversations/ }).click();
  await page.getByTestId('conversation-item').first().click();
  assert.match(page.url(), /\/conversations\?c=conversation/);
  await page.reload();
  await page.getByTestId('thread').getByText('and now?', { exact: true }).waitFor({ timeout: 15_000 });
});

test('keyboard shortcuts: a screen by number, search with /, the list with ?', {
  timeout: 30_000,
}, async () => {
  const { page } = stack;
  await page.locator('body').click({ position: { x: 600, y: 400 } });
  await page.keyboard.press('Alt+7');
  await page.getByRole('heading', { name: 'Server', exact: true }).waitFor();
  await page.keyboard.press('Alt+3');
  await page.getByRole('heading', { name: 'Contacts & access', exact: true }).waitFor();
  await page.keyboard.press('/');
  await page.getByLabel('Search conversations').waitFor();
  assert.equal(
    await page.evaluate(() => document.activeElement?.getAttribute('aria-label')),
    'Search conversations',
  );
  await page.keyboard.press('Escape');
  await page.keyboard.press('?');
  const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await dialog.waitFor();
  await screenshot(page, 'keyboard-shortcuts');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
});

test('search finds a conversation by what was said in it, not only by its name', {
  timeout: 60_000,
}, async () => {
  const { page, telegram } = stack;
  telegram.sendText({ ...ADA, text: 'Remember the lighthouse on Hiddensee?' });
  // Exact: the agent's echo of it ("Echo: Remember …") may already be in the thread too.
  await page
    .getByTestId('thread')
    .getByText('Remember the lighthouse on Hiddensee?', { exact: true })
    .waitFor({ timeout: 20_000 });
  await page.getByLabel('Search conversations').fill('LIGHTHOUSE');
  const hit = page.getByTestId('search-hit');
  await hit.waitFor({ timeout: 10_000 });
  assert.match((await hit.textContent()) ?? '', /lighthouse on Hiddensee/);
  await screenshot(page, 'search-message-text');
  await page.getByLabel('Search conversations').fill('no such words anywhere');
  await page.getByRole('heading', { name: 'No matches' }).waitFor();
  await page.getByLabel('Search conversations').fill('');
});

test('a one-off job dated in the past is refused in the form, and by the desktop if sent anyway', {
  timeout: 60_000,
}, async () => {
  const { page, app } = stack;
  await page.getByRole('link', { name: /Jobs/ }).click();
  await page
    .getByRole('button', { name: /New job|Create your first job/ })
    .first()
    .click();
  await page.getByLabel('Name').fill('Old news');
  await page.getByLabel('What should your agent do?').fill('Tell me what happened.');
  await page.getByLabel('When').selectOption('once');
  await page.getByLabel('Date and time').fill('2020-01-01T09:00');
  await page.getByRole('alert').filter({ hasText: 'This date and time has passed' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Create job' }).isDisabled(), true);
  await screenshot(page, 'job-past-date-refused');
  const [conversation] = await app.services.handlers['conversation.list'](undefined);
  await assert.rejects(
    app.services.handlers['job.create']({
      name: 'Old news',
      prompt: 'x',
      runAt: '2020-01-01T09:00:00Z',
      timezone: 'UTC',
      conversation: conversation!.id,
    }),
    /This date and time has passed/,
  );
  assert.equal((await app.services.handlers['job.list'](undefined)).length, 0);
  await page.getByRole('button', { name: 'Cancel' }).click();
});

test('someone waiting for approval is "Waiting for approval", and `mono pairing list` reaches this agent', {
  timeout: 60_000,
}, async () => {
  const { page, telegram } = stack;
  telegram.sendText({ chatId: 7707, userId: 7707, firstName: 'Grace', text: 'hi there' });
  await page.getByRole('link', { name: /Contacts & access/ }).click();
  const request = page.getByTestId('pairing-request');
  await request.waitFor({ timeout: 20_000 });
  const grace = page.locator('.row-item').filter({ hasText: 'Grace' }).getByTestId('contact-access');
  await grace.filter({ hasText: 'Waiting for approval' }).waitFor();
  const code = (await request.locator('.pair-code').textContent())?.trim();
  // The CLI finds the desktop's own agent (no flags, no environment of its own).
  const listed = spawnSync(process.execPath, [MONO, 'pairing', 'list'], {
    encoding: 'utf8',
    timeout: 30_000,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      MONO_DESKTOP_AGENT_FILE: process.env.MONO_DESKTOP_AGENT_FILE ?? '',
    },
  });
  assert.equal(listed.status, 0, `${listed.stdout}${listed.stderr}`);
  assert.match(listed.stdout, new RegExp(`${code}\\s+pending\\s+telegram\\s+Grace`));
  await request.getByRole('button', { name: 'Deny' }).click();
  await grace.filter({ hasText: 'Blocked' }).waitFor();
});

test('where the data is: the folder and its size on the Server screen', { timeout: 30_000 }, async () => {
  const { page, dataDir } = stack;
  await page.getByRole('link', { name: /Server/ }).click();
  const path = page.getByTestId('data-path');
  await path.waitFor({ timeout: 15_000 });
  assert.equal(await path.textContent(), `${dataDir}/agent`);
  await page.getByText(/On this computer · \d+(\.\d)? (KB|MB)/).waitFor();
  await screenshot(page, 'server-data-folder');
});

test('the setup can be opened again from Server, keeps what was set, and closes without changes', {
  timeout: 30_000,
}, async () => {
  const { page } = stack;
  const pid = agentPid();
  await page.getByRole('button', { name: 'Open setup' }).click();
  await page.getByRole('heading', { name: 'Connect Claude' }).waitFor();
  await page.getByRole('button', { name: /Telegram/ }).click();
  await page.getByTestId('telegram-ok').waitFor();
  await screenshot(page, 'wizard-reopened');
  await page.getByRole('button', { name: 'Back to the dashboard' }).click();
  await page.getByRole('heading', { name: 'Server', exact: true }).waitFor();
  assert.equal(agentPid(), pid, 'closing the setup changed nothing');
});

test('WhatsApp linking can be cancelled, and every screen then agrees it is off', {
  timeout: 90_000,
}, async () => {
  const { page, app } = stack;
  await page.getByRole('link', { name: /Integrations/ }).click();
  const card = page.locator('.card').filter({ has: page.getByRole('heading', { name: 'WhatsApp' }) });
  await card.getByRole('button', { name: 'Link my WhatsApp' }).click();
  // The agent restarts with a linked device; without WhatsApp's servers it never gets as far as a code.
  const cancel = card.getByRole('button', { name: 'Cancel linking' });
  await cancel.waitFor({ timeout: 30_000 });
  await screenshot(page, 'whatsapp-linking');
  await until(() => app.services.sync.status().state === 'online', 'connected after the restart', 30_000);
  await cancel.click();
  await card.getByTestId('state-whatsapp').filter({ hasText: 'Not set up' }).waitFor({ timeout: 30_000 });
  await card.getByRole('button', { name: 'Link my WhatsApp' }).waitFor();
  assert.equal(app.services.appState().wizard.whatsapp?.mode, 'skip');
  await until(() => app.services.sync.status().state === 'online', 'connected after the restart', 30_000);
  assert.equal(await app.services.handlers['whatsapp.link'](undefined), null, 'no link state lingers');
  await page.getByRole('link', { name: /Server/ }).click();
  await page.getByTestId('channel-telegram').waitFor({ timeout: 15_000 });
  assert.equal(await page.getByTestId('channel-whatsapp').count(), 0);
});

test('at 800×600 in a dark system theme, the dashboard fits and follows the theme', {
  timeout: 60_000,
}, async () => {
  const { page } = stack;
  await page.setViewportSize({ width: 800, height: 600 });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.getByRole('link', { name: /Conversations/ }).click();
  await page.getByTestId('conversation-item').first().click();
  const background = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
  assert.equal(background, 'rgb(14, 17, 22)');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  assert.equal(overflow, false, 'nothing runs off the side');
  await screenshot(page, 'dark-800x600');
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 1280, height: 800 });
});
