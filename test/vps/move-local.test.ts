// Moving the agent set up on this computer to a VPS, as the desktop does it (the real local agent and its backup,
// the real provisioning adapter, the real move): the server answers with what the local agent remembered, a
// message sent while the agent is between the two is answered once, and the local agent stays stopped.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Secret } from '../../agent-core/config/secret.ts';
import type { VpsTarget } from '../../src-main/ipc/contract.ts';
import { createAgentSupervisor, nodeSpawnAgent } from '../../src-main/services/agent-supervisor.ts';
import { localMoveSource } from '../../src-main/services/backups.ts';
import { createInstallTracker } from '../../src-main/services/install.ts';
import { localAgentEnv, prepareLocalAgent } from '../../src-main/services/local-mode.ts';
import { moveToVps } from '../../src-main/services/move-vps.ts';
import { createPrefsStore } from '../../src-main/services/prefs.ts';
import { createVpsProvision } from '../../src-main/services/provision-vps.ts';
import { createVault } from '../../src-main/services/vault.ts';
import { type AgentFakes, FAKE_ANTHROPIC_KEY, FAKE_TELEGRAM_TOKEN, startAgentFakes } from './agent-fakes.ts';
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

const AGENT_PATH = fileURLToPath(new URL('../../agent-core/dist/mono-agent.js', import.meta.url));

