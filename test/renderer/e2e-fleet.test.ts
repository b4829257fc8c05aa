// The Fleet screen in Chromium against three disposable VPSes (test/vps harness): a host list the CLI's rules
// refuse is refused with its line; nothing is sent to a server whose key the owner has not compared and
// trusted; a good release goes to the canary first (the others wait through its bake, counted down on screen),
// then to the rest, every row ends healthy and the summary says which release runs where; a release that crashes
// 5 s after it became healthy fails the canary during its bake, the canary is rolled back, the others are not
// touched, and the screen says so.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { type BrowserApp, startBrowserApp } from '../../src-main/bridge/browser-app.ts';
import { HUB_USER } from '../../src-main/services/local-mode.ts';
import { createVpsProvision } from '../../src-main/services/provision-vps.ts';
import {
  bootMany,
  buildRelease,
  createTestKey,
  removeBuilds,
  startFleetMirror,
  type TestKey,
  testTls,
  type Vps,
} from '../vps/harness.ts';
import { ensureRendererBuilt, launchChromium, RENDERER_DIR, screenshot } from './harness.ts';

const GOOD = '5.0.0';
/** Answers healthy, then crashes 5 s later. */
const LATE = '5.0.1';

let key: TestKey;
let fleet: Vps[];
let mirror: Awaited<ReturnType<typeof startFleetMirror>>;
let app: BrowserApp;
let browser: Browser;
let page: Page;
let good = '';
const dataDir = mkdtempSync(join(tmpdir(), 'mono-e2e-fleet-'));
const releaseLink = join(dataDir, 'release');
const knownHosts = join(dataDir, 'known_hosts');
const pinned = () => (existsSync(knownHosts) ? readFileSync(knownHosts, 'utf8') : '');

before(async () => {
  ensureRendererBuilt();
  key = await createTestKey();
  fleet = await bootMany(key, 3);
  mirror = await startFleetMirror(fleet);
  const release = await buildRelease(GOOD);
  // The app deploys whatever build this link names (as an app update would bring a new one).
  symlinkSync(release, releaseLink);
  buildRelease(LATE, { fault: { kind: 'crash-after', seconds: 5 } }).catch(() => {});
  app = await startBrowserApp({
    version: '0.1.0',
    dataDir,
    passphrase: 'the owner of a small fleet',
    rendererDir: RENDERER_DIR,
    agentPath: join(release, 'mono-agent.js'),
    // Never called here: this desktop only drives the fleet.
    endpoints: { telegramApiRoot: 'http://127.0.0.1:9', anthropicBaseUrl: 'http://127.0.0.1:9', model: 'x' },
    provision: createVpsProvision({
      releaseDir: releaseLink,
      hubUser: HUB_USER,
      // Node goes through this machine, once for the whole fleet, from the mirror as this machine reaches it.
      nodeMirror: mirror.localUrl,
      nodeMirrorCa: (await testTls()).ca,
      nodeVersion: process.versions.node,
      nodeSha256: mirror.nodeSha256,
      knownHostsPath: knownHosts,
    }),
  });
  // Set up already (a provider's desktop); the Fleet screen is reached through the menu.
  app.services.prefs.update({ wizardDone: true, wizardStep: 'done' });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(app.bridge.openUrl);
});

