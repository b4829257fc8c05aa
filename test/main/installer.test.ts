// Installing on a VPS from the desktop, when the deploy fails or never ends: the install screen always reaches an
// end (failed, with the reason), Install/Update work again without restarting MONO, and deploys never overlap.
import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { VpsTarget } from '../../src-main/ipc/contract.ts';
import type { AgentSupervisor } from '../../src-main/services/agent-supervisor.ts';
import { createAppStateView } from '../../src-main/services/app-state.ts';
import { createInstallTracker } from '../../src-main/services/install.ts';
import { createInstaller } from '../../src-main/services/installer.ts';
import { createPrefsStore } from '../../src-main/services/prefs.ts';
import type { ProvisionAdapter } from '../../src-main/services/provision-adapter.ts';
import { createVault, type KeyringLike } from '../../src-main/services/vault.ts';

const dir = mkdtempSync(join(tmpdir(), 'mono-installer-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const VPS: VpsTarget = { host: '203.0.113.7', user: 'root', port: 22, keyPath: '/k' };

function keyring(): KeyringLike {
  const key = randomBytes(32);
  return {
    isEncryptionAvailable: () => true,
    getSelectedStorageBackend: () => 'gnome_libsecret',
    encryptString(plain) {
      const iv = randomBytes(16);
      const c = createCipheriv('aes-256-cbc', key, iv);
      return Buffer.concat([iv, c.update(plain, 'utf8'), c.final()]);
    },
    decryptString(sealed) {
      const d = createDecipheriv('aes-256-cbc', key, sealed.subarray(0, 16));
      return Buffer.concat([d.update(sealed.subarray(16)), d.final()]).toString('utf8');
    },
  };
}

function setup(deploy: ProvisionAdapter['deploy'], deployDeadlineMs?: number) {
  const sub = mkdtempSync(join(dir, 'case-'));
  const vault = createVault({ file: join(sub, 'vault.json'), keyring: keyring(), platform: 'linux' });
  vault.set('anthropic_api_key', 'sk-ant-test');
  const prefs = createPrefsStore(join(sub, 'desktop.json'));
  prefs.update({ mode: 'vps', vps: VPS, wizardStep: 'install' });
  const install = createInstallTracker(() => {});
  const appState = createAppStateView({
    version: '0',
    shell: 'browser',
    vault,
    prefs,
    canLaunchAtLogin: false,
    emit: () => {},
  });
  const installer = createInstaller({
    vault,
    prefs,
    agent: {} as AgentSupervisor,
    sync: { start() {}, kick() {}, status: () => ({ state: 'online', epoch: 1, since: '', attempt: 0 }) },
    install,
    provision: { deploy },
    appState,
    log: () => {},
    ...(deployDeadlineMs !== undefined && { deployDeadlineMs }),
  });
  return { installer, install, prefs };
}

test('a deploy that fails ends the install with the reason, and Retry deploys again', async () => {
  let calls = 0;
  const { installer, install, prefs } = setup(async (_vps, _secrets, onEvent) => {
    calls += 1;
    onEvent({ step: 'node', status: 'running', message: 'Downloading Node.js' });
    if (calls === 1) throw new Error('node: the download did not finish within 10 minutes');
    onEvent({ step: 'node', status: 'done', message: 'ok' });
  });
  await installer.runVpsDeploy(VPS);
  assert.equal(install.state().running, false);
  assert.equal(install.state().error?.step, 'node');
  assert.match(install.state().error?.message ?? '', /did not finish within 10 minutes/);
  await installer.runVpsDeploy(VPS);
  assert.equal(calls, 2);
  assert.equal(install.state().running, false);
  assert.equal(install.state().error, undefined);
  assert.equal(prefs.get().wizardStep, 'done');
});

test('a deploy that never returns is cancelled at the deadline; the screen ends and Retry works', async () => {
  const signals: AbortSignal[] = [];
  let calls = 0;
  const { installer, install } = setup((_vps, _secrets, onEvent, _env, signal) => {
    calls += 1;
    if (signal) signals.push(signal);
    onEvent({ step: 'unit', status: 'running', message: 'systemctl daemon-reload' });
    if (calls === 1) return new Promise(() => {}); // hangs for ever
    return Promise.resolve();
  }, 300);
  const began = Date.now();
  await installer.runVpsDeploy(VPS);
  assert.ok(Date.now() - began < 3_000);
  assert.equal(install.state().running, false);
  assert.equal(install.state().error?.step, 'unit');
  assert.match(
    install.state().error?.message ?? '',
    /did not finish within .* minutes and was stopped.*Retry/,
  );
  assert.equal(signals[0]?.aborted, true, 'the deploy itself was told to stop (it releases the host lock)');
  await installer.runVpsDeploy(VPS);
  assert.equal(install.state().error, undefined);
});

test('a secret saved during an update waits for it instead of deploying over it', async () => {
  let active = 0;
  let overlapped = false;
  const { installer } = setup(async () => {
    active += 1;
    if (active > 1) overlapped = true;
    await new Promise((r) => setTimeout(r, 100));
    active -= 1;
  });
  await Promise.all([installer.runVpsDeploy(VPS), installer.applyAgentEnv(), installer.applyAgentEnv()]);
  assert.equal(overlapped, false);
});

test('only the secrets the agent reads are sent to the VPS, never the desktop’s own', () => {
  const { installer } = setup(async () => {});
  const sent = Object.keys(installer.vpsSecrets()).sort();
  assert.deepEqual(sent, ['anthropic_api_key', 'vps_hub_password']);
});
