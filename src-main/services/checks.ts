// The wizard's credential checks: a real (one-token) Claude call and Telegram's getMe, each turned into either a
// result or a UserError that says what is wrong and what to do. The secret never appears in a message.
import Anthropic from '@anthropic-ai/sdk';
import { redact } from '../../agent-core/config/secret.ts';
import { UserError } from '../ipc/dispatch.ts';

export interface CheckEndpoints {
  anthropicBaseUrl?: string;
  telegramApiRoot: string;
  model: string;
}

export async function checkClaude(apiKey: string, endpoints: CheckEndpoints): Promise<{ model: string }> {
  const client = new Anthropic({
    apiKey,
    maxRetries: 0,
    timeout: 20_000,
    ...(endpoints.anthropicBaseUrl && { baseURL: endpoints.anthropicBaseUrl }),
  });
  try {
    await client.messages.create({
      model: endpoints.model,
      max_tokens: 1,
      messages: [{ role: 'user', content: 'ping' }],
    });
    return { model: endpoints.model };
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (status === 401 || status === 403) {
      throw new UserError(
        'Claude did not accept this key. Copy a fresh key from console.anthropic.com → API Keys.',
        'InvalidKey',
      );
    }
    // Rate limited or overloaded means the key itself is fine.
    if (status === 429 || status === 529) return { model: endpoints.model };
    if (status === 400 && /credit|billing/i.test(String((error as Error).message))) {
      throw new UserError(
        'This key works, but its account has no credit. Add credit in the Anthropic console.',
      );
    }
    const reason = redact(String((error as Error).message ?? error), [apiKey]);
    throw new UserError(`Could not reach Claude (${reason}). Check your internet connection and try again.`);
  }
}

export async function checkTelegram(
  token: string,
  endpoints: CheckEndpoints,
): Promise<{ botName: string; username: string; link: string }> {
  let response: Response;
  try {
    response = await fetch(`${endpoints.telegramApiRoot}/bot${token}/getMe`, {
      signal: AbortSignal.timeout(15_000),
    });
  } catch (error) {
    const reason = redact(String((error as Error).message), [token]);
    throw new UserError(
      `Could not reach Telegram (${reason}). Check your internet connection and try again.`,
    );
  }
  const body = (await response.json().catch(() => ({}))) as {
    ok?: boolean;
    result?: { first_name?: string; username?: string; is_bot?: boolean };
  };
  if (response.status === 401 || response.status === 404) {
    throw new UserError(
      'Telegram does not know this token. Open @BotFather, send /mybots, pick your bot and copy its token again.',
      'InvalidToken',
    );
  }
  if (!body.ok || !body.result?.username) {
    throw new UserError(`Telegram answered with an error (HTTP ${response.status}). Try again in a minute.`);
  }
  const username = body.result.username;
  return { botName: body.result.first_name ?? username, username, link: `https://t.me/${username}` };
}
