// FakeTelegram and FakeAnthropic on the host side of a VPS's veth pair, plus the env file that points the agent at them.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FAKE_ANTHROPIC_KEY, FakeAnthropic } from '../fakes/anthropic-server.ts';
import { FAKE_TELEGRAM_TOKEN, FakeTelegram } from '../fakes/telegram-server.ts';
import { eventually, sleep } from '../helpers/wait.ts';

export interface AgentFakes {
  telegram: FakeTelegram;
  anthropic: FakeAnthropic;
  /** Writes the agent's secrets file (KEY=value) into dir and returns its path. */
  writeEnvFile(dir: string, extra?: Record<string, string>): Promise<string>;
  close(): Promise<void>;
}

export async function startAgentFakes(hostIp: string): Promise<AgentFakes> {
  const telegram = new FakeTelegram();
  const anthropic = new FakeAnthropic();
  const [tg, llm] = await Promise.all([telegram.start({ host: hostIp }), anthropic.start({ host: hostIp })]);
  return {
    telegram,
    anthropic,
    async writeEnvFile(dir, extra = {}) {
      const path = join(dir, 'agent.env');
      const lines = {
        TELEGRAM_BOT_TOKEN: FAKE_TELEGRAM_TOKEN,
        TELEGRAM_API_ROOT: tg.url,
        ANTHROPIC_API_KEY: FAKE_ANTHROPIC_KEY,
        ANTHROPIC_BASE_URL: llm.url,
        MONO_ALLOW_TELEGRAM: '*',
        // Everyone may talk; the owner is someone else (with no owner the agent answers only "not set up yet").
        MONO_OWNER_CHAT: 'telegram:1',
        MONO_LOG_LEVEL: 'info',
        ...extra,
      };
      await writeFile(
        path,
        `# test secrets\n${Object.entries(lines)
          .map(([k, v]) => `${k}=${v}`)
          .join('\n')}\n`,
        { mode: 0o600 },
      );
      return path;
    },
    async close() {
      await Promise.all([telegram.close(), anthropic.close()]);
    },
  };
}

export { FAKE_ANTHROPIC_KEY, FAKE_TELEGRAM_TOKEN };

/**
 * After a move (chat 700 told the agent its favourite colour before it; chat 701 wrote while no agent answered):
 * the waiting message is answered once, by the server, and the server remembers what was said before the move.
 */
export async function answeredOnceAfterTheMove(fakes: AgentFakes): Promise<void> {
  const sentTo = (chat: number) => fakes.telegram.sent.filter((m) => m.chat_id === chat).length;
  await eventually(() => sentTo(701) > 0, 'the message sent mid-move to be answered', 60_000).catch(() => {});
  assert.equal(sentTo(701), 1);

  const before = fakes.anthropic.requests.length;
  const sent = fakes.telegram.sent.length;
  fakes.telegram.sendText({ chatId: 700, userId: 700, text: 'What is my favourite colour?' });
  await fakes.telegram.waitForSent(sent + 1, { timeoutMs: 30_000 });
  assert.match(JSON.stringify(fakes.anthropic.requests.slice(before).at(-1)?.messages), /teal/);
  await sleep(1500);
  assert.equal(sentTo(700), 2, 'each message answered once');
}
