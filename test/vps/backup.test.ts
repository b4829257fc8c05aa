// An agent's data moves to a fresh VPS: deploy, talk, back up (encrypted) while messages arrive, uninstall, deploy
// a new VPS, restore; the agent's next Claude request carries the history from before the backup and nothing is
// answered twice. Wrong passphrases, damaged files, backups cut off, and restores onto data without --replace are
// refused, and refused before anything is stopped or replaced.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { MAGIC } from '../../agent-core/backup/container.ts';
import { Secret } from '../../agent-core/config/secret.ts';
import { openDatastore } from '../../agent-core/db/datastore.ts';
import { silentLogger } from '../../agent-core/log/logger.ts';
import { agentRestoreCommand } from '../../src-main/backup/commands.ts';
import { jsonLines } from '../../src-main/backup/remote.ts';
import { deploy, openHubTunnel, type ProgressEvent } from '../../src-main/provision/index.ts';
import { Session } from '../../src-main/provision/session.ts';
import { historyRows } from '../agent-core/backup/helpers.ts';
import { type AgentFakes, FAKE_ANTHROPIC_KEY, FAKE_TELEGRAM_TOKEN, startAgentFakes } from './agent-fakes.ts';
import { runMono } from './cli.ts';
import {
  buildRelease,
  createTestKey,
  removeBuilds,
  startMirror,
  type TestKey,
  tempMonoHome,
  Vps,
} from './harness.ts';

const MONO = fileURLToPath(new URL('../../src-main/cli/bin.js', import.meta.url));

