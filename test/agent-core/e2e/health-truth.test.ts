// /healthz and agent_status tell the truth about credentials: a token Telegram refuses, a key Claude refuses and a
// Telegram out of reach each show as such, with the reason, and none of them takes the agent down.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, describe, test } from 'node:test';
import { connectLocalHub } from '../../../agent-core/hub/local-client.ts';
import { freePort } from '../../../src-main/services/free-port.ts';
import { FakeAnthropic } from '../../fakes/anthropic-server.ts';
import { FakeTelegram } from '../../fakes/telegram-server.ts';
import { agentEnv } from '../../helpers/agent-env.ts';
import { AGENT_BUNDLE, AgentProcess, tempDataDir } from '../../helpers/agent-process.ts';

const REVOKED_TOKEN = '7000000001:AAThisTokenWasRevokedByBotFather000';

async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out; last value: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('health that tells the truth', { timeout: 90_000 }, () => {
  const telegram = new FakeTelegram();
  const anthropic = new FakeAnthropic();
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  async function agent(extra: Record<string, string>) {
    if (!cleanups.length) {
      await telegram.start();
      await anthropic.start();
      cleanups.push(
        () => telegram.close(),
        () => anthropic.close(),
      );
    }
    const data = tempDataDir();
    const process = await new AgentProcess(agentEnv(data.dir, { telegram, anthropic }, extra)).start();
    cleanups.push(data.remove, () => process.stop());
    return { process, data };
  }

  test('a bot token Telegram refuses: "rejected" with the reason, degraded, still running', async () => {
    const { process, data } = await agent({ TELEGRAM_BOT_TOKEN: REVOKED_TOKEN });
    const { body } = await until(
      () => process.health(),
      // The free key check at start may answer after Telegram's refusal on a busy machine.
      (h) =>
        (h.body.channels as Record<string, string>).telegram === 'rejected' && h.body.claude !== 'unchecked',
    );
    assert.equal(body.status, 'degraded');
    assert.match(
      String(body.reason),
      /telegram: credentials rejected \(Telegram refused the bot token \(401/,
    );
    assert.equal(body.claude, 'ok', 'the Claude key itself is fine');
    assert.ok(!String(body.reason).includes(REVOKED_TOKEN.split(':')[1]!), 'the token never appears');
    // The desktop reads the same from agent_status (through the hub), without waiting for the next heartbeat.
    const hub = await connectLocalHub({ dataDir: data.dir, hub: {} });
    try {
      const [status] = await hub.db
        .query<[{ channels: { telegram: { state: string; detail: string } } }]>(
          'RETURN agent_status:current.*',
        )
        .collect();
      assert.equal(status.channels.telegram.state, 'rejected');
      assert.match(status.channels.telegram.detail, /401/);
    } finally {
      await hub.close();
    }
  });

  test('a Claude key that is refused shows "rejected" before anyone writes', async () => {
    const { process } = await agent({ ANTHROPIC_API_KEY: 'sk-ant-revoked-000000000000000000000000' });
    const { body } = await until(
      () => process.health(),
      (h) => h.body.claude === 'rejected',
    );
    assert.equal(body.status, 'degraded');
    assert.match(String(body.reason), /claude: credentials rejected \(Claude refused the API key \(401\)/);
    assert.equal((body.channels as Record<string, string>).telegram, 'polling');
  });

  test('a webhook Telegram refuses to register does not stop the agent from starting', async () => {
    const { process } = await agent({
      TELEGRAM_BOT_TOKEN: REVOKED_TOKEN,
      TELEGRAM_WEBHOOK_SECRET: 'hook-secret-1',
      TELEGRAM_WEBHOOK_URL: 'http://127.0.0.1:9/telegram',
    });
    const { body } = await until(
      () => process.health(),
      (h) => (h.body.channels as Record<string, string>).telegram === 'rejected',
    );
    assert.equal(body.status, 'degraded');
  });

  test('Telegram out of reach: "unreachable" at once, degraded only once it lasts', async () => {
    const port = await freePort();
    const { process } = await agent({ TELEGRAM_API_ROOT: `http://127.0.0.1:${port}` });
    const { body } = await until(
      () => process.health(),
      (h) => (h.body.channels as Record<string, string>).telegram === 'unreachable',
    );
    // A blip (an update, a flaky network) must not read as a broken agent: the grace period is a minute.
    assert.equal(body.status, 'ok');
  });

  test('with MONO_EXIT_WITH_PARENT the agent stops when whoever started it is gone', async () => {
    const data = tempDataDir();
    cleanups.push(data.remove);
    const child = spawn(process.execPath, [AGENT_BUNDLE], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/root',
        MONO_HTTP_PORT: '0',
        MONO_EXIT_WITH_PARENT: '1',
        ...agentEnv(data.dir, { telegram, anthropic }),
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let out = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk;
        if (/"msg":"ready"/.test(out)) resolve();
      });
      child.once('exit', () => reject(new Error(`exited before ready:\n${out}`)));
    });
    // What a killed desktop leaves behind: the write end of the agent's stdin closes.
    child.stdin.destroy();
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('still running'), 8000))]);
    if (code === 'still running') child.kill('SIGKILL');
    assert.equal(code, 0);
    assert.match(out, /"signal":"parent exited"/);
  });
});
