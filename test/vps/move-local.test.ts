// Moving the agent set up on this computer to a VPS, as the desktop does it (the real local agent and its backup,
// the real provisioning adapter, the real move): the server answers with what the local agent remembered, a
// message sent while the agent is between the two is answered once, and the local agent stays stopped. A linked
// WhatsApp device's keys (files beside the datastore) go along: the same bytes, for the agent's user only, linked
// mode on at the server, and keys the server had already kept aside rather than overwritten.
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Secret } from '../../agent-core/config/secret.ts';
import type { VpsTarget } from '../../src-main/ipc/contract.ts';
import { LAYOUT } from '../../src-main/provision/layout.ts';
import { settingsEnv } from '../../src-main/services/agent-env.ts';
import { createAgentSupervisor, nodeSpawnAgent } from '../../src-main/services/agent-supervisor.ts';
import { localMoveSource } from '../../src-main/services/backups.ts';
import { createInstallTracker } from '../../src-main/services/install.ts';
import { localAgentDir, localAgentEnv, prepareLocalAgent } from '../../src-main/services/local-mode.ts';
import { moveToVps } from '../../src-main/services/move-vps.ts';
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

const AGENT_PATH = fileURLToPath(new URL('../../agent-core/dist/mono-agent.js', import.meta.url));
/** A linked device's key files, with content the test knows (not real keys: nothing may log or change them). */
const KEYS: Record<string, string> = {
  'creds.json': '{"fake":"creds-of-the-linked-device-4711"}',
  'pre-key-1.json': '{"fake":"pre-key-0815"}',
  'session-4915112345678.0.json': '{"fake":"session-2342"}',
};

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
    // The local agent's linked device: its keys in <data dir>/whatsapp-auth (0700, files 0600).
    const localAuth = join(localAgentDir(desktopDir), 'whatsapp-auth');
    await mkdir(localAuth, { recursive: true, mode: 0o700 });
    for (const [name, content] of Object.entries(KEYS)) {
      await writeFile(join(localAuth, name), content);
      await chmod(join(localAuth, name), 0o600);
    }
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
        // Linked mode on the server: WhatsApp Web is out of reach here; a refused address keeps it reconnecting.
        MONO_WHATSAPP_WEB_URL: 'ws://127.0.0.1:9/ws/chat',
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
    // The owner linked WhatsApp on this computer (the local agent ran without it here: WhatsApp is out of reach).
    prefs.update({ whatsapp: { mode: 'linked' } });
    // The server had a linked device's keys already (an earlier install): they must not be overwritten.
    await vps.must(
      'mkdir -p /var/lib/mono/whatsapp-auth && echo -n "keys-the-server-had" > /var/lib/mono/whatsapp-auth/creds.json',
    );
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
        settings: () => settingsEnv(prefs.get()),
        followed: () => {},
        now: () => new Date(),
      },
      localMoveSource({
        dataDir: desktopDir,
        agent,
        provision,
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
        ['whatsapp', 'done'],
        ['channels', 'done'],
        ['switch', 'done'],
      ],
    );
    assert.equal(agent.status().state, 'stopped');
    assert.equal((await vps.must('systemctl is-active mono-agent')).trim(), 'active');

    // The keys: the same bytes at the server, the agent's user's alone; the server's own kept aside, untouched.
    const whatsapp = tracker.state().steps.find((s) => s.step === 'whatsapp');
    const keptAside = /kept in (\/var\/lib\/mono\/whatsapp-auth\.before-move-\d{8}T\d{6}Z)$/.exec(
      whatsapp?.message ?? '',
    )?.[1];
    assert.ok(keptAside, whatsapp?.message);
    assert.equal(await vps.must(`cat ${keptAside}/creds.json`), 'keys-the-server-had');
    const listing = await vps.must("cd /var/lib/mono && stat -c '%n %U %a' whatsapp-auth whatsapp-auth/*");
    const owned = (name: string, mode: string) => `${name} ${LAYOUT.user} ${mode}`;
    assert.deepEqual(
      listing.trim().split('\n').sort(),
      [
        owned('whatsapp-auth', '700'),
        ...Object.keys(KEYS).map((n) => owned(`whatsapp-auth/${n}`, '600')),
      ].sort(),
    );
    for (const [name, content] of Object.entries(KEYS))
      assert.equal(await vps.must(`cat /var/lib/mono/whatsapp-auth/${name}`), content, name);
    // Linked mode is on at the server, and /healthz reports the linked device.
    assert.match(await vps.must('cat /etc/mono/agent.env'), /^MONO_WHATSAPP_LINKED="1"$/m);
    const health = JSON.parse(
      await vps.must(
        `/opt/mono/node/bin/node -e "fetch('http://127.0.0.1:7420/healthz').then((r) => r.text()).then(console.log)"`,
      ),
    ) as {
      channels: Record<string, string>;
    };
    assert.equal(health.channels.whatsapp, 'linked');
    // Nothing printed the keys: not the move's steps, not the server's journal.
    const journal = await vps.must('journalctl -u mono-agent --no-pager -o cat');
    const said = JSON.stringify(tracker.state()) + journal;
    for (const content of Object.values(KEYS)) assert.ok(!said.includes(content), 'a key reached a log');
    // The local copy stays as it was, with the stopped local agent's data.
    for (const [name, content] of Object.entries(KEYS))
      assert.equal(await readFile(join(localAuth, name), 'utf8'), content);

    // The message that came while no agent answered is answered once, by the server.
    await answeredOnceAfterTheMove(fakes);
    assert.equal(agent.status().state, 'stopped', 'nothing started the local agent again');
  });
});
