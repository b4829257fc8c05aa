// End to end on a disposable VPS (test/vps harness: a Debian booted with systemd-nspawn in its own network
// namespace): the wizard tests the SSH connection, installs MONO over SSH with live progress, ends with the
// one-time code that makes its Telegram sender the VPS agent's owner, and the Server screen reads the agent's
// state through SSH. The fakes listen on the host side of the VPS's veth pair.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { type BrowserApp, startBrowserApp } from '../../src-main/bridge/browser-app.ts';
import { HUB_USER } from '../../src-main/services/local-mode.ts';
import { createVpsProvision } from '../../src-main/services/provision-vps.ts';
import { FAKE_ANTHROPIC_KEY } from '../fakes/anthropic-server.ts';
import { FAKE_TELEGRAM_TOKEN, type TelegramCall } from '../fakes/telegram-server.ts';
import { type AgentFakes, startAgentFakes } from '../vps/agent-fakes.ts';
import { buildRelease, createTestKey, removeBuilds, startMirror, type TestKey, Vps } from '../vps/harness.ts';
import { ensureRendererBuilt, launchChromium, RENDERER_DIR, screenshot } from './harness.ts';

const VERSION = '7.7.7';
/** What "Update agent" installs: a real new version (the release the app deploys is switched to it). */
const NEXT = '7.7.8';
/** A new version that answers healthy, then crashes 5 s later. */
const LATE = '7.7.9';

let key: TestKey;
let vps: Vps;
let mirror: Awaited<ReturnType<typeof startMirror>>;
let fakes: AgentFakes;
let app: BrowserApp;
let browser: Browser;
let page: Page;
const dataDir = mkdtempSync(join(tmpdir(), 'mono-e2e-vps-'));
const releaseLink = join(dataDir, 'release');
/** The notifications the tray would show. */
const notices: { title: string; body: string }[] = [];

before(async () => {
  ensureRendererBuilt();
  key = await createTestKey();
  vps = await Vps.boot(key);
  [mirror, fakes] = await Promise.all([startMirror(vps.hostIp), startAgentFakes(vps.hostIp)]);
  const release = await buildRelease(VERSION);
  // The app deploys whatever build this link names (as an app update would bring a new one).
  symlinkSync(release, releaseLink);
  buildRelease(NEXT).catch(() => {});
  buildRelease(LATE, { fault: { kind: 'crash-after', seconds: 5 } }).catch(() => {});
  app = await startBrowserApp({
    version: '0.1.0',
    dataDir,
    passphrase: 'the owner of this test vps',
    notify: (notice) => notices.push(notice),
    rendererDir: RENDERER_DIR,
    agentPath: join(release, 'mono-agent.js'),
    endpoints: {
      telegramApiRoot: fakes.telegram.url,
      anthropicBaseUrl: fakes.anthropic.url,
      model: 'claude-sonnet-5-5',
    },
    provision: createVpsProvision({
      releaseDir: releaseLink,
      hubUser: HUB_USER,
      nodeMirror: mirror.url,
      nodeVersion: process.versions.node,
      nodeSha256: mirror.nodeSha256,
      knownHostsPath: join(dataDir, 'known_hosts'),
      extraEnv: {
        TELEGRAM_API_ROOT: fakes.telegram.url,
        ANTHROPIC_BASE_URL: fakes.anthropic.url,
        MONO_LOG_LEVEL: 'info',
        // No owner in the environment: nobody owns the VPS agent until the wizard's code is sent to it.
      },
    }),
  });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(app.bridge.openUrl);
});

