// The move to another VPS as an order of operations (the provisioning edge is scripted here; the real one is used
// by the VPS test): channels stay off on the new server until its data is there, the old agent is stopped before
// its final backup, and any failure gives the owner exactly one answering agent — the old one.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Secret } from '../../../agent-core/config/secret.ts';
import type { VpsTarget } from '../../../src-main/ipc/contract.ts';
import { createInstallTracker } from '../../../src-main/services/install.ts';
import { type MoveDeps, type MoveSource, moveToVps, vpsSource } from '../../../src-main/services/move-vps.ts';
import { createPrefsStore } from '../../../src-main/services/prefs.ts';

const dir = mkdtempSync(join(tmpdir(), 'mono-move-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const OLD: VpsTarget = { host: '203.0.113.1', user: 'root', port: 22, keyPath: '/k' };
const NEW: VpsTarget = { host: '203.0.113.2', user: 'root', port: 22, keyPath: '/k' };

function scripted(failAt?: string) {
  const calls: string[] = [];
  /** The secrets each deploy sent, in order. */
  const deployed: Record<string, string>[] = [];
  const who = (t: VpsTarget) => (t.host === OLD.host ? 'old' : 'new');
  const step = async (name: string) => {
    calls.push(name);
    if (name === failAt) throw new Error(`${name} failed`);
  };
  const provision: MoveDeps['provision'] = {
    async deploy(target, secrets, _onEvent, env = {}) {
      deployed.push(Object.fromEntries(Object.entries(secrets).map(([k, v]) => [k, v.reveal()])));
      const channels = 'telegram_bot_token' in secrets || 'MONO_WHATSAPP_LINKED' in env;
      await step(`deploy ${who(target)} channels ${channels ? 'on' : 'off'}`);
      assert.ok('anthropic_api_key' in secrets && 'vps_hub_password' in secrets);
    },
    async setAgentRunning(target, running) {
      await step(`${running ? 'start' : 'stop'} ${who(target)}`);
    },
    async backup(target) {
      await step(`backup ${who(target)}`);
      return { bytes: 2048, counts: { message: 12 } };
    },
    async restore(target, o) {
      await step(`restore ${who(target)}${o.replace ? ' replace' : ''}`);
      return { counts: { message: 12 } };
    },
    async copyLinkedDevice(from, to) {
      await step(`whatsapp ${who(from)}→${who(to)}`);
      return { moved: true };
    },
    async close() {
      calls.push('close tunnel');
    },
  };
  const prefs = createPrefsStore(join(mkdtempSync(join(dir, 'p-')), 'desktop.json'));
  prefs.update({ mode: 'vps', vps: OLD, whatsapp: { mode: 'linked' } });
  const deps: MoveDeps = {
    provision,
    prefs,
    tracker: createInstallTracker(() => {}),
    folder: dir,
    passphrase: () => new Secret('p'.repeat(40)),
    secrets: () => ({
      anthropic_api_key: new Secret('sk-ant'),
      telegram_bot_token: new Secret('1:tok'),
      vps_hub_password: new Secret('hub'),
    }),
    settings: () => ({ MONO_WHATSAPP_LINKED: '1' }),
    followed: () => calls.push('follow'),
    now: () => new Date('2030-01-01T00:00:00Z'),
  };
  // The agent on this computer, as the desktop's move from local mode drives it.
  const local: MoveSource = {
    label: 'this computer',
    stop: () => step('stop local'),
    start: () => step('start local'),
    async backup() {
      await step('backup local');
      return { bytes: 1024, counts: { message: 3 } };
    },
    async copyLinkedDevice(to) {
      await step(`whatsapp local→${who(to)}`);
      return { moved: true, keptAside: '/var/lib/mono/whatsapp-auth.before-move-20300101T000000Z' };
    },
    followed: {},
    leftBehind: 'The agent on this computer is stopped.',
  };
  return { calls, deps, prefs, local, deployed };
}

describe('moving to another VPS', () => {
  test('channels on at the new server only once its data is there; the old agent stopped before its last backup', async () => {
    const { calls, deps, prefs } = scripted();
    const message = await moveToVps(deps, vpsSource(deps.provision, OLD), NEW);
    assert.deepEqual(calls, [
      'deploy new channels off',
      'stop old',
      'backup old',
      'restore new',
      'whatsapp old→new',
      'deploy new channels on',
      'close tunnel',
      'follow',
    ]);
    assert.deepEqual(prefs.get().vps, NEW);
    assert.deepEqual(prefs.get().oldVps, OLD);
    assert.match(message, /moved to root@203\.0\.113\.2.*stopped on root@203\.0\.113\.1/);
  });

  for (const [failAt, expected] of [
    ['backup old', ['deploy new channels off', 'stop old', 'backup old', 'start old']],
    ['restore new', ['deploy new channels off', 'stop old', 'backup old', 'restore new', 'start old']],
    [
      'deploy new channels on',
      [
        'deploy new channels off',
        'stop old',
        'backup old',
        'restore new',
        'whatsapp old→new',
        'deploy new channels on',
        'stop new',
        'start old',
      ],
    ],
  ] as const) {
    test(`a failure at "${failAt}" leaves the old agent answering and the desktop on it`, async () => {
      const { calls, deps, prefs } = scripted(failAt);
      await assert.rejects(
        moveToVps(deps, vpsSource(deps.provision, OLD), NEW),
        new RegExp(`${failAt} failed`),
      );
      assert.deepEqual(calls, expected);
      assert.deepEqual(prefs.get().vps, OLD);
      assert.equal(prefs.get().oldVps, undefined);
    });
  }

  test('a failed install on the new server never stops the old agent', async () => {
    const { calls, deps, prefs } = scripted('deploy new channels off');
    await assert.rejects(moveToVps(deps, vpsSource(deps.provision, OLD), NEW));
    assert.deepEqual(calls, ['deploy new channels off']);
    assert.deepEqual(prefs.get().vps, OLD);
  });
});

describe('moving the agent on this computer to a VPS', () => {
  test('the same order: channels on at the VPS only once its data is there, the local agent stopped first', async () => {
    const { calls, deps, prefs, local } = scripted();
    prefs.update({ mode: 'local', vps: undefined });
    const message = await moveToVps(deps, local, NEW);
    assert.deepEqual(calls, [
      'deploy new channels off',
      'stop local',
      'backup local',
      'restore new',
      'whatsapp local→new',
      'deploy new channels on',
      'close tunnel',
      'follow',
    ]);
    assert.equal(prefs.get().mode, 'vps');
    assert.deepEqual(prefs.get().vps, NEW);
    assert.equal(prefs.get().oldVps, undefined);
    assert.match(message, /moved to root@203\.0\.113\.2\. The agent on this computer is stopped/);
    // The linked WhatsApp device's keys go along; what the server had is named, not silently overwritten.
    const whatsapp = deps.tracker.state().steps.find((s) => s.step === 'whatsapp');
    assert.equal(whatsapp?.status, 'done');
    assert.match(
      whatsapp?.message ?? '',
      /moved with the agent; the keys the new server had are kept in \/var\/lib\/mono\/whatsapp-auth\.before-move-/,
    );
  });

  test('a failure after the local agent stopped starts it again, and the desktop stays in local mode', async () => {
    const { calls, deps, prefs, local } = scripted('restore new');
    prefs.update({ mode: 'local', vps: undefined });
    await assert.rejects(moveToVps(deps, local, NEW), /restore new failed/);
    assert.deepEqual(calls, [
      'deploy new channels off',
      'stop local',
      'backup local',
      'restore new',
      'start local',
    ]);
    assert.equal(prefs.get().mode, 'local');
    assert.equal(prefs.get().vps, undefined);
  });
});

describe('moving with WhatsApp on the Cloud API', () => {
  test('Telegram switches by itself; re-pointing Meta’s webhook is left as the owner’s step, said exactly', async () => {
    const { calls, deps, prefs, deployed } = scripted();
    prefs.update({ whatsapp: { mode: 'cloud', phoneNumberId: '106540352242922' } });
    const cloud = {
      ...deps.secrets(),
      whatsapp_access_token: new Secret('EAAtoken'),
      whatsapp_app_secret: new Secret('app-secret'),
      whatsapp_verify_token: new Secret('the-verify-token'),
    };
    const message = await moveToVps(
      { ...deps, secrets: () => cloud, settings: () => ({}) },
      vpsSource(deps.provision, OLD),
      NEW,
    );
    assert.deepEqual(calls, [
      'deploy new channels off',
      'stop old',
      'backup old',
      'restore new',
      'deploy new channels on',
      'close tunnel',
      'follow',
    ]);
    // No WhatsApp secret before the data is there; then the same verify token as the old server's.
    assert.equal(
      Object.keys(deployed[0]!).some((k) => k.startsWith('whatsapp_')),
      false,
    );
    assert.equal(deployed[1]!.whatsapp_verify_token, 'the-verify-token');
    const steps = deps.tracker.state().steps;
    assert.deepEqual(
      steps.map((s) => [s.step, s.status]),
      [
        ['install', 'done'],
        ['stop-old', 'done'],
        ['backup', 'done'],
        ['restore', 'done'],
        ['whatsapp', 'skipped'],
        ['channels', 'done'],
        ['whatsapp-webhook', 'waiting'],
        ['switch', 'done'],
      ],
    );
    assert.equal(
      steps.find((s) => s.step === 'channels')?.message,
      'Telegram answers from the new server; WhatsApp once its webhook points there',
    );
    const webhook = steps.find((s) => s.step === 'whatsapp-webhook')?.message ?? '';
    assert.match(
      webhook,
      /^Waiting for you: WhatsApp still sends messages to root@203\.0\.113\.1, where the agent is stopped\./,
    );
    assert.match(webhook, /App Dashboard → WhatsApp → Configuration → Webhook → Edit/);
    assert.match(
      webhook,
      /your HTTPS address for 203\.0\.113\.2 \(it reaches the agent on port 7420, path \/whatsapp\)/,
    );
    assert.match(webhook, /keep the verify token as it is: the new server has the same one/);
    assert.doesNotMatch(
      JSON.stringify(deps.tracker.state()),
      /the-verify-token|EAAtoken|app-secret/,
      'no secret in the progress',
    );
    assert.match(message, /WhatsApp waits for you: see the last step\.$/);
  });

  test('without WhatsApp on the Cloud API there is no step waiting for the owner', async () => {
    const { deps } = scripted();
    await moveToVps(deps, vpsSource(deps.provision, OLD), NEW);
    assert.equal(
      deps.tracker.state().steps.some((s) => s.status === 'waiting'),
      false,
    );
  });
});
