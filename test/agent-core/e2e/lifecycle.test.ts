// Starting and stopping the built agent: configuration errors, no channel, a locked datastore, SIGTERM mid-turn.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FakeAnthropic } from '../../fakes/anthropic-server.ts';
import { FakeTelegram } from '../../fakes/telegram-server.ts';
import { agentEnv } from '../../helpers/agent-env.ts';
import { AGENT_BUNDLE, AgentProcess, runAgentToExit, tempDataDir } from '../../helpers/agent-process.ts';

const MONO_BIN = fileURLToPath(new URL('../../../src-main/cli/bin.js', import.meta.url));

describe('agent lifecycle', { timeout: 60_000 }, () => {
  const telegram = new FakeTelegram();
  const anthropic = new FakeAnthropic();
  before(async () => {
    await telegram.start();
    await anthropic.start();
  });
  after(async () => {
    await telegram.close();
    await anthropic.close();
  });

  test('bad configuration: one message naming every problem, exit code 2', async () => {
    const data = tempDataDir();
    const { code, output } = await runAgentToExit({
      MONO_DATA_DIR: data.dir,
      MONO_HTTP_PORT: 'eighty',
      MONO_LOG_LEVEL: 'loud',
      TELEGRAM_BOT_TOKEN: 'not-a-token',
      MONO_ALLOW_TELEGRAM: 'alice,bob',
    });
    data.remove();
    assert.equal(code, 2);
    assert.match(output, /MONO_HTTP_PORT/);
    assert.match(output, /MONO_LOG_LEVEL/);
    assert.match(output, /TELEGRAM_BOT_TOKEN does not look like a bot token/);
    assert.match(output, /MONO_ALLOW_TELEGRAM/);
    assert.match(output, /ANTHROPIC_API_KEY/);
    assert.doesNotMatch(output, /not-a-token/, 'the token itself is never printed');
  });

  test('a copy of agent-core/dist alone runs the agent (what is uploaded to a VPS)', async () => {
    const copy = tempDataDir('mono-release-');
    const data = tempDataDir();
    cpSync(dirname(AGENT_BUNDLE), copy.dir, { recursive: true });
    const agent = await new AgentProcess(
      { MONO_DATA_DIR: data.dir },
      join(copy.dir, 'mono-agent.js'),
    ).start();
    try {
      const { status, body } = await agent.health();
      assert.equal(status, 200);
      assert.equal(body.db, 'ok');
    } finally {
      await agent.stop();
      copy.remove();
      data.remove();
    }
  });

  test('`mono agent` runs the agent in the terminal and stops on SIGTERM', async () => {
    const data = tempDataDir();
    const child = spawn(process.execPath, [MONO_BIN, 'agent'], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/root',
        MONO_DATA_DIR: data.dir,
        MONO_HTTP_PORT: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const address = await new Promise<string>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error(`mono agent did not get ready:\n${out}`)), 30_000);
        child.stdout.on('data', (chunk) => {
          out += chunk;
          const match = /"http":"([^"]+)"/.exec(out);
          if (match) {
            clearTimeout(timer);
            resolve(match[1]!);
          }
        });
      });
      const response = await fetch(`http://${address}/healthz`);
      assert.equal(response.status, 200);
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    } finally {
      child.kill('SIGKILL');
      data.remove();
    }
  });

  test('with no channel configured the agent starts and says so', async () => {
    const data = tempDataDir();
    const agent = await new AgentProcess({ MONO_DATA_DIR: data.dir }).start();
    try {
      const { status, body } = await agent.health();
      assert.equal(status, 200);
      assert.deepEqual(body.channels, { telegram: 'off', whatsapp: 'off', email: 'off' });
      assert.ok(agent.logs.some((l) => /no channel is configured/.test(l.msg)));
    } finally {
      await agent.stop();
      data.remove();
    }
  });

  test('a second agent on the same data directory stops with a clear message', async () => {
    const data = tempDataDir();
    const first = await new AgentProcess({ MONO_DATA_DIR: data.dir }).start();
    try {
      const { code, output } = await runAgentToExit({ MONO_DATA_DIR: data.dir, MONO_HTTP_PORT: '0' });
      assert.equal(code, 1);
      assert.match(output, /already|in use|locked/i);
    } finally {
      await first.stop();
      data.remove();
    }
  });

  test('a part that fails to start stops what had started: the port is taken, the hub it opened is closed', async () => {
    const data = tempDataDir();
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const port = (taken.address() as AddressInfo).port;
      const { code, output } = await runAgentToExit(
        { MONO_DATA_DIR: data.dir, MONO_HTTP_PORT: String(port) },
        30_000,
      );
      assert.equal(code, 1);
      const lines = output
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { level: number; msg: string; part?: string });
      // The owner reads the part's own words; the log says which part it was.
      assert.ok(
        lines.some(
          (line) =>
            line.level === 60 &&
            line.msg.startsWith(`MONO could not start: Port ${port} on 127.0.0.1 is already in use: `),
        ),
        output,
      );
      assert.ok(
        lines.some((line) => line.level === 50 && line.part === 'http'),
        output,
      );
      // The db hub started beside HTTP: it was closed again, which removes its socket.
      assert.ok(
        lines.some((line) => line.msg === 'db hub listening'),
        output,
      );
      assert.equal(existsSync(join(data.dir, 'hub.sock')), false, 'the hub socket is left behind');
      // The hub finished defining its user before the datastore closed under it.
      assert.ok(!output.includes('could not be defined'), output);
    } finally {
      taken.close();
      data.remove();
    }
  });

  test('SIGTERM in the middle of a turn: exits within 5 s, and the restart answers the message', async () => {
    const data = tempDataDir();
    const env = agentEnv(
      data.dir,
      { telegram, anthropic },
      { MONO_ALLOW_TELEGRAM: '*', MONO_OWNER_CHAT: 'telegram:1' },
    );
    let agent = await new AgentProcess(env).start();
    anthropic.hold();
    const sentBefore = telegram.sent.length;
    telegram.sendText({ chatId: 90, userId: 90, text: 'parked question' });
    await anthropic.waitForHeld(1, { timeoutMs: 10_000 });
    const stopping = Date.now();
    const code = await agent.stop();
    const took = Date.now() - stopping;
    anthropic.release();
    assert.equal(code, 0);
    assert.ok(took < 5000, `stopped in ${took} ms`);
    agent = await new AgentProcess(env).start();
    try {
      await telegram.waitForSent(sentBefore + 1, { timeoutMs: 10_000 });
      assert.equal(telegram.sent.filter((s) => s.text.includes('parked question')).length, 1);
    } finally {
      await agent.stop();
      data.remove();
    }
  });
});
