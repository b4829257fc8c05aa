// HTTP control routes (/__fake/…) for a FakeTelegram running in another process (serve.ts): the same
// helpers tests call in-process, as JSON. Used by the benchmark and the VPS tests via control-client.ts.
import type { ServerResponse } from 'node:http';
import type { Update } from 'grammy/types';
import { sendJson } from './http-util.ts';
import type { FakeTelegram, SendTextInput } from './telegram-server.ts';

export async function handleTelegramControl(
  fake: FakeTelegram,
  url: URL,
  body: Buffer,
  res: ServerResponse,
): Promise<void> {
  const since = Number(url.searchParams.get('since') ?? 0);
  try {
    const input = (body.length ? JSON.parse(body.toString('utf8')) : {}) as Record<string, unknown>;
    switch (url.pathname) {
      case '/__fake/state':
        return sendJson(res, 200, {
          pendingUpdates: fake.pendingUpdates,
          webhook: fake.webhook ?? null,
          sentCount: fake.sent.length,
          callCount: fake.calls.length,
        });
      case '/__fake/sent':
        return sendJson(res, 200, fake.sent.slice(since));
      case '/__fake/calls':
        return sendJson(res, 200, fake.calls.slice(since));
      case '/__fake/send-text':
        return sendJson(res, 200, fake.sendText(input as unknown as SendTextInput));
      case '/__fake/push-update':
        return sendJson(res, 200, fake.pushUpdate(input));
      case '/__fake/deliver': {
        if (input.update)
          return sendJson(res, 200, { status: await fake.deliverToWebhook(input.update as Update) });
        return sendJson(res, 200, { statuses: await fake.deliverPending() });
      }
      case '/__fake/wait-sent': {
        const sent = await fake.waitForSent(Number(input.count ?? 1), {
          timeoutMs: Number(input.timeoutMs ?? 5000),
        });
        return sendJson(res, 200, sent.slice(since));
      }
      case '/__fake/fail':
        fake.failNextWith(String(input.method), Number(input.count ?? 1), {
          error_code: Number(input.errorCode ?? 429),
          description: String(input.description ?? `Too Many Requests: retry after ${input.retryAfter ?? 1}`),
          ...(Number(input.errorCode ?? 429) === 429
            ? { parameters: { retry_after: Number(input.retryAfter ?? 1) } }
            : {}),
        });
        return sendJson(res, 200, { ok: true });
      case '/__fake/delay':
        fake.setDelay(String(input.method), Number(input.ms ?? 0));
        return sendJson(res, 200, { ok: true });
      case '/__fake/reject-parse-mode':
        fake.rejectParseMode = input.on !== false;
        return sendJson(res, 200, { ok: true });
      case '/__fake/clear-faults':
        fake.clearFaults();
        return sendJson(res, 200, { ok: true });
      default:
        return sendJson(res, 404, { error: `unknown control route ${url.pathname}` });
    }
  } catch (error) {
    return sendJson(res, 409, { error: (error as Error).message });
  }
}
