// The owner's keys after a restart, in the browser: MONO starts locked, the page asks for the passphrase (a wrong
// one is refused), `mono start`'s terminal prompt can unlock it instead, and a forgotten passphrase leads to a
// fresh start that says what is lost (the keys) and what is kept (conversations, settings).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import {
  type BrowserApp,
  type BrowserAppOptions,
  startBrowserApp,
} from '../../src-main/bridge/browser-app.ts';
import { AGENT_PATH, ensureRendererBuilt, launchChromium, RENDERER_DIR, screenshot } from './harness.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'mono-vault-ui-'));
const PASSPHRASE = 'my keys stay mine';
const CLAUDE_KEY = 'sk-ant-api03-kept-under-the-passphrase';
let browser: Browser;
const running: BrowserApp[] = [];

function start(extra: Partial<BrowserAppOptions> = {}): Promise<BrowserApp> {
  return startBrowserApp({
    version: '0.1.0',
    dataDir,
    rendererDir: RENDERER_DIR,
    agentPath: AGENT_PATH,
    endpoints: { telegramApiRoot: 'http://127.0.0.1:9', model: 'claude-sonnet-5-5' },
    ...extra,
  }).then((app) => {
    running.push(app);
    return app;
  });
}

async function stopAll(): Promise<void> {
  for (const app of running.splice(0)) await app.close().catch(() => {});
}

before(async () => {
  ensureRendererBuilt();
  browser = await launchChromium();
  // A first run: the passphrase is set and a key stored, as the wizard would.
  const first = await start({ passphrase: PASSPHRASE });
  first.services.vault.set('anthropic_api_key', CLAUDE_KEY);
  await stopAll();
});
after(async () => {
  await stopAll();
  await browser?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

test('after a restart MONO is locked until the owner enters the passphrase in the page', {
  timeout: 90_000,
}, async () => {
  const app = await start();
  assert.equal(app.services.vault.status().state, 'locked');
  const page = await (await browser.newContext()).newPage();
  await page.goto(app.bridge.openUrl);
  await page.getByRole('heading', { name: 'Enter your passphrase' }).waitFor();
  await screenshot(page, 'vault-locked');
  await page.getByLabel('Passphrase').fill('not my passphrase');
  await page.getByRole('button', { name: 'Unlock' }).click();
  await page.getByText('That passphrase is not right.').waitFor({ timeout: 30_000 });
  assert.equal(app.services.vault.status().state, 'locked');
  await page.getByLabel('Passphrase').fill(PASSPHRASE);
  await page.getByRole('button', { name: 'Unlock' }).click();
  await page.getByRole('heading', { name: 'Connect Claude' }).waitFor({ timeout: 30_000 });
  assert.equal(app.services.vault.get('anthropic_api_key')?.reveal(), CLAUDE_KEY);
  await stopAll();
});

test('mono start can unlock on the terminal instead: three tries, and Enter leaves it to the page', {
  timeout: 90_000,
}, async () => {
  const asked: number[] = [];
  const typed = ['wrong one here', PASSPHRASE];
  const unlocked = await start({
    askPassphrase: async (attempt) => {
      asked.push(attempt);
      return typed.shift();
    },
  });
  assert.deepEqual(asked, [1, 2]);
  assert.equal(unlocked.services.vault.status().state, 'ready');
  await stopAll();
  const skipped = await start({ askPassphrase: async () => undefined });
  assert.equal(skipped.services.vault.status().state, 'locked');
  await stopAll();
});

test('a forgotten passphrase: the page says what is lost and kept, then starts over with a new one', {
  timeout: 120_000,
}, async () => {
  const app = await start();
  const page = await (await browser.newContext()).newPage();
  await page.goto(app.bridge.openUrl);
  await page.getByRole('button', { name: 'I forgot my passphrase' }).click();
  const terms = page.getByTestId('start-over-terms');
  await terms.waitFor();
  assert.match((await terms.textContent()) ?? '', /Lost:.*Claude key.*Kept:.*conversations/s);
  await screenshot(page, 'vault-forgotten');
  await page.getByRole('button', { name: 'Forget my keys and start over' }).click();
  await page
    .getByRole('heading', { name: 'Protect your keys with a passphrase' })
    .waitFor({ timeout: 30_000 });
  assert.doesNotMatch(readFileSync(join(dataDir, 'vault.json'), 'utf8'), /anthropic_api_key/);
  await page.getByLabel('Passphrase', { exact: true }).fill('a new passphrase for me');
  await page.getByLabel('Passphrase again').fill('a new passphrase for me');
  await page.getByRole('button', { name: 'Protect my keys' }).click();
  await page.getByRole('heading', { name: 'Connect Claude' }).waitFor({ timeout: 30_000 });
  assert.equal(app.services.vault.has('anthropic_api_key'), false, 'the keys are entered again');
});