describe('backing up an agent and restoring it on a fresh VPS', { timeout: 900_000 }, () => {
  let key: TestKey;
  let home: string;
  let passphrase: string;
  let wrongPassphrase: string;
  let release: string;
  const cleanups: (() => Promise<unknown>)[] = [];
  const file = () => join(home, 'agent.monobak');
  const cliEnv = () => ({ MONO_HOME: home });

  /** A VPS with its own mirror and fakes, MONO deployed on it. */
  async function deployed(): Promise<{ vps: Vps; fakes: AgentFakes; target: string }> {
    const vps = await Vps.boot(key);
    cleanups.push(() => vps.stop());
    const mirror = await startMirror(vps.hostIp);
    const fakes = await startAgentFakes(vps.hostIp);
    cleanups.push(
      () => mirror.close(),
      () => fakes.close(),
    );
    await deploy({
      target: {
        host: vps.host,
        identity: key.identity,
        knownHostsPath: join(home, 'known_hosts'),
        acceptNewHostKey: true,
      },
      releaseDir: release,
      envFile: await fakes.writeEnvFile(await tempMonoHome()),
      nodeMirror: mirror.url,
      nodeVersion: process.versions.node,
      nodeSha256: mirror.nodeSha256,
    });
    return { vps, fakes, target: `root@${vps.host}` };
  }

  const targetOf = (vps: Vps) => ({
    host: vps.host,
    identity: key.identity,
    knownHostsPath: join(home, 'known_hosts'),
  });
  const mainPid = async (vps: Vps) => (await vps.must('systemctl show -p MainPID --value mono-agent')).trim();

  before(async () => {
    const building = buildRelease('1.0.0');
    key = await createTestKey();
    home = await tempMonoHome();
    passphrase = join(home, 'passphrase');
    wrongPassphrase = join(home, 'wrong-passphrase');
    await writeFile(passphrase, 'the owner’s long backup passphrase\n', { mode: 0o600 });
    await writeFile(wrongPassphrase, 'somebody else’s passphrase\n', { mode: 0o600 });
    release = await building;
  });

  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
    await rm(home, { recursive: true, force: true });
    await rm(key?.dir ?? '', { recursive: true, force: true });
    await removeBuilds();
  });

  let first: Awaited<ReturnType<typeof deployed>>;
  const during: number[] = [];

  it('backs up the running agent, encrypted, while messages keep arriving', async () => {
    first = await deployed();
    const { fakes, target } = first;
    fakes.telegram.sendText({ chatId: 500, userId: 500, text: 'Remember: my dog is called Fox' });
    await fakes.telegram.waitForSent(1, { timeoutMs: 30_000 });

    let sending = true;
    const traffic = (async () => {
      for (let chat = 600; sending; chat++) {
        during.push(chat);
        fakes.telegram.sendText({ chatId: chat, userId: chat, text: `during the backup ${chat}` });
        await new Promise((r) => setTimeout(r, 150));
      }
    })();
    const cli = await runMono(
      ['backup', target, '-i', key.identity, '--out', file(), '--passphrase-file', passphrase, '--json'],
      cliEnv(),
    ).finally(() => {
      sending = false;
    });
    await traffic;
    assert.equal(cli.code, 0, cli.stderr + cli.stdout);
    const result = cli.events.at(-1)!;
    assert.equal(result.type, 'result');
    assert.equal(result.live, true);
    assert.equal(result.encrypted, true);
    assert.ok(Number((result.counts as Record<string, number>).message) >= 2);
    assert.deepEqual(
      cli.events.filter((e) => e.status === 'ok').map((e) => e.step),
      ['connect', 'backup', 'verify'],
    );
    const bytes = await readFile(file());
    assert.equal(
      bytes.includes('my dog is called Fox'),
      false,
      'encrypted: the conversation is not readable',
    );
    const json = JSON.stringify(cli.events);
    for (const secret of [FAKE_TELEGRAM_TOKEN, FAKE_ANTHROPIC_KEY]) assert.ok(!json.includes(secret));

    const deadline = Date.now() + 30_000;
    const answered = () => during.every((id) => fakes.telegram.sent.some((m) => m.chat_id === id));
    while (!answered() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    for (const id of during)
      assert.equal(fakes.telegram.sent.filter((m) => m.chat_id === id).length, 1, `chat ${id} answered once`);
  });

  it('a backup that cannot be completed leaves no file under its name', async () => {
    const { vps, target } = first;
    // Months of history (10,000 messages), so that the backup is still streaming when its process dies.
    const creds = JSON.parse(await vps.must('cat /var/lib/mono/hub-credentials.json')) as {
      username: string;
      password: string;
    };
    const tunnel = await openHubTunnel({ target: targetOf(vps) });
    const hub = await openDatastore({
      url: tunnel.url,
      credentials: { username: creds.username, password: new Secret(creds.password) },
      log: silentLogger,
    });
    try {
      const rows = historyRows(10_000);
      for (let i = 0; i < rows.length; i += 1000)
        await hub.db
          .query('INSERT INTO message $rows RETURN NONE', { rows: rows.slice(i, i + 1000) })
          .collect();
    } finally {
      await hub.close();
      await tunnel.close();
    }

    const out = join(home, 'cut.monobak');
    const child = spawn(
      process.execPath,
      [MONO, 'backup', target, '-i', key.identity, '--out', out, '--json'],
      {
        env: { ...process.env, ...cliEnv() },
      },
    );
    const events: Record<string, unknown>[] = [];
    createInterface({ input: child.stdout }).on('line', (l) => events.push(JSON.parse(l)));
    const exited = new Promise<number | null>((r) => child.once('close', r));
    // Once the file has begun here (the header arrived), the backup's process on the VPS is killed.
    const deadline = Date.now() + 60_000;
    while (!(await readdir(home)).some((n) => n.startsWith('.cut.monobak.partial-')) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    const killed = await vps.ssh(
      'pid=$(pgrep -f \'^[^ ]*node .*mono-agent[.]js backup\' | head -n 1) && [ -n "$pid" ] && kill -KILL "$pid"',
    );
    assert.equal(killed.code, 0, 'the backup was still running on the VPS');
    assert.equal(await exited, 1);
    assert.equal(events.at(-1)?.ok, false);
    assert.deepEqual(
      (await readdir(home)).filter((name) => name.includes('cut.monobak')),
      [],
      'neither the file nor a partial one',
    );
  });

  it('uninstall, a fresh VPS: wrong passphrase and damaged files refused, then the agent restored remembers', async () => {
    const gone = await runMono(['uninstall', first.target, '-i', key.identity, '--yes'], cliEnv());
    assert.equal(gone.code, 0, gone.stderr);
    await first.vps.stop();
    // The new VPS may get the old one's address: its new host key would (rightly) be refused.
    await rm(join(home, 'known_hosts'), { force: true });

    const { vps, fakes, target } = await deployed();
    const pid = await mainPid(vps);
    const wrong = await runMono(
      ['restore', target, file(), '-i', key.identity, '--passphrase-file', wrongPassphrase],
      cliEnv(),
    );
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /check failed.*the passphrase is wrong for this backup file/);
    assert.match(wrong.stderr, /use the passphrase the backup was made with/);
    const cut = join(home, 'cut-copy.monobak');
    const whole = await readFile(file());
    await writeFile(cut, whole.subarray(0, whole.length - 100));
    const truncated = await runMono(
      ['restore', target, cut, '-i', key.identity, '--passphrase-file', passphrase],
      cliEnv(),
    );
    assert.equal(truncated.code, 1);
    assert.match(truncated.stderr, /ends early/);
    assert.equal(await mainPid(vps), pid, 'the agent was never stopped');

    const events: ProgressEvent[] = [];
    const restored = await runMono(
      ['restore', target, file(), '-i', key.identity, '--passphrase-file', passphrase, '--json'],
      cliEnv(),
    );
    events.push(...(restored.events as unknown as ProgressEvent[]));
    assert.equal(restored.code, 0, restored.stderr + restored.stdout);
    assert.deepEqual(
      events.filter((e) => e.status === 'ok').map((e) => e.step),
      ['check', 'connect', 'lock', 'inspect', 'restore', 'health', 'count', 'unlock'],
    );
    const result = restored.events.at(-1)!;
    assert.ok(Number((result.counts as Record<string, number>).message) >= 2);
    assert.equal(result.replaced, undefined, 'a fresh agent holds nothing to replace');
    assert.equal((await vps.must('systemctl is-active mono-agent')).trim(), 'active');
    assert.equal(
      (await vps.must('find /var/lib/mono ! -user mono | wc -l')).trim(),
      '0',
      'every file is the agent’s',
    );

    // Nothing from before the backup is answered again, then the next message is answered with the history.
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(fakes.telegram.sent.length, 0);
    for (let i = 0; i < 10; i++) fakes.telegram.nextMessageId(500);
    fakes.telegram.sendText({ chatId: 500, userId: 500, text: 'What is my dog called?' });
    await fakes.telegram.waitForSent(1, { timeoutMs: 30_000 });
    assert.match(JSON.stringify(fakes.anthropic.requests.at(-1)?.messages), /my dog is called Fox/);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(fakes.telegram.sent.length, 1);

    // Onto data, without --replace: refused at the inspect step, the agent never stopped.
    const again = await mainPid(vps);
    const refused = await runMono(
      ['restore', target, file(), '-i', key.identity, '--passphrase-file', passphrase],
      cliEnv(),
    );
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /already holds data .*--replace/s);
    assert.equal(await mainPid(vps), again);

    // A damaged file sent straight to the VPS (past the check here) is refused there, and the agent runs again.
    const session = await Session.open(
      { host: vps.host, identity: key.identity, knownHostsPath: join(home, 'known_hosts') },
      target,
    );
    try {
      const plain = join(home, 'plain.monobak');
      const made = await runMono(['backup', target, '-i', key.identity, '--out', plain], cliEnv());
      assert.equal(made.code, 0, made.stderr);
      const damaged = await readFile(plain);
      // A byte of the records, halfway between the header's end (magic, length, JSON) and the file's: a small
      // agent's header can be most of the file, and a damaged header is refused as 'header' instead.
      const headerEnd = MAGIC.length + 4 + damaged.readUInt32BE(MAGIC.length);
      damaged[headerEnd + Math.floor((damaged.length - headerEnd) / 2)]! ^= 0x20;
      const lines: Record<string, unknown>[] = [];
      const r = await session.run(agentRestoreCommand({ replace: true, bytes: damaged.length }), {
        stdin: damaged,
        allowFailure: true,
        onStdout: jsonLines((line) => lines.push(line)),
      });
      assert.equal(r.code, 1);
      assert.equal(lines.find((l) => l.type === 'error')?.problem, 'tampered');
    } finally {
      session.close();
    }
    assert.equal((await vps.must('systemctl is-active mono-agent')).trim(), 'active');
    assert.equal((await vps.must('ls /var/lib/mono | grep -c "^db\\." || true')).trim(), '0');

    const replaced = await runMono(
      ['restore', target, file(), '-i', key.identity, '--passphrase-file', passphrase, '--replace', '--json'],
      cliEnv(),
    );
    assert.equal(replaced.code, 0, replaced.stderr + replaced.stdout);
    const kept = String(replaced.events.at(-1)!.replaced);
    assert.match(kept, /^\/var\/lib\/mono\/db\.replaced-/);
    assert.equal((await vps.must(`test -d ${kept} && echo kept`)).trim(), 'kept');
  });
});
