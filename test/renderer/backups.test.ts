// Backups from the Server screen, in Chromium against MONO's services and the real local agent: Back up now makes
// an encrypted file with its size and time in the list, Restore asks first, stops the agent, puts the backup back
// (what was said after it is gone, what was said before is there) and starts the agent, which answers again.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { allowTimeForDuplicates } from '../helpers/wait.ts';
import { type Stack, screenshot, startStack } from './harness.ts';
import { completeSetup } from './setup.ts';

let stack: Stack;
const OWNER = { chatId: 6661001, userId: 6661001, firstName: 'Grace', username: 'grace' };

before(async () => {
  stack = await startStack();
  await completeSetup(stack.app);
  await stack.page.reload();
});
after(async () => {
  await stack?.close();
});

test('Back up now, then Restore: the agent goes back to the backup and answers again', {
  timeout: 240_000,
}, async () => {
  const { page, telegram, app, dataDir } = stack;
  const h = app.services.handlers;
  // The owner pairs first (a pairing is data a backup keeps too).
  telegram.sendText({ ...OWNER, text: 'hello?' });
  await telegram.waitForSent(1, { timeoutMs: 30_000 });
  let pending = await h['pairing.list'](undefined);
  for (let i = 0; i < 50 && pending.length === 0; i++) {
    await new Promise((r) => setTimeout(r, 200));
    pending = await h['pairing.list'](undefined);
  }
  await h['pairing.decide']({ id: pending[0]!.id, decision: 'approved' });
  await telegram.waitForSent(2, { timeoutMs: 30_000 });
  const answered = async (text: string) => {
    const before = telegram.sent.length;
    telegram.sendText({ ...OWNER, text });
    await telegram.waitForSent(before + 1, { timeoutMs: 30_000 });
  };
  await answered('Before the backup: my cat is called Pixel');

  await page.getByRole('link', { name: /Server/ }).click();
  await page.getByText('Healthy', { exact: true }).waitFor({ timeout: 20_000 });
  await page.getByRole('button', { name: 'Back up now' }).click();
  const entry = page.getByTestId('backup-entry').first();
  await entry.waitFor({ timeout: 60_000 });
  await page
    .getByTestId('backup-progress')
    .getByText(/Backed up \d+ messages/)
    .waitFor({ timeout: 60_000 });
  const text = (await entry.textContent()) ?? '';
  assert.match(text, /local · \d+ kB · \d+ messages/);
  assert.match(text, /encrypted/);
  await screenshot(page, 'server-backups');

  // The file: in the desktop's folder, the owner's only, encrypted (nothing of the conversation readable).
  const folder = join(dataDir, 'backups');
  const files = readdirSync(folder).filter((n) => n.endsWith('.monobak'));
  assert.equal(files.length, 1);
  assert.equal(statSync(join(folder, files[0]!)).mode & 0o777, 0o600);
  const bytes = readFileSync(join(folder, files[0]!));
  assert.equal(bytes.includes('Pixel'), false);
  const header = JSON.parse(bytes.subarray(16, 16 + bytes.readUInt32BE(12)).toString('utf8'));
  assert.equal(header.encryption.cipher, 'aes-256-gcm');
  // The passphrase stays in the vault: never in the page.
  const passphrase = app.services.vault.get('backup_passphrase')!.reveal();
  assert.ok(!(await page.content()).includes(passphrase));

  await answered('After the backup: forget this one');

  await entry.getByRole('button', { name: 'Restore…' }).click();
  await entry.getByText("Replace your agent's data with this backup?").waitFor();
  await entry.getByRole('button', { name: 'Restore', exact: true }).click();
  await page
    .getByTestId('backup-progress')
    .getByText(/Restored: your agent holds \d+ messages in 1 conversation\b/)
    .waitFor({ timeout: 120_000 });
  await page.getByText('Healthy', { exact: true }).waitFor({ timeout: 30_000 });

  // The restored agent answers with the history from before the backup, and not what came after it.
  for (let i = 0; i < 10; i++) telegram.nextMessageId(OWNER.chatId);
  const requests = stack.anthropic.requests.length;
  const sent = telegram.sent.length;
  await answered('What is my cat called?');
  const history = JSON.stringify(stack.anthropic.requests.slice(requests).at(-1)?.messages);
  assert.match(history, /my cat is called Pixel/);
  assert.doesNotMatch(history, /forget this one/);
  await allowTimeForDuplicates();
  assert.equal(telegram.sent.length, sent + 1, 'nothing answered twice');
});

test('the schedule: daily by default, off with one switch, keeps the chosen number', {
  timeout: 60_000,
}, async () => {
  const { page, app } = stack;
  const overview = await app.services.handlers['backup.overview'](undefined);
  assert.deepEqual(overview.schedule, { enabled: true, everyHours: 24, keep: 7 });
  assert.ok(overview.nextAt && Date.parse(overview.nextAt) > Date.now() + 23 * 3_600_000, overview.nextAt);
  await page.getByRole('switch', { name: 'Back up every day' }).click();
  await page.getByLabel('Backups to keep').selectOption('3');
  const deadline = Date.now() + 10_000;
  let schedule = (await app.services.handlers['backup.overview'](undefined)).schedule;
  while ((schedule.enabled || schedule.keep !== 3) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    schedule = (await app.services.handlers['backup.overview'](undefined)).schedule;
  }
  assert.deepEqual(schedule, { enabled: false, everyHours: 24, keep: 3 });
});
