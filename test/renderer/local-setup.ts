// Brings a fresh end-to-end stack to the dashboard the way a newcomer does (passphrase, the wizard with the fake
// Claude and Telegram keys, "Run on this computer"), for test files that start where e2e-local's setup ends.
import { FAKE_ANTHROPIC_KEY } from '../fakes/anthropic-server.ts';
import { FAKE_TELEGRAM_TOKEN } from '../fakes/telegram-server.ts';
import type { Stack } from './harness.ts';

export const PASSPHRASE = 'ada keeps her keys safe';

/** Sets the passphrase and checks the fake Claude and Telegram keys: the wizard then shows its WhatsApp step. */
export async function reachWhatsAppStep({ page }: Stack): Promise<void> {
  await page
    .getByRole('heading', { name: 'Protect your keys with a passphrase' })
    .waitFor({ timeout: 30_000 });
  await page.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
  await page.getByLabel('Passphrase again').fill(PASSPHRASE);
  await page.getByRole('button', { name: 'Protect my keys' }).click();
  await page.getByLabel('Claude API key').fill(FAKE_ANTHROPIC_KEY);
  await page.getByRole('button', { name: 'Check key' }).click();
  await page.getByTestId('claude-ok').waitFor({ timeout: 30_000 });
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByLabel('Bot token').fill(FAKE_TELEGRAM_TOKEN);
  await page.getByRole('button', { name: 'Check token' }).click();
  await page.getByTestId('telegram-ok').waitFor({ timeout: 30_000 });
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('heading', { name: 'WhatsApp' }).waitFor();
}

export async function reachDashboard(stack: Stack): Promise<void> {
  const { page } = stack;
  await reachWhatsAppStep(stack);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('button', { name: 'Run on this computer' }).click();
  await page.getByRole('heading', { name: 'Your agent is alive' }).waitFor({ timeout: 60_000 });
  await page.getByRole('button', { name: 'Open the dashboard' }).click();
  await page.getByTestId('agent-state').filter({ hasText: 'Agent online' }).waitFor({ timeout: 30_000 });
}