describe('moving the agent on this computer to a VPS', { timeout: 900_000 }, () => {
  let key: TestKey;
  let home: string;
  let vps: Vps;
  let fakes: AgentFakes;
  let mirror: { url: string; nodeSha256: string };
  const cleanups: (() => Promise<unknown>)[] = [];

  before(async () => {
    const building = buildRelease('1.0.0');
    key = await createTestKey();
    home = await tempMonoHome();
    [vps] = (await bootMany(key, 1)) as [Vps];
    const fleetMirror = await startFleetMirror([vps]);
    mirror = fleetMirror;
    fakes = await startAgentFakes(vps.hostIp);
    cleanups.push(
      () => fleetMirror.close(),
      () => fakes.close(),
      () => vps.stop(),
    );
    await vps.must(`echo '${vps.hostIp} mono-fakes.test' >> /etc/hosts`);
    await building;
  });

  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
    await rm(home, { recursive: true, force: true });
    await rm(key?.dir ?? '', { recursive: true, force: true });
    await removeBuilds();
  });

  it('the server answers with what the local agent remembered, once, and the local agent stays stopped', async () => {
    const port = (u: string) => new URL(u).port;
    const upstreams = {
      MONO_ALLOW_TELEGRAM: '*',
      // Everyone may talk; the owner is someone else (with no owner the agent answers only "not set up yet").
      MONO_OWNER_CHAT: 'telegram:1',
    };
    // The desktop's side: its vault, its preferences in local mode, and its agent under the real supervisor.
    const desktopDir = await mkdtemp(join(tmpdir(), 'mono-move-local-'));
    cleanups.push(() => rm(desktopDir, { recursive: true, force: true }));
    const vault = createVault({ file: join(desktopDir, 'vault.json'), platform: 'linux' });
    await vault.create('a passphrase for the tests');
    vault.set('anthropic_api_key', FAKE_ANTHROPIC_KEY);
    vault.set('telegram_bot_token', FAKE_TELEGRAM_TOKEN);
    const prefs = createPrefsStore(join(desktopDir, 'desktop.json'));
    prefs.update({ mode: 'local' });
    const env = () =>
      localAgentEnv({
        dataDir: desktopDir,
        hubPort: 0,
        vault,
        prefs: prefs.get(),
        extra: {
          ...upstreams,
          TELEGRAM_API_ROOT: fakes.telegram.url,
          ANTHROPIC_BASE_URL: fakes.anthropic.url,
        },
      });
    const agent = createAgentSupervisor({
      spawn: nodeSpawnAgent(),
      agentPath: AGENT_PATH,
      env: () => {
        prepareLocalAgent({ desktopDir, hubPort: 0, vault, file: join(desktopDir, 'desktop-agent.json') });
        return env();
      },
    });
    cleanups.push(() => agent.stop());
    await agent.start();
    fakes.telegram.sendText({ chatId: 700, userId: 700, text: 'Remember: my favourite colour is teal' });
    await fakes.telegram.waitForSent(1, { timeoutMs: 30_000 });

    const provision = createVpsProvision({
      releaseDir: await buildRelease('1.0.0'),
      hubUser: 'mono_desktop',
      nodeMirror: mirror.url,
      nodeSha256: mirror.nodeSha256,
      nodeVersion: process.versions.node,
      knownHostsPath: join(home, 'known_hosts'),
      extraEnv: {
        ...upstreams,
        TELEGRAM_API_ROOT: `http://mono-fakes.test:${port(fakes.telegram.url)}`,
        ANTHROPIC_BASE_URL: `http://mono-fakes.test:${port(fakes.anthropic.url)}`,
        MONO_LOG_LEVEL: 'info',
      },
    });
    cleanups.push(() => provision.close?.() ?? Promise.resolve());
    vault.set('vps_hub_password', 'a-hub-password-for-the-move-test');
    const secrets = {
      anthropic_api_key: new Secret(FAKE_ANTHROPIC_KEY),
      telegram_bot_token: new Secret(FAKE_TELEGRAM_TOKEN),
      vps_hub_password: vault.get('vps_hub_password') as Secret,
    };
    let sentDuringMove = false;
    const tracker = createInstallTracker((state) => {
      // Between the two: the local agent stopped, the server's channels not on yet.
      const stopped = state.steps.find((s) => s.step === 'stop-old')?.status === 'done';
      if (stopped && !sentDuringMove) {
        sentDuringMove = true;
        assert.equal(agent.status().state, 'stopped', 'the local agent is stopped before its last backup');
        fakes.telegram.sendText({ chatId: 701, userId: 701, text: 'sent while the agent moves' });
      }
    });
    tracker.begin([]);
    const to: VpsTarget = { host: vps.host, user: 'root', port: 22, keyPath: key.identity };
    // The owner compared the server's fingerprint and trusted it, as the move form asks.
    await provision.trustHostKey(to, (await provision.hostKey(to)).fingerprint);
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
      localMoveSource({
        dataDir: desktopDir,
        agent,
        local: {
          env,
          command: [process.execPath, AGENT_PATH],
          start: async () => void (await agent.start()),
        },
      }),
      to,
    );
    assert.match(message, /The agent on this computer is stopped; its data stays in /);
    assert.ok(sentDuringMove);
    assert.equal(prefs.get().mode, 'vps');
    assert.deepEqual(prefs.get().vps, to);
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
    assert.equal(agent.status().state, 'stopped');
    assert.equal((await vps.must('systemctl is-active mono-agent')).trim(), 'active');

    // The message that came while no agent answered is answered once, by the server.
    const deadline = Date.now() + 60_000;
    while (!fakes.telegram.sent.some((m) => m.chat_id === 701) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));
    assert.equal(fakes.telegram.sent.filter((m) => m.chat_id === 701).length, 1);

    const before = fakes.anthropic.requests.length;
    const sent = fakes.telegram.sent.length;
    fakes.telegram.sendText({ chatId: 700, userId: 700, text: 'What is my favourite colour?' });
    await fakes.telegram.waitForSent(sent + 1, { timeoutMs: 30_000 });
    assert.match(JSON.stringify(fakes.anthropic.requests.slice(before).at(-1)?.messages), /teal/);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(
      fakes.telegram.sent.filter((m) => m.chat_id === 700).length,
      2,
      'each message answered once',
    );
    assert.equal(agent.status().state, 'stopped', 'nothing started the local agent again');
  });
});
