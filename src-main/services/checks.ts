// Credential checks for the wizard and Integrations: a real (one-token) Claude call, Telegram's getMe and the
// WhatsApp number's Graph record, each turned into either a result or a UserError that says what is wrong and what
// to do. The secret never appears in a message.
import Anthropic from '@anthropic-ai/sdk';
import { DEFAULT_GRAPH_URL } from '../../agent-core/channels/whatsapp/config.ts';
import { redact } from '../../agent-core/config/secret.ts';
import { errorMessage } from '../../agent-core/util/error-message.ts';
import type { ClaudeModel } from '../ipc/contract.ts';
import { UserError } from '../ipc/dispatch.ts';

export interface CheckEndpoints {
  anthropicBaseUrl?: string;
  telegramApiRoot: string;
  /** The Graph API with its version (default Meta's). */
  whatsappGraphUrl?: string;
  /** The model a new setup starts with. */
  model: string;
}

function claudeClient(apiKey: string, endpoints: CheckEndpoints): Anthropic {
  return new Anthropic({
    apiKey,
    maxRetries: 0,
    timeout: 20_000,
    ...(endpoints.anthropicBaseUrl && { baseURL: endpoints.anthropicBaseUrl }),
  });
}

export async function checkClaude(
  apiKey: string,
  endpoints: CheckEndpoints,
  model = endpoints.model,
): Promise<{ model: string }> {
  try {
    await claudeClient(apiKey, endpoints).messages.create({
      model,
      max_tokens: 1,
      messages: [{ role: 'user', content: 'ping' }],
    });
    return { model };
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (status === 401 || status === 403) {
      throw new UserError(
        'Claude did not accept this key. Copy a fresh key from console.anthropic.com → API Keys.',
        'InvalidKey',
      );
    }
    if (status === 404) {
      throw new UserError(`Claude does not offer the model ${model} to this key. Choose another model.`);
    }
    // Rate limited or overloaded means the key itself is fine.
    if (status === 429 || status === 529) return { model };
    if (status === 400 && /credit|billing/i.test(errorMessage(error))) {
      throw new UserError(
        'This key works, but its account has no credit. Add credit in the Anthropic console.',
      );
    }
    const reason = redact(errorMessage(error), [apiKey]);
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
    const reason = redact(errorMessage(error), [token]);
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

/** The models this key may use, newest first, as Claude lists them. */
export async function listClaudeModels(apiKey: string, endpoints: CheckEndpoints): Promise<ClaudeModel[]> {
  try {
    const page = await claudeClient(apiKey, endpoints).models.list({ limit: 100 });
    return page.data.map((model) => ({ id: model.id, name: model.display_name || model.id }));
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (status === 401 || status === 403) {
      throw new UserError('Claude did not accept the stored key. Enter a new key below.', 'InvalidKey');
    }
    throw new UserError('Could not ask Claude for its models. Check your internet connection and try again.');
  }
}

/** The WhatsApp number's Graph record: proves the access token and the phone number ID belong together. */
export async function checkWhatsAppCloud(
  accessToken: string,
  phoneNumberId: string,
  endpoints: CheckEndpoints,
): Promise<{ phone?: string; name?: string }> {
  const graph = endpoints.whatsappGraphUrl ?? DEFAULT_GRAPH_URL;
  let response: Response;
  try {
    response = await fetch(`${graph}/${phoneNumberId}?fields=display_phone_number,verified_name`, {
      headers: { authorization: `Bearer ${accessToken}` },
      signal: AbortSignal.timeout(15_000),
    });
  } catch (error) {
    const reason = redact(errorMessage(error), [accessToken]);
    throw new UserError(
      `Could not reach WhatsApp (${reason}). Check your internet connection and try again.`,
    );
  }
  const body = (await response.json().catch(() => ({}))) as {
    display_phone_number?: string;
    verified_name?: string;
    error?: { code?: number };
  };
  if (response.status === 401 || body.error?.code === 190) {
    throw new UserError(
      'WhatsApp did not accept this access token. Create a permanent token in Meta Business Settings → System users.',
      'InvalidToken',
    );
  }
  if (!response.ok) {
    throw new UserError(
      'WhatsApp does not know this phone number ID for this token. Copy both again from WhatsApp → API Setup.',
    );
  }
  return {
    ...(body.display_phone_number && { phone: body.display_phone_number }),
    ...(body.verified_name && { name: body.verified_name }),
  };
}