after(async () => {
  await browser?.close();
  await app?.close();
  await fakes?.close();
  await mirror?.close();
  await vps?.stop();
  if (key) rmSync(key.dir, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
  await removeBuilds();
});

/** The fingerprint the provider's console shows: ssh-keygen on the server's own key file, not MONO's code. */
function consoleFingerprint(): string {
  const line = execFileSync('ssh-keygen', ['-lf', join(vps.keysDir, 'ssh_host_ed25519_key.pub')], {
    encoding: 'utf8',
  });
  return /SHA256:[A-Za-z0-9+/]{43}/.exec(line)?.[0] ?? '';
}
const knownHosts = () => join(dataDir, 'known_hosts');
const ADA = { chatId: 4201, userId: 4201, firstName: 'Ada', lastName: 'Lovelace' };
const MALLORY = { chatId: 4202, userId: 4202, firstName: 'Mallory' };
function sentTo(chatId: number, text: RegExp) {
  return (call: TelegramCall) =>
    call.method === 'sendMessage' &&
    String(call.params.chat_id) === String(chatId) &&
    text.test(String(call.params.text));
}
const pinned = () => (existsSync(knownHosts()) ? readFileSync(knownHosts(), 'utf8') : '');

test('first contact pins nothing by itself: an unconfirmed key is refused, a fingerprint that differs is refused', {
  timeout: 120_000,
}, async () => {
  const h = app.services.handlers;
  const target = { host: vps.host, user: 'root', port: 22, keyPath: key.identity };
  const seen = await h['ssh.hostKey'](target);
  assert.equal(seen.status, 'new');
  assert.equal(seen.fingerprint, consoleFingerprint(), 'shown exactly as ssh-keygen -lf prints it');
  assert.equal(pinned(), '', 'looking pins nothing');

  // Connecting (and so sending anything) without the owner's confirmation is refused.
  const test = await h['ssh.test'](target);
  assert.equal(test.ok, false);
  assert.match(test.checks.map((c) => c.detail).join(' '), /not known yet/);
  await assert.rejects(h['wizard.chooseVps'](target), /not known yet/);
  assert.equal(pinned(), '');

  // A person in the middle: the key that answers is not the one the provider's console shows.
  const otherServer = `SHA256:${'A'.repeat(43)}`;
  await assert.rejects(h['ssh.trustHostKey']({ target, fingerprint: otherServer }), /not the expected/);
  assert.equal(pinned(), '', 'a fingerprint that differs pins nothing');

  // A key that changed since it was pinned is refused everywhere, with what to do.
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dataDir, 'other'), '-C', ''], {
    encoding: 'utf8',
  });
  const otherKey = readFileSync(join(dataDir, 'other.pub'), 'utf8').trim().split(' ').slice(0, 2).join(' ');
  writeFileSync(knownHosts(), `${vps.host} ${otherKey}\n`);
  const changed = await h['ssh.hostKey'](target);
  assert.equal(changed.status, 'changed');
  assert.match(changed.problem ?? '', /changed.*intercepting.*remove its line from/s);
  assert.equal((await h['ssh.test'](target)).ok, false);
  rmSync(knownHosts());
});

test('the wizard tests the SSH connection and installs MONO on the VPS with live progress', {
  timeout: 300_000,
}, async () => {
  await page.getByLabel('Claude API key').fill(FAKE_ANTHROPIC_KEY);
  await page.getByRole('button', { name: 'Check key' }).click();
  await page.getByTestId('claude-ok').waitFor({ timeout: 20_000 });
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByLabel('Bot token').fill(FAKE_TELEGRAM_TOKEN);
  await page.getByRole('button', { name: 'Check token' }).click();
  await page.getByTestId('telegram-ok').waitFor({ timeout: 20_000 });
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('button', { name: 'Continue' }).click(); // WhatsApp: not now

  await page.getByRole('radio', { name: /My VPS/ }).click();
  await page.getByLabel('Server address').fill(vps.host);
  await page.getByLabel('User').fill('root');
  await page.getByLabel('Private key').fill(key.identity);
  await page.getByRole('button', { name: 'Test connection' }).click();
  // First contact: the fingerprint with where to compare it; nothing is pinned until the owner says it matches.
  const hostKeyCheck = page.getByTestId('host-key-check');
  await hostKeyCheck.waitFor({ timeout: 30_000 });
  assert.match(
    (await page.getByTestId('host-key-fingerprint').textContent()) ?? '',
    new RegExp(consoleFingerprint().replace(/[+/]/g, '\\$&')),
  );
  assert.match(
    (await hostKeyCheck.textContent()) ?? '',
    /web console.*ssh-keygen -lf \/etc\/ssh\/ssh_host_ed25519_key\.pub/s,
  );
  assert.equal(pinned(), '');
  await screenshot(page, 'wizard-host-key');
  await hostKeyCheck.getByRole('button', { name: 'They match — trust this server' }).click();
  const checks = page.locator('.checks li');
  // Either the checks or a refusal: say which, instead of timing out on one of them.
  await checks.nth(1).or(page.getByRole('alert')).first().waitFor({ timeout: 120_000 });
  assert.deepEqual(await page.getByRole('alert').allTextContents(), [], 'trusting the key was refused');
  await checks.nth(1).waitFor({ timeout: 60_000 });
  assert.equal(
    await page.locator('.checks li.check-ok').count(),
    2,
    await checks.allTextContents().then(String),
  );
  await screenshot(page, 'wizard-vps');
  assert.match(
    pinned(),
    new RegExp(`^${vps.host.replace(/\./g, '\\.')} ssh-ed25519 `),
    'pinned once confirmed',
  );

  await page.getByRole('button', { name: 'Install on this server' }).click();
  await page.getByTestId('install-upload').waitFor({ timeout: 60_000 });
  await page.locator('[data-testid="install-upload"].is-done').waitFor({ timeout: 180_000 });
  await screenshot(page, 'wizard-install');
  await page.getByRole('heading', { name: 'Your agent is alive' }).waitFor({ timeout: 180_000 });
  assert.match((await vps.must('readlink /opt/mono/current')).trim(), /^releases\/7\.7\.7\+[0-9a-f]{12}$/);
});