after(async () => {
  await browser?.close();
  await app?.close();
  await mirror?.close();
  await Promise.allSettled((fleet ?? []).map((v) => v.stop()));
  if (key) rmSync(key.dir, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
  await removeBuilds();
});

/** The fingerprint the provider's console shows: ssh-keygen on the server's own key file, not MONO's code. */
function consoleFingerprint(vps: Vps): string {
  const line = execFileSync('ssh-keygen', ['-lf', join(vps.keysDir, 'ssh_host_ed25519_key.pub')], {
    encoding: 'utf8',
  });
  return /SHA256:[A-Za-z0-9+/]{43}/.exec(line)?.[0] ?? '';
}
const name = (vps: Vps) => `root@${vps.host}`;
const row = (vps: Vps, state?: string) =>
  page.locator(
    `[data-testid="fleet-host"][data-host="${name(vps)}"]${state ? `[data-state="${state}"]` : ''}`,
  );
const current = () =>
  Promise.all(fleet.map(async (v) => (await v.must('readlink /opt/mono/current')).trim()));
const HOSTS = () => `# the test fleet\n${fleet.map(name).join('\n')}\n`;

test('the host list is checked with the CLI’s rules, and nothing is sent to a server whose key was not trusted', {
  timeout: 180_000,
}, async () => {
  await page.getByRole('link', { name: /Fleet/ }).click();
  await page.getByRole('heading', { name: 'Fleet' }).waitFor({ timeout: 30_000 });
  const servers = page.getByLabel('Servers', { exact: true });
  await servers.fill(`${name(fleet[0]!)}\nroot@not a host\n`);
  await page.getByLabel('SSH key file').fill(key.identity);
  await page.getByRole('button', { name: 'Check servers' }).click();
  await page
    .getByRole('alert')
    .filter({ hasText: /Line 2: "not a host" is not a host name/ })
    .waitFor({ timeout: 30_000 });

  await servers.fill(HOSTS());
  await page.getByRole('button', { name: 'Check servers' }).click();
  const keys = page.getByTestId('fleet-key');
  await keys.nth(2).waitFor({ timeout: 60_000 });
  for (const vps of fleet) {
    const shown = page.locator(`[data-testid="fleet-key"][data-host="${name(vps)}"]`);
    assert.equal(await shown.getAttribute('data-status'), 'New: compare it');
    assert.match(
      (await shown.getByTestId('fleet-key-fingerprint').textContent()) ?? '',
      new RegExp(`ssh-ed25519 ${consoleFingerprint(vps).replace(/[+/]/g, '\\$&')}$`),
      'shown exactly as ssh-keygen -lf prints it on that server',
    );
  }
  assert.equal(pinned(), '', 'looking pins nothing');
  assert.equal(await page.getByRole('button', { name: 'Deploy to 3 servers' }).isDisabled(), true);
  // Main refuses too, whatever the page does: no server is touched before its key is trusted.
  await assert.rejects(
    app.services.handlers['fleet.deploy']({
      hosts: HOSTS(),
      keyPath: key.identity,
      parallel: 2,
      canary: 1,
      bakeS: 1,
      maxFailures: 0,
    }),
    /Not deployed: .*its key is not trusted yet.*trust their keys first/,
  );
  for (const vps of fleet)
    assert.equal((await vps.ssh('test -e /opt/mono')).code, 1, `${vps.host} untouched`);
  await screenshot(page, 'fleet-host-keys');

  await page.getByRole('button', { name: 'They match — trust 3 servers' }).click();
  await page.locator('[data-testid="fleet-key"][data-status="Trusted"]').nth(2).waitFor({ timeout: 60_000 });
  for (const vps of fleet)
    assert.match(pinned(), new RegExp(`^${vps.host.replace(/\./g, '\\.')} ssh-ed25519 `, 'm'));
});

test('a good release goes to the canary first, the others wait through its bake, then every server is healthy', {
  timeout: 900_000,
}, async () => {
  await page.getByLabel('Servers at once').fill('2');
  await page.getByLabel('Canary servers').fill('1');
  await page.getByLabel('Bake (seconds)').fill('8');
  await page.getByRole('button', { name: 'Deploy to 3 servers' }).click();

  // The canary is healthy and baking, its bake counting down; nothing has started on the other two.
  const canary = row(fleet[0]!);
  await row(fleet[0]!, 'baking').waitFor({ timeout: 400_000 });
  assert.match((await canary.getByTestId('fleet-bake-left').textContent()) ?? '', /\d+ s left/);
  assert.match(
    (await page.getByTestId('fleet-phase').textContent()) ?? '',
    new RegExp(
      `Canary ${name(fleet[0]!).replace(/\./g, '\\.')} is healthy and baking: \\d+ s left\\. 2 other servers wait`,
    ),
  );
  assert.deepEqual(await Promise.all(fleet.slice(1).map((v) => row(v).getAttribute('data-state'))), [
    'waiting',
    'waiting',
  ]);
  for (const vps of fleet.slice(1)) assert.equal((await vps.ssh('test -e /opt/mono')).code, 1);
  await screenshot(page, 'fleet-canary-baking');

  const verdict = page.getByTestId('fleet-verdict');
  await verdict.waitFor({ timeout: 600_000 });
  assert.match((await verdict.textContent()) ?? '', /Every server runs the new release/);
  const running = await current();
  good = running[0]!.replace(/^releases\//, '');
  assert.match(good, /^5\.0\.0\+[0-9a-f]{12}$/);
  assert.deepEqual(
    running,
    fleet.map(() => `releases/${good}`),
  );
  for (const vps of fleet) {
    assert.equal(await row(vps).getAttribute('data-state'), 'healthy');
    assert.equal((await row(vps).getByTestId('fleet-release').textContent())?.trim(), good);
  }
  const releases = (await page.getByTestId('fleet-releases').textContent()) ?? '';
  assert.ok(releases.includes(good), releases);
  assert.match(releases, /3 servers/);
  assert.match(
    (await page.getByTestId('fleet-counts').textContent()) ?? '',
    /^3 deployed, 0 unchanged, 0 failed, 0 not touched/,
  );
  await screenshot(page, 'fleet-healthy');
});

test('a release that crashes 5 s after becoming healthy fails the canary during its bake: rolled back, the others not touched', {
  timeout: 600_000,
}, async () => {
  symlinkSync(await buildRelease(LATE, { fault: { kind: 'crash-after', seconds: 5 } }), `${releaseLink}.new`);
  renameSync(`${releaseLink}.new`, releaseLink);
  await page.getByLabel('Bake (seconds)').fill('20');
  await page.getByRole('button', { name: 'Deploy to 3 servers' }).click();
  const canary = row(fleet[0]!);
  await row(fleet[0]!, 'baking').waitFor({ timeout: 300_000 });

  const verdict = page.getByTestId('fleet-verdict');
  await verdict.waitFor({ timeout: 400_000 });
  assert.match(
    (await verdict.textContent()) ?? '',
    /Rollout stopped: the canary failed, so no other server was touched\./,
  );
  assert.equal(await canary.getAttribute('data-state'), 'rolled-back');
  const message = (await canary.getByTestId('fleet-message').textContent()) ?? '';
  assert.match(
    message,
    /Failed at health: release 5\.0\.1\+[0-9a-f]{12} crashed \d+ s after it became healthy/,
  );
  assert.equal(
    (await canary.getByTestId('fleet-release').textContent())?.trim(),
    good,
    'runs the good one again',
  );
  for (const vps of fleet.slice(1)) {
    assert.equal(await row(vps).getAttribute('data-state'), 'skipped');
    assert.match(
      (await row(vps).getByTestId('fleet-message').textContent()) ?? '',
      /Not touched: a canary failed/,
    );
    // Not reached by this rollout: the screen still says what the last one left there.
    assert.equal((await row(vps).getByTestId('fleet-release').textContent())?.trim(), good);
  }
  const releases = (await page.getByTestId('fleet-releases').textContent()) ?? '';
  assert.match(releases, /Not touched/);
  assert.match(
    (await page.getByTestId('fleet-counts').textContent()) ?? '',
    /^0 deployed, 0 unchanged, 1 failed, 2 not touched/,
  );
  await screenshot(page, 'fleet-canary-rolled-back');
  // What the screen says is what the servers run: the good release everywhere.
  assert.deepEqual(
    await current(),
    fleet.map(() => `releases/${good}`),
  );
});
