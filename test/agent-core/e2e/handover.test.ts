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
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { freePort } from '../../../src-main/services/free-port.ts';
import { FakeAnthropic } from '../../fakes/anthropic-server.ts';
import { FakeTelegram } from '../../fakes/telegram-server.ts';
import { agentEnv } from '../../helpers/agent-env.ts';
import {
  AGENT_BUNDLE,
  AgentProcess,
  type LogLine,
  socketActivation,
  tempDataDir,
} from '../../helpers/agent-process.ts';
import { alive } from '../../helpers/process-alive.ts';
import { allowTimeForDuplicates, eventually, sleep } from '../../helpers/wait.ts';

const run = promisify(execFile);
const NEW_VERSION = '9.9.1-handover';

/** releases/current (this build), releases/next (built as NEW_VERSION), releases/broken (throws as it loads). */
interface ReleaseTree {
  root: string;
  point(name: 'current' | 'next' | 'broken'): void;
  remove(): void;
}

async function releaseTree(): Promise<ReleaseTree> {
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

const pidIn = (file: string) => {
  try {
    return Number(readFileSync(file, 'utf8').trim());
  } catch {
    return undefined;
  }
};

/**
 * The built agent with its own fakes and data directory, run from `current` in a release tree and naming its
 * process in a PID file, as the VPS unit runs it.
 */
class HandOverSetup {
  readonly telegram = new FakeTelegram();
  readonly anthropic = new FakeAnthropic();
  readonly data = tempDataDir();
  tree!: ReleaseTree;
  pidFile = '';
  /** The process started first; its output carries its successors' too (they inherit its stdout). */
  agent!: AgentProcess;
  #last: number | undefined;

  async start(
    env: Record<string, string>,
    launch: (env: Record<string, string>, bundle: string) => Promise<AgentProcess> = (e, bundle) =>
      new AgentProcess(e, bundle).start(),
  ): Promise<void> {
    await this.telegram.start();
    await this.anthropic.start();
    this.tree = await releaseTree();
    this.pidFile = join(this.tree.root, 'agent.pid');
    const all = agentEnv(
      this.data.dir,
      { telegram: this.telegram, anthropic: this.anthropic },
      { MONO_ALLOW_TELEGRAM: '*', MONO_OWNER_CHAT: 'telegram:1', MONO_PID_FILE: this.pidFile, ...env },
    );
    this.agent = await launch(all, join(this.tree.root, 'current', 'mono-agent.js'));
  }

  async close(): Promise<void> {
    const last = this.#last;
    if (last && alive(last)) {
      process.kill(last, 'SIGTERM');
      await eventually(() => !alive(last), `process ${last} to exit`, 15_000);
    }
    await this.agent?.stop();
    await this.telegram.close();
    await this.anthropic.close();
    this.data.remove();
    this.tree?.remove();
  }

  /** SIGUSR2 to the process the PID file names; the new process's PID once the old one is gone. */
  async handOver(): Promise<number> {
    const old = await eventually(() => pidIn(this.pidFile), 'the PID file');
    process.kill(old, 'SIGUSR2');
    const next = await eventually(
      () => pidIn(this.pidFile) !== old && pidIn(this.pidFile),
      'the PID file to name the new process',
    );
    await eventually(() => !alive(old), 'the old agent to exit');
    this.#last = next;
    return next;
  }

  /** The new release's `ready` line (it logs through the first process's stdout). */
  ready(): Promise<LogLine> {
    return eventually(
      () => this.agent.logs.find((l) => l.msg === 'ready' && l.version === NEW_VERSION),
      'the new release to be ready',
    );
  }

  async assertEachAnsweredOnce(chats: number[]): Promise<void> {
    const replies = () =>
      chats.map((chat) => this.telegram.sent.filter((m) => Number(m.chat_id) === chat).length);
    await eventually(() => replies().every((n) => n > 0), 'every message to be answered', 20_000);
    await allowTimeForDuplicates();
    assert.deepEqual(
      replies(),
      chats.map(() => 1),
      'each answered exactly once',
    );
  }
}

/** Runs `handOver` while a message arrives every `everyMs`; the chats that were sent. */
async function withTraffic(
  send: (chat: number) => void,
  everyMs: number,
  handOver: () => Promise<unknown>,
): Promise<number[]> {
  const chats: number[] = [];
  let sending = true;
  const traffic = (async () => {
    for (let chat = 50_000; sending; chat++) {
      chats.push(chat);
      send(chat);
      await sleep(everyMs);
    }
  })();
  await sleep(400);
  try {
    await handOver();
    await sleep(600);
  } finally {
    sending = false;
    await traffic;
  }
  return chats;
}

describe('hand-over to the release current names (long polling)', { timeout: 180_000 }, () => {
  const setup = new HandOverSetup();
  before(() => setup.start({}));
  after(() => setup.close());

  test('the running agent names itself in the PID file', async () => {
    await eventually(() => pidIn(setup.pidFile) === setup.agent.pid, 'the PID file to name the agent');
  });

  test('SIGUSR2: the new release takes over; messages sent meanwhile are all answered, once', async () => {
    setup.tree.point('next');
    let successor = 0;
    const chats = await withTraffic(
      (chat) => setup.telegram.sendText({ chatId: chat, userId: chat, text: `during the hand-over ${chat}` }),
      40,
      async () => {
        successor = await setup.handOver();
        await setup.ready();
      },
    );
    assert.equal(await setup.agent.exited(), 0, 'the old agent exits cleanly once it handed over');
    assert.equal(
      readlinkSync(`/proc/${successor}/cwd`),
      realpathSync(join(setup.tree.root, 'releases', 'next')),
    );
    await setup.assertEachAnsweredOnce(chats);
    const health = await fetch(`http://${String((await setup.ready()).http)}/healthz`);
    assert.equal(((await health.json()) as { version: string }).version, NEW_VERSION);
  });

  test('a new release that does not load leaves the running agent answering, and the PID file removed', async () => {
    setup.tree.point('broken');
    const running = pidIn(setup.pidFile)!;
    process.kill(running, 'SIGUSR2');
    const refused = await eventually(
      () => setup.agent.logs.find((l) => l.msg.startsWith('hand-over refused')),
      'the hand-over to be refused',
    );
    assert.match(refused.msg, /exited while loading/);
    assert.equal(pidIn(setup.pidFile), undefined, 'no PID file: the deploy restarts instead');
    assert.ok(alive(running), 'the agent that was running still runs');
    const before = setup.telegram.sent.length;
    setup.telegram.sendText({ chatId: 60_001, userId: 60_001, text: 'still there?' });
    const sent = await setup.telegram.waitForSent(before + 1, { timeoutMs: 10_000 });
    assert.equal(String(sent.at(-1)!.chat_id), '60001');
  });
});

describe('hand-over with the listening socket from systemd (webhooks)', { timeout: 180_000 }, () => {
  const SECRET = 'handover-secret';
  const setup = new HandOverSetup();
  before(async () => {
    const port = await freePort();
    await setup.start(
      { MONO_HTTP_PORT: String(port), TELEGRAM_WEBHOOK_SECRET: SECRET },
      async (env, bundle) => {
        const starting = new AgentProcess(env, bundle, socketActivation(port, env)).start();
        await eventually(
          () =>
            fetch(`http://127.0.0.1:${port}/healthz`).then(
              (r) => r.ok,
              () => false,
            ),
          'a first connection to start the agent',
        );
        return starting;
      },
    );
    setup.telegram.webhook = {
      url: `http://127.0.0.1:${port}/telegram`,
      secret_token: SECRET,
      max_connections: 40,
    };
  });
  after(() => setup.close());

  test('no delivery is refused while the release changes, and each is answered once', async () => {
    setup.tree.point('next');
    const deliveries: Promise<number | string>[] = [];
    const chats = await withTraffic(
      (chat) => {
        const update = setup.telegram.sendText({ chatId: chat, userId: chat, text: `webhook ${chat}` });
        deliveries.push(setup.telegram.deliverToWebhook(update).catch((error: Error) => error.message));
      },
      25,
      async () => {
        // The agent runs as systemd-socket-activate's child: the PID file names it.
        await setup.handOver();
        await setup.ready();
      },
    );
    const statuses = await Promise.all(deliveries);
    assert.deepEqual(
      statuses.filter((s) => s !== 200),
      [],
      `every one of ${statuses.length} deliveries answered 200`,
    );
    await setup.assertEachAnsweredOnce(chats);
  });
});