test('on the VPS too, the wizard ends with a one-time code: its Telegram sender becomes the VPS agent’s owner', {
  timeout: 180_000,
}, async () => {
  const { telegram, anthropic } = fakes;
  const h = app.services.handlers;
  // The code the wizard made through the SSH tunnel to the VPS agent's hub (shown once the desktop is connected):
  // only its hash is stored there.
  const code = (await page.getByTestId('claim-code').textContent({ timeout: 60_000 }))?.trim() ?? '';
  assert.match(code, /^MONO-[A-Z2-9]{5}-[A-Z2-9]{5}$/);
  const bot = telegram.botFor(FAKE_TELEGRAM_TOKEN);
  assert.equal(
    await page.getByTestId('claim-link').getAttribute('href'),
    `https://t.me/${bot.username}?start=${code}`,
  );
  const claims = await app.services.sync.query<{ code_hash: string }>('SELECT * FROM owner_claim');
  assert.equal(claims.length, 1);
  assert.ok(!JSON.stringify(claims).includes(code.replace(/-/g, '')));
  // Nobody owns the VPS agent yet: whoever writes hears it is not set up, and nothing reaches Claude.
  assert.deepEqual(await h['owner.list'](undefined), []);
  const before = anthropic.requests.length;
  telegram.sendText({ ...MALLORY, text: 'hello?' });
  await telegram.waitFor(sentTo(MALLORY.chatId, /isn't set up yet/), { timeoutMs: 60_000 });
  assert.equal(anthropic.requests.length, before);

  // What Telegram sends when the owner opens the t.me link on the phone and taps Start.
  telegram.sendText({ ...ADA, text: `/start ${code}` });
  await telegram.waitFor(sentTo(ADA.chatId, /you are my owner now/), { timeoutMs: 60_000 });
  await page
    .getByTestId('owner-claimed')
    .filter({ hasText: 'Ada Lovelace owns this agent' })
    .waitFor({ timeout: 30_000 });
  await screenshot(page, 'wizard-claimed-vps');
  const owners = await h['owner.list'](undefined);
  assert.deepEqual(
    owners.map((o) => [o.channel, o.external_id, o.added_by]),
    [['telegram', String(ADA.userId), 'claim']],
  );
  // The same code from someone else is refused; the owner's command is answered by MONO on the VPS at once.
  telegram.sendText({ ...MALLORY, text: code });
  await telegram.waitFor(sentTo(MALLORY.chatId, /That code was used already/), { timeoutMs: 60_000 });
  const asked = anthropic.requests.length;
  telegram.sendText({ ...ADA, text: '/status' });
  await telegram.waitFor(sentTo(ADA.chatId, /^MONO 7\.7\.7[\s\S]*telegram: polling/), { timeoutMs: 60_000 });
  assert.equal(anthropic.requests.length, asked, '/status is answered by MONO itself');
  await page.getByRole('button', { name: 'Open the dashboard' }).click();
});

test('the Server screen reads the VPS agent over SSH: healthy, its version, the journal as it is written', {
  timeout: 120_000,
}, async () => {
  await page.getByRole('link', { name: /Server/ }).click();
  await page.getByText('Healthy', { exact: true }).waitFor({ timeout: 60_000 });
  await page.getByText(VERSION, { exact: true }).waitFor();
  const log = page.getByTestId('server-log');
  await log.waitFor({ timeout: 30_000 });
  // The journal is followed while the screen is open: a new line shows up without a reload.
  fakes.telegram.sendText({ chatId: 777, userId: 777, text: 'hello from far away', firstName: 'Grace' });
  await log.getByText(/unknown sender/).waitFor({ timeout: 30_000 });
  await screenshot(page, 'server-vps');
});

test('one-click update installs the new version; Roll back returns to the one before, and says so', {
  timeout: 300_000,
}, async () => {
  // A new build arrives (what an app update brings): the link the app deploys from now names it.
  symlinkSync(await buildRelease(NEXT), `${releaseLink}.new`);
  renameSync(`${releaseLink}.new`, releaseLink);
  await page.getByRole('button', { name: 'Update agent' }).click();
  await page.getByText('Updating your agent').waitFor({ timeout: 30_000 });
  await page.getByText('Updating your agent').waitFor({ state: 'detached', timeout: 240_000 });
  assert.equal(await page.getByText('The last update failed').count(), 0);
  await page.getByText(NEXT, { exact: true }).waitFor({ timeout: 60_000 });
  assert.match((await vps.must('readlink /opt/mono/current')).trim(), /^releases\/7\.7\.8\+[0-9a-f]{12}$/);

  await page.getByRole('button', { name: 'Roll back' }).click();
  // Only the rollback's own message passes: which release it left, and which one runs again.
  const notice = page.getByRole('status').filter({ hasText: /Switched back from/ });
  await notice.waitFor({ timeout: 120_000 });
  assert.match(
    (await notice.textContent()) ?? '',
    /Switched back from 7\.7\.8\+[0-9a-f]{12} to 7\.7\.7\+[0-9a-f]{12}\./,
  );
  await page.getByText(VERSION, { exact: true }).waitFor({ timeout: 60_000 });
  assert.match((await vps.must('readlink /opt/mono/current')).trim(), /^releases\/7\.7\.7\+[0-9a-f]{12}$/);
  await page.getByText('Healthy', { exact: true }).waitFor({ timeout: 30_000 });
});

test('an update to a release that crashes 5 s after answering healthy: the desktop and the tray say what failed and that the previous version runs again', {
  timeout: 300_000,
}, async () => {
  const was = (await vps.must('readlink /opt/mono/current')).trim();
  symlinkSync(await buildRelease(LATE, { fault: { kind: 'crash-after', seconds: 5 } }), `${releaseLink}.new`);
  renameSync(`${releaseLink}.new`, releaseLink);
  const before = notices.length;
  await page.getByRole('button', { name: 'Update agent' }).click();
  const failed = page.getByText('The last update failed');
  await failed.waitFor({ timeout: 240_000 });
  const text = (await page.getByTestId('update-error').textContent()) ?? '';
  assert.match(text, /7\.7\.9\+[0-9a-f]{12} crashed \d+ s after it became healthy/, text);
  assert.match(text, /7\.7\.7\+[0-9a-f]{12} runs again/, text);
  const notice = notices.slice(before).find((n) => n.title === 'Update failed');
  assert.ok(notice, JSON.stringify(notices));
  assert.match(notice.body, /crashed \d+ s after it became healthy.*7\.7\.7\+[0-9a-f]{12} runs again/s);
  assert.equal(
    (await vps.must('readlink /opt/mono/current')).trim(),
    was,
    'the release from before is current',
  );
  await page.getByText(VERSION, { exact: true }).waitFor({ timeout: 60_000 });
  await page.getByText('Healthy', { exact: true }).waitFor({ timeout: 60_000 });
  // A fixed build arrives: what the app deploys from now on (a settings change deploys it too) is a good one again.
  symlinkSync(await buildRelease(VERSION), `${releaseLink}.new`);
  renameSync(`${releaseLink}.new`, releaseLink);
});

test('conversations from the VPS arrive live through the SSH tunnel to its hub', {
  timeout: 120_000,
}, async () => {
  await page.getByRole('link', { name: /Contacts & access/ }).click();
  // The owner the wizard's code made, read from the VPS agent through the tunnel.
  await page.getByTestId('owner-list').getByText('Ada Lovelace').waitFor({ timeout: 60_000 });
  const request = page.getByTestId('pairing-request');
  await request.waitFor({ timeout: 60_000 });
  assert.match((await request.textContent()) ?? '', /Grace/);
});

test('on a VPS too: a refused token never reaches the server, a revoked one shows as rejected, a new one is tried and sent', {
  timeout: 240_000,
}, async () => {
  const NEW_TOKEN = '7000000123:AANewTokenFromBotFatherNewToken0000';
  await page.getByRole('link', { name: /Integrations/ }).click();
  const card = page.locator('.card').filter({ has: page.getByRole('heading', { name: 'Telegram' }) });
  await page.getByLabel('New bot token').fill('7000000099:AAUnknownTokenUnknownTokenUnknown00');
  await card.getByRole('button', { name: 'Test and save' }).click();
  await card
    .getByRole('alert')
    .filter({ hasText: 'Telegram does not know this token' })
    .waitFor({ timeout: 30_000 });
  assert.match(await vps.must('cat /etc/mono/agent.env'), new RegExp(FAKE_TELEGRAM_TOKEN.split(':')[1]!));

  // Revoked at BotFather: the agent on the server finds out at its next poll and says so over SSH.
  fakes.telegram.tokens.delete(FAKE_TELEGRAM_TOKEN);
  await page.getByRole('link', { name: /Server/ }).click();
  await page
    .getByTestId('channel-telegram')
    .filter({ hasText: 'Credentials rejected' })
    .waitFor({ timeout: 90_000 });
  await page.getByTestId('server-status').filter({ hasText: 'Degraded' }).waitFor({ timeout: 30_000 });
  await page.getByTestId('data-path').filter({ hasText: '/var/lib/mono' }).waitFor();
  await screenshot(page, 'server-vps-telegram-rejected');

  fakes.telegram.tokens.add(NEW_TOKEN);
  await page.getByRole('link', { name: /Integrations/ }).click();
  await page.getByLabel('New bot token').fill(NEW_TOKEN);
  await card.getByRole('button', { name: 'Test and save' }).click();
  await card.getByText('Telegram accepted it. Saved and sent to your server.').waitFor({ timeout: 120_000 });
  assert.match(await vps.must('cat /etc/mono/agent.env'), new RegExp(NEW_TOKEN.split(':')[1]!));
  await page.getByRole('link', { name: /Server/ }).click();
  await page.getByText('Healthy', { exact: true }).waitFor({ timeout: 60_000 });
});

test('the Chat screen talks to the VPS agent: stored, answered once, the reply growing live through the tunnel', {
  timeout: 120_000,
}, async () => {
  await page.getByRole('link', { name: /Chat with MONO/ }).click();
  fakes.anthropic.chunkChars = 4;
  fakes.anthropic.streamDelayMs = 120;
  const question = 'From the desktop to the VPS: what is on my list for today, and what can wait?';
  await page.getByLabel('Message to MONO').fill(question);
  await page.keyboard.press('Enter');
  const growing = page.getByTestId('chat-log').locator('[data-status="streaming"]');
  await growing.waitFor({ timeout: 60_000 });
  const partial = (await growing.locator('.msg-text').textContent()) ?? '';
  assert.ok(`Echo: ${question}`.startsWith(partial), `"${partial}" is a part of the reply`);
  const log = page.getByTestId('chat-log');
  await log
    .locator('[data-status="sent"]')
    .getByText(`Echo: ${question}`, { exact: true })
    .waitFor({ timeout: 60_000 });
  fakes.anthropic.streamDelayMs = 0;
  const history = await app.services.handlers['chat.history'](undefined);
  assert.equal(history.messages.filter((m) => m.text === question).length, 1);
  assert.equal(history.messages.filter((m) => m.text === `Echo: ${question}`).length, 1);
  await screenshot(page, 'chat-vps');
});
