// FakeTelegram and FakeAnthropic on the host side of a VPS's veth pair, plus the env file that points the agent at them.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FAKE_ANTHROPIC_KEY, FakeAnthropic } from '../fakes/anthropic-server.ts';
import { FAKE_TELEGRAM_TOKEN, FakeTelegram } from '../fakes/telegram-server.ts';

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
