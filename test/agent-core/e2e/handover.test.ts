// An update without a restart (agent-core/handover.ts): on SIGUSR2 the running agent starts the release `current`
// names beside itself, stops once it has loaded, and leaves it the service (named in the PID file systemd reads).
// Releases laid out as on a VPS: releases/<name> and a `current` symlink. The systemd side is test/vps.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { ALLOCATOR_ENV } from '../../../agent-core/config/allocator.ts';
import { FakeAnthropic } from '../../fakes/anthropic-server.ts';
import { FakeTelegram } from '../../fakes/telegram-server.ts';
import { agentEnv } from '../../helpers/agent-env.ts';
import { AGENT_BUNDLE, AgentProcess, tempDataDir } from '../../helpers/agent-process.ts';
import { allowTimeForDuplicates, eventually, sleep } from '../../helpers/wait.ts';

const run = promisify(execFile);
const NEW_VERSION = '9.9.1-handover';

/** releases/current (this build), releases/next (built as NEW_VERSION), releases/broken (throws as it loads). */
async function releaseTree(): Promise<{
  root: string;
  point(name: 'current' | 'next' | 'broken'): void;
  remove(): void;
}> {
  const root = mkdtempSync(join(tmpdir(), 'mono-handover-'));
  mkdirSync(join(root, 'releases'));
  symlinkSync(dirname(AGENT_BUNDLE), join(root, 'releases', 'current'));
  await run(
    process.execPath,
    ['agent-core/build.mjs', '--out', join(root, 'releases', 'next'), '--version', NEW_VERSION],
    {
      cwd: new URL('../../../', import.meta.url).pathname,
      timeout: 120_000,
    },
  );
  mkdirSync(join(root, 'releases', 'broken'));
  writeFileSync(join(root, 'releases', 'broken', 'package.json'), '{"type":"module"}\n');
  writeFileSync(
    join(root, 'releases', 'broken', 'mono-agent.js'),
    "throw new Error('this build is broken on purpose');\n",
  );
  const point = (name: string) => {
    symlinkSync(join(root, 'releases', name), join(root, 'current.new'));
    renameSync(join(root, 'current.new'), join(root, 'current'));
  };
  point('current');
  return { root, point, remove: () => rmSync(root, { recursive: true, force: true }) };
}

const alive = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

const pidIn = (file: string) => {
  try {
    return Number(readFileSync(file, 'utf8').trim());
  } catch {
    return undefined;
  }
};

