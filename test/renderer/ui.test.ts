// The UI alone, against a scripted backend over the real bridge: a 10,000-message thread renders only what is
// visible and follows live messages; the offline banner follows the sync state and a reconnect re-selects.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { dispatch } from '../../src-main/ipc/dispatch.ts';
import { eventually } from '../helpers/wait.ts';
import { type Fixture, startFixture } from './fixture-backend.ts';
import { ensureRendererBuilt, launchChromium, screenshot } from './harness.ts';

let fixture: Fixture;
let browser: Browser;
let page: Page;

before(async () => {
  ensureRendererBuilt();
  fixture = await startFixture({ threadSize: 10_000 });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(fixture.bridge.openUrl);
});
after(async () => {
  await browser?.close();
  await fixture?.close();
});

test('a 10,000-message thread opens at the newest message and keeps the page small', {
  timeout: 30_000,
}, async () => {
  await page.getByTestId('conversation-item').first().click();
  const thread = page.getByTestId('thread');
  await thread.getByText('Answer number 9998: here is what I found.').waitFor();
  const rendered = await thread.getByTestId('message').count();
  assert.ok(rendered > 5 && rendered < 80, `rendered ${rendered} message elements for 10,000 messages`);
  assert.equal(await page.getByText('10,000 messages').count(), 1);
  await screenshot(page, 'conversations-10k');
  // The tool the agent used is shown folded; opening it shows what it asked and got.
  await thread.getByText('calendar_lookup').click();
  await thread.getByText('2 events: 09:00 stand-up, 14:30 dentist').waitFor();
  // Scrolling to the top brings the first message in, still with a small page.
  await thread.evaluate((el) => {
    el.scrollTop = 0;
  });
  await thread.getByText('Question number 0', { exact: true }).waitFor();
  assert.ok((await thread.getByTestId('message').count()) < 80);
});

test('reading older messages, a new one is announced instead of moving the page; one click jumps to it', {
  timeout: 30_000,
}, async () => {
  const thread = page.getByTestId('thread');
  const at = new Date().toISOString();
  fixture.pushMessage({
    id: 'message:live0',
    conversation: fixture.conversations[0]!.id,
    channel: 'telegram',
    direction: 'in',
    role: 'user',
    text: 'Are you still there?',
    status: 'received',
    created_at: at,
    updated_at: at,
  });
  const pill = page.getByRole('button', { name: '1 new message ↓' });
  await pill.waitFor();
  assert.equal(
    await thread.getByText('Question number 0', { exact: true }).count(),
    1,
    'still reading the top',
  );
  await pill.click();
  await thread.getByText('Are you still there?').waitFor();
  await pill.waitFor({ state: 'detached' });
});

test('a live message is appended and followed when the reader is at the bottom', {
  timeout: 30_000,
}, async () => {
  const thread = page.getByTestId('thread');
  await thread.evaluate((el) => {
    el.scrollTop = el.scrollHeight;
  });
  const conversation = fixture.conversations[0]!.id;
  const at = new Date().toISOString();
  fixture.pushMessage({
    id: 'message:live1',
    conversation,
    channel: 'telegram',
    direction: 'out',
    role: 'assistant',
    text: 'A reply that failed to send',
    status: 'failed',
    error: 'Telegram refused the message (chat not found).',
    created_at: at,
    updated_at: at,
  });
  await thread.getByText('A reply that failed to send').waitFor();
  await thread.getByText('Telegram refused the message (chat not found).').waitFor();
  assert.equal(await thread.getByRole('button', { name: 'Send again' }).count(), 1);
});

test('the agent’s faults are told in a banner while they last; a reply of unknown fate says so', {
  timeout: 30_000,
}, async () => {
  const banner = page.getByTestId('fault-banner');
  const now = new Date().toISOString();
  const status = { version: '1', started_at: now, heartbeat_at: now, paused: false, channels: {} };
  fixture.setAgentStatus({
    ...status,
    faults: {
      disk: {
        level: 'low',
        free_bytes: 120 * 1024 ** 2,
        total_bytes: 10 * 1024 ** 3,
        refuse_below_bytes: 2e8,
      },
      outages: [{ service: 'anthropic', since: now, detail: 'ECONNREFUSED', waiting: 7 }],
      memory_kill: { at: now, limit_bytes: 256 * 1024 ** 2 },
    },
  });
  await banner.waitFor();
  const text = (await banner.textContent()) ?? '';
  assert.match(text, /disk is nearly full \(120 MB free of 10\.0 GB\)/);
  assert.match(text, /Claude cannot be reached since .* — 7 waiting/);
  assert.match(text, /killed for lack of memory .* \(limit 256 MB\) and restarted/);
  assert.equal(await banner.getAttribute('class'), 'banner banner-bad', 'a nearly full disk is the worst');
  fixture.setAgentStatus({
    ...status,
    faults: {
      disk: { level: 'ok', free_bytes: 5e9, total_bytes: 1e10, refuse_below_bytes: 2e8 },
      outages: [],
    },
  });
  await banner.waitFor({ state: 'detached' });

  const thread = page.getByTestId('thread');
  await thread.evaluate((el) => {
    el.scrollTop = el.scrollHeight;
  });
  fixture.pushMessage({
    id: 'message:fate1',
    conversation: fixture.conversations[0]!.id,
    channel: 'telegram',
    direction: 'out',
    role: 'assistant',
    text: 'A reply sent again after a crash',
    status: 'sent',
    fate: 'unknown',
    created_at: now,
    updated_at: now,
  });
  const bubble = page.getByTestId('message').filter({ hasText: 'A reply sent again after a crash' });
  await bubble.getByTestId('unknown-fate').waitFor();
  assert.match(
    (await bubble.getByTestId('unknown-fate').getAttribute('title')) ?? '',
    /may have arrived twice/,
  );
  assert.equal(await page.getByTestId('unknown-fate').count(), 1, 'only that reply is marked');
});

