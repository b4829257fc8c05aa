// Completes the first-run setup (passphrase included) through the same IPC handlers the wizard calls (for tests and benchmarks that
// start on the dashboard rather than in the wizard).
import type { BrowserApp } from '../../src-main/bridge/browser-app.ts';
import { FAKE_ANTHROPIC_KEY } from '../fakes/anthropic-server.ts';
import { FAKE_TELEGRAM_TOKEN } from '../fakes/telegram-server.ts';

export const TEST_PASSPHRASE = 'a passphrase for the tests';

/** `finish: false` stops at the wizard's last step (the agent runs; the owner has not claimed it yet). */
export async function completeSetup(
  app: BrowserApp,
  timeoutMs = 60_000,
  options: { finish?: boolean } = {},
): Promise<void> {
  const h = app.services.handlers;
  if (app.services.vault.status().state === 'setup') await h['vault.create']({ passphrase: TEST_PASSPHRASE });
  await h['wizard.checkClaude']({ apiKey: FAKE_ANTHROPIC_KEY });
  await h['wizard.checkTelegram']({ token: FAKE_TELEGRAM_TOKEN });
  await h['wizard.saveWhatsApp']({ mode: 'skip' });
  await h['wizard.chooseLocal'](undefined);
  await h['install.start'](undefined);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await h['install.state'](undefined);
    if (!state.running && state.error)
      throw new Error(`setup failed at ${state.error.step}: ${state.error.message}`);
    if (!state.running && state.finishedAt) break;
    if (Date.now() > deadline) throw new Error('setup did not finish in time');
    await new Promise((r) => setTimeout(r, 100));
  }
  if (options.finish !== false) await h['wizard.finish'](undefined);
}
