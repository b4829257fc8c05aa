// After a move, the desktop offers to remove MONO from the old server: the Server screen's button runs the uninstall
// on exactly that server, forgets it only once MONO is gone from it, and a failed uninstall can be tried again.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BackupOverview, VpsTarget } from '../../../src-main/ipc/contract.ts';
import { type Backups, createBackups } from '../../../src-main/services/backups.ts';
import { createPrefsStore } from '../../../src-main/services/prefs.ts';
import type { ProvisionAdapter } from '../../../src-main/services/provision-adapter.ts';
import { createVault } from '../../../src-main/services/vault.ts';
import { tempDataDir } from '../../helpers/agent-process.ts';

const OLD: VpsTarget = { host: '203.0.113.1', user: 'root', port: 22, keyPath: '/k' };
const NEW: VpsTarget = { host: '203.0.113.2', user: 'root', port: 22, keyPath: '/k' };

describe('removing MONO from the old server after a move', () => {
  const desktop = tempDataDir('mono-uninstall-old-');
  const calls: string[] = [];
  let uninstallFails = true;
  const who = (t: VpsTarget) => (t.host === OLD.host ? 'old' : 'new');
  // The provisioning edge, scripted: what each server was asked to do.
  const provision = {
    async deploy(target: VpsTarget) {
      calls.push(`deploy ${who(target)}`);
    },
    async setAgentRunning(target: VpsTarget, running: boolean) {
      calls.push(`${running ? 'start' : 'stop'} ${who(target)}`);
    },
    async backup(target: VpsTarget) {
      calls.push(`backup ${who(target)}`);
      return { bytes: 2048, counts: { message: 12 } };
    },
    async restore(target: VpsTarget) {
      calls.push(`restore ${who(target)}`);
      return { counts: { message: 12 } };
    },
    async copyLinkedDevice() {
      return { moved: false };
    },
    async uninstall(
      target: VpsTarget,
      onEvent: (e: { step: string; status: 'running' | 'done'; message: string }) => void,
    ) {
      calls.push(`uninstall ${who(target)}`);
      onEvent({ step: 'connect', status: 'done', message: `Connected to ${target.host}` });
      if (uninstallFails) throw new Error(`${target.host} did not answer`);
      for (const step of ['preflight', 'lock', 'uninstall', 'verify'])
        onEvent({ step, status: 'done', message: `${step} done` });
    },
  } as unknown as ProvisionAdapter;
  const prefs = createPrefsStore(join(desktop.dir, 'desktop.json'));
  const vault = createVault({ file: join(desktop.dir, 'vault.json') });
  let backups: Backups;

  async function settled(): Promise<BackupOverview> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const o = await backups.overview();
      if (!o.progress?.running) return o;
      if (Date.now() > deadline) assert.fail('still running');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  before(async () => {
    await vault.create('a passphrase for the test vault');
    prefs.update({ mode: 'vps', vps: OLD, wizardDone: true });
    backups = createBackups({
      dataDir: desktop.dir,
      vault,
      prefs,
      agent: { status: () => ({ state: 'stopped', restarts: 0 }), stop: async () => {} },
      provision,
      local: { env: () => ({}), command: [], start: async () => {}, inTurn: (work) => work() },
      move: { secrets: () => ({}), settings: () => ({}), followed: () => calls.push('follow') },
      emit: () => {},
      log: () => {},
    });
  });
  after(() => desktop.remove());

  test('there is nothing to remove before a move', async () => {
    await assert.rejects(async () => backups.uninstallOld(), /There is no previous server to clean up/);
    assert.deepEqual(calls, []);
  });

  test('the move remembers the old server; removing it uninstalls there only, and forgets it once done', async () => {
    await backups.move(NEW);
    let o = await settled();
    assert.equal(o.progress?.error, undefined, JSON.stringify(o.progress?.error));
    assert.deepEqual(o.oldServer, OLD);
    assert.deepEqual(prefs.get().vps, NEW);

    // The old server does not answer: the owner is told, and the offer stays.
    calls.length = 0;
    await backups.uninstallOld();
    o = await settled();
    assert.deepEqual(calls, ['uninstall old']);
    assert.equal(o.progress?.kind, 'move');
    assert.match(o.progress?.error?.message ?? '', /203\.0\.113\.1 did not answer/);
    assert.deepEqual(o.oldServer, OLD, 'still offered: MONO may still be there');

    uninstallFails = false;
    calls.length = 0;
    await backups.uninstallOld();
    o = await settled();
    assert.deepEqual(calls, ['uninstall old']);
    assert.equal(o.progress?.error, undefined);
    assert.deepEqual(
      o.progress?.steps.map((s) => [s.step, s.status]),
      ['connect', 'preflight', 'lock', 'uninstall', 'verify'].map((step) => [step, 'done']),
    );
    assert.equal(o.progress?.result, 'MONO was removed from root@203.0.113.1.');
    assert.equal(o.oldServer, undefined);
    assert.deepEqual(prefs.get().vps, NEW, 'the desktop still follows the new server');
    await assert.rejects(async () => backups.uninstallOld(), /There is no previous server to clean up/);
  });
});
