// Moving the agent to another VPS as the desktop does it (the real provisioning adapter, the real move): the new
// server answers with the old one's memory, a message sent while the agent is between servers is answered once,
// the old agent is stopped, and the desktop's offer then removes MONO from the old server.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Secret } from '../../agent-core/config/secret.ts';
import type { VpsTarget } from '../../src-main/ipc/contract.ts';
import { createBackups } from '../../src-main/services/backups.ts';
import { createInstallTracker } from '../../src-main/services/install.ts';
import { moveToVps, vpsSource } from '../../src-main/services/move-vps.ts';
import { createPrefsStore } from '../../src-main/services/prefs.ts';
import { createVpsProvision } from '../../src-main/services/provision-vps.ts';
import { createVault } from '../../src-main/services/vault.ts';
import {
  type AgentFakes,
  answeredOnceAfterTheMove,
  FAKE_ANTHROPIC_KEY,
  FAKE_TELEGRAM_TOKEN,
  startAgentFakes,
} from './agent-fakes.ts';
import {
  bootMany,
  buildRelease,
  createTestKey,
  removeBuilds,
  startFleetMirror,
  type TestKey,
  tempMonoHome,
  type Vps,
} from './harness.ts';

/** Each VPS reaches only its own veth peer: the fakes listen on the first one and a relay on the second. */
function relay(host: string, port: number, to: { host: string; port: number }): Promise<() => Promise<void>> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    const upstream = connect(to.port, to.host);
    for (const s of [socket, upstream]) {
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
    }
    socket.pipe(upstream).pipe(socket);
    socket.on('error', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
  });
  // A long poll from a VPS that is gone never ends by itself: closing cuts every connection.
  const close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(close));
  });
}