test('the offline banner follows the sync state, and a reconnect selects the screen again', {
  timeout: 30_000,
}, async () => {
  const banner = page.getByTestId('offline-banner');
  fixture.setSync({ state: 'offline', attempt: 3, nextRetryAt: new Date(Date.now() + 4000).toISOString() });
  await banner.waitFor();
  assert.match((await banner.textContent()) ?? '', /Your agent is offline\.[\s\S]*kept and answered/);
  assert.equal(await page.getByTestId('agent-state').filter({ hasText: 'Agent offline' }).count(), 1);
  const before = fixture.calls.filter((c) => c === 'conversation.messages').length;
  fixture.setSync({ state: 'online', epoch: 2, attempt: 0 });
  await banner.waitFor({ state: 'detached' });
  const deadline = Date.now() + 10_000;
  while (fixture.calls.filter((c) => c === 'conversation.messages').length === before) {
    assert.ok(Date.now() < deadline, 'the open thread was not selected again after the reconnect');
    await new Promise((r) => setTimeout(r, 50));
  }
});

test('linking a personal WhatsApp: the QR, then the pairing code, then linked — all live', {
  timeout: 30_000,
}, async () => {
  await page.getByRole('link', { name: /Integrations/ }).click();
  await page.getByText('Waiting for WhatsApp…').waitFor();
  fixture.setLink({
    state: 'qr',
    qr: '2@Qm9ndXMgcXIgZm9yIGEgdGVzdA==,abcdefghijklmnop,qrstuvwxyz012345,ABCDEFG=',
  });
  const qr = page.getByRole('img', { name: 'QR code to link WhatsApp' });
  await qr.waitFor();
  await qr.evaluate((el) => el.closest('.card')?.scrollIntoView({ block: 'end' }));
  await screenshot(page, 'integrations-whatsapp');
  fixture.setLink({ state: 'pairing_code', pairing_code: 'K7P2-QX9M', pairing_phone: '4915112345678' });
  await page.getByTestId('whatsapp-code').getByText('K7P2-QX9M').waitFor();
  fixture.setLink({ state: 'connected', account: '+49 151 12345678' });
  await page.getByTestId('whatsapp-linked').getByText('Your agent answers as +49 151 12345678.').waitFor();
  assert.equal(await page.getByRole('img', { name: 'QR code to link WhatsApp' }).count(), 0);
});

test('usage: thirty days of cost with the daily budget line, over-budget days stand out', {
  timeout: 30_000,
}, async () => {
  await page.getByRole('link', { name: /Usage/ }).click();
  const chart = page.getByRole('img', { name: 'Cost per day' });
  await chart.waitFor();
  assert.equal(await chart.locator('rect.bar').count(), 30);
  assert.equal(await chart.locator('rect.bar-over').count(), 2);
  await chart.getByText('daily budget $1.50').waitFor();
  await page.getByText('of $40.00 budget').waitFor();
  // When the day starts over, on the owner's clock (the time itself: format.test.ts).
  await page
    .getByText(/^Leave empty for no limit\. Each day starts over at 00:00 UTC \(\d\d:\d\d( [AP]M)? here\)\.$/)
    .waitFor();
  await page.locator('.screen').evaluate((el) => {
    el.scrollTop = 0;
  });
  await screenshot(page, 'usage-30-days');
});

