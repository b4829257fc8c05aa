// HTTP control routes (/__fake/…) for a FakeAnthropic running in another process (serve.ts): hold,
// release, delays, faults and a fixed scripted reply, as JSON. Used through control-client.ts.
import type { ServerResponse } from 'node:http';
import type { FakeAnthropic, FaultKind } from './anthropic-server.ts';
import { echoResponder, type FakeReply } from './anthropic-types.ts';
import { sendJson } from './http-util.ts';

export async function handleAnthropicControl(
  fake: FakeAnthropic,
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
          requestCount: fake.requests.length,
          inFlight: fake.inFlight,
          held: fake.held,
          holding: fake.holding,
          delayMs: fake.delayMs,
        });
      case '/__fake/requests':
        return sendJson(res, 200, fake.requests.slice(since));
      case '/__fake/hold':
        fake.hold();
        return sendJson(res, 200, { ok: true });
      case '/__fake/release':
        fake.release(input.count === undefined ? undefined : Number(input.count));
        return sendJson(res, 200, { ok: true });
      case '/__fake/delay':
        fake.delayMs = Number(input.ms ?? 0);
        return sendJson(res, 200, { ok: true });
      case '/__fake/fail':
        fake.failNext(Number(input.count ?? 1), (input.kind ?? 429) as FaultKind, {
          retryAfter: input.retryAfter === undefined ? undefined : Number(input.retryAfter),
        });
        return sendJson(res, 200, { ok: true });
      case '/__fake/fail-always':
        fake.failAlways((input.kind ?? null) as FaultKind | null);
        return sendJson(res, 200, { ok: true });
      case '/__fake/clear-faults':
        fake.clearFaults();
        return sendJson(res, 200, { ok: true });
      case '/__fake/reply': {
        // A fixed reply for every request; `null` restores the echo responder.
        const reply = input.reply as FakeReply | null | undefined;
        fake.respond = reply ? () => reply : echoResponder;
        return sendJson(res, 200, { ok: true });
      }
      case '/__fake/wait-requests': {
        await fake.waitForRequests(Number(input.count ?? 1), { timeoutMs: Number(input.timeoutMs ?? 5000) });
        return sendJson(res, 200, { requestCount: fake.requests.length });
      }
      case '/__fake/wait-held': {
        const held = await fake.waitForHeld(Number(input.count ?? 1), {
          timeoutMs: Number(input.timeoutMs ?? 5000),
        });
        return sendJson(res, 200, { held });
      }
      default:
        return sendJson(res, 404, { error: `unknown control route ${url.pathname}` });
    }
  } catch (error) {
    return sendJson(res, 409, { error: (error as Error).message });
  }
}