describe('moving the agent to another VPS', { timeout: 900_000 }, () => {
  let key: TestKey;
  let home: string;
  let fleet: Vps[];
  let fakes: AgentFakes;
  let mirror: { url: string; nodeSha256: string };
  const cleanups: (() => Promise<unknown>)[] = [];
  const target = (vps: Vps): VpsTarget => ({ host: vps.host, user: 'root', port: 22, keyPath: key.identity });

  before(async () => {
    const building = buildRelease('1.0.0');
    key = await createTestKey();
    home = await tempMonoHome();
    fleet = await bootMany(key, 2);
    const fleetMirror = await startFleetMirror(fleet);
    mirror = fleetMirror;
    fakes = await startAgentFakes(fleet[0]!.hostIp);
    cleanups.push(
      () => fleetMirror.close(),
      () => fakes.close(),
    );
    const urls = [fakes.telegram.url, fakes.anthropic.url].map((u) => new URL(u));
    for (const url of urls) {
      const close = await relay(fleet[1]!.hostIp, Number(url.port), {
        host: url.hostname,
        port: Number(url.port),
      });
      cleanups.push(close);
    }
    await Promise.all(fleet.map((v) => v.must(`echo '${v.hostIp} mono-fakes.test' >> /etc/hosts`)));
    cleanups.push(async () => {
      for (const v of fleet) await v.stop();
    });
    await building;
  });

  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
    await rm(home, { recursive: true, force: true });
    await rm(key?.dir ?? '', { recursive: true, force: true });
    await removeBuilds();
  });

  it('answers from the new server with the old one’s memory, once, and the old one is stopped', async () => {
    const [oldVps, newVps] = fleet as [Vps, Vps];
    const port = (u: string) => new URL(u).port;
    const provision = createVpsProvision({
      releaseDir: await buildRelease('1.0.0'),
      hubUser: 'mono_desktop',
      nodeMirror: mirror.url,
      nodeSha256: mirror.nodeSha256,
      nodeVersion: process.versions.node,
      knownHostsPath: join(home, 'known_hosts'),
      extraEnv: {
        TELEGRAM_API_ROOT: `http://mono-fakes.test:${port(fakes.telegram.url)}`,
        ANTHROPIC_BASE_URL: `http://mono-fakes.test:${port(fakes.anthropic.url)}`,
        MONO_ALLOW_TELEGRAM: '*',
        // Everyone may talk; the owner is someone else (with no owner the agent answers only "not set up yet").
        MONO_OWNER_CHAT: 'telegram:1',
        MONO_LOG_LEVEL: 'info',
      },
    });
    cleanups.push(() => provision.close?.() ?? Promise.resolve());
    const secrets = {
      anthropic_api_key: new Secret(FAKE_ANTHROPIC_KEY),
      telegram_bot_token: new Secret(FAKE_TELEGRAM_TOKEN),
      vps_hub_password: new Secret(randomBytes(18).toString('base64url')),
    };
    // The owner compared each server's fingerprint and trusted it (the wizard and the move form ask).
    for (const vps of [oldVps, newVps]) {
      await provision.trustHostKey(target(vps), (await provision.hostKey(target(vps))).fingerprint);
    }
    await provision.deploy(target(oldVps), secrets, () => {});
    fakes.telegram.sendText({ chatId: 700, userId: 700, text: 'Remember: my favourite colour is teal' });
    await fakes.telegram.waitForSent(1, { timeoutMs: 30_000 });

    const prefs = createPrefsStore(join(await mkdtemp(join(tmpdir(), 'mono-move-prefs-')), 'desktop.json'));
    prefs.update({ mode: 'vps', vps: target(oldVps) });
    let sentDuringMove = false;
    const tracker = createInstallTracker((state) => {
      // Between the servers: the old agent stopped, the new one's channels not on yet.
      const stopped = state.steps.find((s) => s.step === 'stop-old')?.status === 'done';
      if (stopped && !sentDuringMove) {
        sentDuringMove = true;
        fakes.telegram.sendText({ chatId: 701, userId: 701, text: 'sent while the agent moves' });
      }
    });
    tracker.begin([]);
    const message = await moveToVps(
      {
        provision,
        prefs,
        tracker,
        folder: home,
        passphrase: () => new Secret('a passphrase kept in the vault'),
        secrets: () => secrets,
        settings: () => ({}),
        followed: () => {},
        now: () => new Date(),
      },
      vpsSource(provision, target(oldVps)),
      target(newVps),
    );
    assert.match(message, new RegExp(`moved to root@${newVps.host.replace(/\./g, '\\.')}`));
    assert.ok(sentDuringMove);
    assert.deepEqual(prefs.get().vps, target(newVps));
    assert.deepEqual(
      tracker.state().steps.map((s) => [s.step, s.status]),
      [
        ['install', 'done'],
        ['stop-old', 'done'],
        ['backup', 'done'],
        ['restore', 'done'],
        ['whatsapp', 'skipped'],
        ['channels', 'done'],
        ['switch', 'done'],
      ],
    );
    assert.equal((await oldVps.ssh('systemctl is-active mono-agent')).stdout.trim(), 'inactive');
    assert.equal((await newVps.must('systemctl is-active mono-agent')).trim(), 'active');

    // The message that came while no agent answered is answered once, by the new server.
    await answeredOnceAfterTheMove(fakes);

    // The Server screen's offer to remove MONO from the old server, as the desktop runs it.
    const backups = createBackups({
      dataDir: home,
      vault: createVault({ file: join(home, 'vault.json') }),
      prefs,
      provision,
      agent: { status: () => ({ state: 'stopped', restarts: 0 }), stop: async () => {} },
      local: { env: () => ({}), command: [], start: async () => {}, inTurn: (work) => work() },
      move: { secrets: () => secrets, settings: () => ({}), followed: () => {} },
      emit: () => {},
      log: () => {},
    });
    assert.deepEqual((await backups.overview()).oldServer, target(oldVps));
    await backups.uninstallOld();
    const deadline = Date.now() + 180_000;
    let removed = await backups.overview();
    while (removed.progress?.running && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      removed = await backups.overview();
    }
    assert.equal(removed.progress?.error, undefined, JSON.stringify(removed.progress?.error));
    assert.equal(removed.progress?.result, `MONO was removed from root@${oldVps.host}.`);
    assert.equal(removed.oldServer, undefined, 'the offer is gone once MONO is');
    assert.deepEqual(prefs.get().vps, target(newVps));
    assert.equal(
      (await oldVps.ssh('test -e /var/lib/mono')).code,
      1,
      'nothing of MONO left on the old server',
    );
  });
});