async function stopProcess(pid: number | undefined): Promise<void> {
  if (!pid || !alive(pid)) return;
  process.kill(pid, 'SIGTERM');
  await eventually(() => !alive(pid), `process ${pid} to exit`, 15_000);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Replies per chat among `chats`. */
function repliesPerChat(telegram: FakeTelegram, chats: number[]): number[] {
  return chats.map((chat) => telegram.sent.filter((m) => Number(m.chat_id) === chat).length);
}

describe('hand-over to the release current names (long polling)', { timeout: 180_000 }, () => {
  const telegram = new FakeTelegram();
  const anthropic = new FakeAnthropic();
  const data = tempDataDir();
  let tree: Awaited<ReturnType<typeof releaseTree>>;
  let pidFile: string;
  let agent: AgentProcess;
  let successor: number | undefined;

  before(async () => {
    await telegram.start();
    await anthropic.start();
    tree = await releaseTree();
    pidFile = join(tree.root, 'agent.pid');
    const env = agentEnv(
      data.dir,
      { telegram, anthropic },
      {
        MONO_ALLOW_TELEGRAM: '*',
        MONO_OWNER_CHAT: 'telegram:1',
        MONO_PID_FILE: pidFile,
      },
    );
    agent = await new AgentProcess(env, join(tree.root, 'current', 'mono-agent.js')).start();
  });
  after(async () => {
    await stopProcess(successor);
    await agent.stop();
    await telegram.close();
    await anthropic.close();
    data.remove();
    tree.remove();
  });

  test('the running agent names itself in the PID file', async () => {
    await eventually(() => pidIn(pidFile) === agent.pid, 'the PID file to name the agent');
  });

  test('SIGUSR2: the new release takes over; messages sent meanwhile are all answered, once', async () => {
    tree.point('next');
    const chats: number[] = [];
    let sending = true;
    const traffic = (async () => {
      for (let chat = 50_000; sending; chat++) {
        chats.push(chat);
        telegram.sendText({ chatId: chat, userId: chat, text: `during the hand-over ${chat}` });
        await sleep(40);
      }
    })();
    await sleep(400);
    process.kill(agent.pid!, 'SIGUSR2');
    assert.equal(await agent.exited(), 0, 'the old agent exits cleanly once it handed over');
    successor = pidIn(pidFile);
    assert.ok(successor && successor !== agent.pid, `the PID file names the new process (${successor})`);
    assert.ok(alive(successor), 'the new process runs');
    assert.equal(readlinkSync(`/proc/${successor}/cwd`), realpathSync(join(tree.root, 'releases', 'next')));
    const ready = await eventually(
      () => agent.logs.find((l) => l.msg === 'ready' && l.version === NEW_VERSION),
      'the new release to be ready',
    );
    await sleep(600);
    sending = false;
    await traffic;
    await eventually(
      () => repliesPerChat(telegram, chats).every((n) => n > 0),
      'every message to be answered',
      20_000,
    );
    await allowTimeForDuplicates();
    assert.deepEqual(
      repliesPerChat(telegram, chats),
      chats.map(() => 1),
      'each answered exactly once',
    );
    const health = await fetch(`http://${String(ready.http)}/healthz`);
    assert.equal(((await health.json()) as { version: string }).version, NEW_VERSION);
  });

  test('a new release that does not load leaves the running agent answering, and the PID file removed', async () => {
    tree.point('broken');
    process.kill(successor!, 'SIGUSR2');
    const refused = await eventually(
      () => agent.logs.find((l) => typeof l.msg === 'string' && l.msg.startsWith('hand-over refused')),
      'the hand-over to be refused',
    );
    assert.match(refused.msg, /exited while loading/);
    assert.equal(pidIn(pidFile), undefined, 'no PID file: the deploy restarts instead');
    assert.ok(alive(successor!), 'the agent that was running still runs');
    const before = telegram.sent.length;
    telegram.sendText({ chatId: 60_001, userId: 60_001, text: 'still there?' });
    const sent = await telegram.waitForSent(before + 1, { timeoutMs: 10_000 });
    assert.equal(String(sent.at(-1)!.chat_id), '60001');
  });
});

describe('hand-over with the listening socket from systemd (webhooks)', { timeout: 180_000 }, () => {
  const SECRET = 'handover-secret';
  const telegram = new FakeTelegram();
  const anthropic = new FakeAnthropic();
  const data = tempDataDir();
  let tree: Awaited<ReturnType<typeof releaseTree>>;
  let pidFile: string;
  let agent: AgentProcess;
  let successor: number | undefined;
  let port: number;

  before(async () => {
    await telegram.start();
    await anthropic.start();
    tree = await releaseTree();
    pidFile = join(tree.root, 'agent.pid');
    port = await freePort();
    const env = agentEnv(
      data.dir,
      { telegram, anthropic },
      {
        MONO_ALLOW_TELEGRAM: '*',
        MONO_OWNER_CHAT: 'telegram:1',
        MONO_PID_FILE: pidFile,
        MONO_HTTP_PORT: String(port),
        TELEGRAM_WEBHOOK_SECRET: SECRET,
      },
    );
    // systemd-socket-activate holds the port and passes it as fd 3, as the VPS's mono-agent.socket does; like
    // systemd, it starts the program at the first connection, with only the environment it is told to pass.
    const passed = ['PATH', 'HOME', ...Object.keys(ALLOCATOR_ENV), ...Object.keys(env)];
    const starting = new AgentProcess(env, join(tree.root, 'current', 'mono-agent.js'), [
      'systemd-socket-activate',
      '--listen',
      `127.0.0.1:${port}`,
      ...passed.flatMap((name) => ['--setenv', name]),
    ]).start();
    await eventually(
      () =>
        fetch(`http://127.0.0.1:${port}/healthz`).then(
          (r) => r.ok,
          () => false,
        ),
      'a first connection to start the agent',
    );
    agent = await starting;
    telegram.webhook = {
      url: `http://127.0.0.1:${port}/telegram`,
      secret_token: SECRET,
      max_connections: 40,
    };
  });
  after(async () => {
    await stopProcess(successor);
    await agent.stop();
    await telegram.close();
    await anthropic.close();
    data.remove();
    tree.remove();
  });

  test('no delivery is refused while the release changes, and each is answered once', async () => {
    tree.point('next');
    const chats: number[] = [];
    const deliveries: Promise<number | string>[] = [];
    let sending = true;
    const traffic = (async () => {
      for (let chat = 70_000; sending; chat++) {
        chats.push(chat);
        const update = telegram.sendText({ chatId: chat, userId: chat, text: `webhook ${chat}` });
        deliveries.push(telegram.deliverToWebhook(update).catch((error: Error) => error.message));
        await sleep(25);
      }
    })();
    await sleep(400);
    // The agent runs as systemd-socket-activate's child: the PID file names it.
    const old = await eventually(() => pidIn(pidFile), 'the PID file');
    process.kill(old, 'SIGUSR2');
    successor = await eventually(
      () => pidIn(pidFile) !== old && pidIn(pidFile),
      'the PID file to name the new process',
    );
    await eventually(() => !alive(old), 'the old agent to exit');
    assert.ok(alive(successor), 'the new process runs');
    await eventually(
      () => agent.logs.find((l) => l.msg === 'ready' && l.version === NEW_VERSION),
      'the new release to be ready',
    );
    await sleep(600);
    sending = false;
    await traffic;
    const statuses = await Promise.all(deliveries);
    assert.deepEqual(
      statuses.filter((s) => s !== 200),
      [],
      `every one of ${statuses.length} deliveries answered 200`,
    );
    await eventually(
      () => repliesPerChat(telegram, chats).every((n) => n > 0),
      'every delivery to be answered',
      20_000,
    );
    await allowTimeForDuplicates();
    assert.deepEqual(
      repliesPerChat(telegram, chats),
      chats.map(() => 1),
      'each answered exactly once',
    );
  });
});
