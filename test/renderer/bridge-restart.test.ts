// The bridge keeps its address per installation: after MONO restarts (keys unlocked with the passphrase, as
// `mono start` asks on the terminal), the tab that was open reconnects on the same address by itself, and a
// bookmark of the bare address works in a new tab. The key lives in the vault, never in clear on disk.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { type BrowserApp, startBrowserApp } from '../../src-main/bridge/browser-app.ts';
import { AGENT_PATH, ensureRendererBuilt, launchChromium, RENDERER_DIR } from './harness.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'mono-bridge-restart-'));
const PASSPHRASE = 'same place after a restart';
let browser: Browser | undefined;
const apps: BrowserApp[] = [];

function start(): Promise<BrowserApp> {
  return startBrowserApp({
    version: '0.1.0',
    dataDir,
    rendererDir: RENDERER_DIR,
    agentPath: AGENT_PATH,
    endpoints: { telegramApiRoot: 'http://127.0.0.1:9', model: 'claude-sonnet-5-5' },
    passphrase: PASSPHRASE,
  }).then((app) => {
    apps.push(app);
    return app;
  });
}

after(async () => {
  await browser?.close();
  for (const app of apps) await app.close().catch(() => {});
  rmSync(dataDir, { recursive: true, force: true });
});

test('MONO restarts: the open tab reconnects on the same address, and a bookmark opens it too', {
  timeout: 90_000,
}, async () => {
  ensureRendererBuilt();
  const first = await start();
  browser = await launchChromium();
  const page = await (await browser.newContext()).newPage();
  await page.goto(first.bridge.openUrl);
  await page.getByRole('heading', { name: 'Connect Claude' }).waitFor();
  assert.equal(page.url(), first.bridge.url, 'the key left the address bar');

  await first.close();
  const second = await start();
  assert.equal(second.bridge.url, first.bridge.url, 'same address');
  // A change made after the restart reaches the tab that stayed open: it reconnected and was admitted.
  await second.services.handlers['wizard.goto']({ step: 'telegram' });
  await page.getByRole('heading', { name: 'Create your Telegram bot' }).waitFor({ timeout: 20_000 });
  assert.equal(page.url(), first.bridge.url, 'no reload, no new address');

  const bookmark = await page.context().newPage();
  await bookmark.goto(second.bridge.url);
  await bookmark.getByRole('heading', { name: 'Create your Telegram bot' }).waitFor({ timeout: 20_000 });

  // The key is in the vault (sealed under the passphrase); nothing in the folder holds it in clear.
  const key = second.bridge.openUrl.split('#key=')[1] ?? '';
  assert.ok(key.length >= 32);
  for (const name of readdirSync(dataDir, { recursive: true })) {
    const path = join(dataDir, String(name));
    try {
      assert.doesNotMatch(readFileSync(path, 'latin1'), new RegExp(key), `${name} holds the bridge key`);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EISDIR') throw error;
    }
  }
});

test('a page holding an old or foreign key is not admitted and says where the right address is', {
  timeout: 60_000,
}, async () => {
  const app = apps.at(-1) as BrowserApp;
  const page = await (browser as Browser).newPage();
  await page.goto(`${app.bridge.url}#key=not-the-installation-key`);
  await page.getByText('Open the address that `npm start` printed').waitFor({ timeout: 20_000 });
});