test('budgets: a cap changed in chat while the card is open shows there, and saving the other leaves it as set', {
  timeout: 30_000,
}, async () => {
  await page.getByRole('link', { name: /Usage/ }).click();
  const daily = page.getByLabel('Daily budget (USD)');
  const monthly = page.getByLabel('Monthly budget (USD)');
  await daily.waitFor();
  assert.equal(await daily.inputValue(), '1.5');
  // The owner sends /budget day 3 in chat: the setting changes under the open card.
  await fixture.handlers['setting.set']({ key: 'budget_daily_usd', value: 3 });
  await eventually(async () => (await daily.inputValue()) === '3', 'the new daily cap shown');
  const before = fixture.settingWrites.length;
  await monthly.fill('55');
  await page.getByRole('button', { name: 'Save budgets' }).click();
  await page.getByText('Budgets applied').waitFor();
  assert.deepEqual(fixture.settingWrites.slice(before), [{ key: 'budget_monthly_usd', value: 55 }]);
  // What is not an amount in dollars is refused before anything is sent.
  for (const typed of ['1e16', '0x10', '2000000', '-1']) {
    await daily.fill(typed);
    await page.getByText('Enter an amount like 2.50 (at most 1,000,000).').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Save budgets' }).isDisabled(), true, typed);
  }
  await daily.fill('3');
});

test('integrations: the owner’s time zone is this computer’s until another is chosen, and is the agent’s setting', {
  timeout: 30_000,
}, async () => {
  await page.getByRole('link', { name: /Integrations/ }).click();
  const zone = page.getByLabel('Your time zone');
  await zone.waitFor();
  const here = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
  await eventually(async () => (await zone.inputValue()) === here, 'this computer’s zone while none is set');
  assert.equal(await zone.locator('option:checked').textContent(), `${here} (this computer)`);
  const before = fixture.settingWrites.length;
  await zone.selectOption('Asia/Tokyo');
  await eventually(() => fixture.settingWrites.length > before, 'the setting written');
  assert.deepEqual(fixture.settingWrites.slice(before), [{ key: 'timezone', value: 'Asia/Tokyo' }]);
  await eventually(async () => (await zone.inputValue()) === 'Asia/Tokyo', 'the chosen zone shown');
  // A zone or a budget the desktop cannot use is refused at its door, saying what to do; nothing is written.
  const writes = fixture.settingWrites.length;
  const zoneRefused = await dispatch(fixture.handlers, 'setting.set', {
    key: 'timezone',
    value: 'Europe/Berlinn',
  });
  assert.deepEqual(zoneRefused, {
    ok: false,
    error: { name: 'ValidationError', message: 'Choose a time zone from the list.' },
  });
  const capRefused = await dispatch(fixture.handlers, 'setting.set', {
    key: 'budget_daily_usd',
    value: 1e16,
  });
  assert.match(JSON.stringify(capRefused), /A budget is an amount in US dollars from 0 to 1,000,000/);
  assert.equal(fixture.settingWrites.length, writes);
});

test('an agent set up on this computer moves to a VPS: the new server’s key is compared before anything is sent', {
  timeout: 30_000,
}, async () => {
  await page.getByRole('link', { name: /Server/ }).click();
  await page.getByRole('button', { name: 'Move to a VPS…' }).click();
  await page.getByText('stops the agent on this computer').waitFor();
  await page.getByLabel('New server address').fill('203.0.113.9');
  await page.getByLabel('Private key').fill('/home/ada/.ssh/id_ed25519');
  await page.getByRole('button', { name: 'Move my agent' }).click();
  const check = page.getByTestId('host-key-check');
  await check.waitFor();
  await check.getByText('SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s').waitFor();
  assert.deepEqual(fixture.moves.to, [], 'nothing moves before the key is trusted');
  await screenshot(page, 'move-to-vps-host-key');
  await check.getByRole('button', { name: 'They match — trust this server' }).click();
  const deadline = Date.now() + 10_000;
  while (fixture.moves.to.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(fixture.moves.trusted, ['203.0.113.9']);
  assert.deepEqual(fixture.moves.to, [
    { host: '203.0.113.9', user: 'root', port: 22, keyPath: '/home/ada/.ssh/id_ed25519' },
  ]);
});

test('when MONO itself stops, the page says so and how to start it', { timeout: 30_000 }, async () => {
  const page2 = await browser.newPage();
  const second = await startFixture({ threadSize: 3 });
  try {
    await page2.goto(second.bridge.openUrl);
    await page2.getByTestId('conversation-item').first().waitFor();
    await second.close();
    const banner = page2.getByTestId('offline-banner');
    await banner.waitFor();
    assert.match((await banner.textContent()) ?? '', /background service stopped[\s\S]*npm start/);
  } finally {
    await page2.close();
    await second.close().catch(() => {});
  }
});

test('a page opened without the launch key says where to find the right address', {
  timeout: 30_000,
}, async () => {
  const stranger = await browser.newPage();
  try {
    await stranger.goto(fixture.bridge.url);
    await stranger.getByText('Open the address that `npm start` printed').waitFor();
    await stranger.getByRole('button', { name: 'Try again' }).waitFor();
  } finally {
    await stranger.close();
  }
});
