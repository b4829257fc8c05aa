// The environment that points a built agent at the local fakes.
import { FAKE_ANTHROPIC_KEY, type FakeAnthropic } from '../fakes/anthropic-server.ts';
import { FAKE_TELEGRAM_TOKEN, type FakeTelegram } from '../fakes/telegram-server.ts';

export function agentEnv(
  dataDir: string,
  fakes: { telegram?: FakeTelegram; anthropic?: FakeAnthropic },
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    MONO_DATA_DIR: dataDir,
    MONO_LOG_LEVEL: 'info',
    ...(fakes.anthropic
      ? { ANTHROPIC_API_KEY: FAKE_ANTHROPIC_KEY, ANTHROPIC_BASE_URL: fakes.anthropic.url }
      : {}),
    ...(fakes.telegram
      ? { TELEGRAM_BOT_TOKEN: FAKE_TELEGRAM_TOKEN, TELEGRAM_API_ROOT: fakes.telegram.url }
      : {}),
    ...extra,
  };
}
