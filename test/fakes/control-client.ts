// Typed clients for the fakes' /__fake/… control routes, for code that runs the fakes in another
// process (serve.ts): the benchmark and the VPS tests. Same names as the in-process helpers.
import type { Update } from 'grammy/types';
import type { FaultKind } from './anthropic-server.ts';
import type { FakeReply, MessagesRequest } from './anthropic-types.ts';
import type { SendTextInput, SentMessage, TelegramCall, WebhookState } from './telegram-server.ts';

async function control<T>(base: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${base}/__fake/${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = (await response.json()) as T & { error?: string };
  if (!response.ok) throw new Error(`fake control ${path} failed (${response.status}): ${data.error}`);
  return data;
}

export class RemoteFakeTelegram {
  constructor(readonly url: string) {}
  state() {
    return control<{
      pendingUpdates: number;
      webhook: WebhookState | null;
      sentCount: number;
      callCount: number;
    }>(this.url, 'state');
  }
  sent(since = 0) {
    return control<SentMessage[]>(this.url, `sent?since=${since}`);
  }
  calls(since = 0) {
    return control<TelegramCall[]>(this.url, `calls?since=${since}`);
  }
  sendText(input: SendTextInput) {
    return control<Update>(this.url, 'send-text', input);
  }
  pushUpdate(raw: Record<string, unknown>) {
    return control<Update>(this.url, 'push-update', raw);
  }
  async deliverToWebhook(update: Update): Promise<number> {
    return (await control<{ status: number }>(this.url, 'deliver', { update })).status;
  }
  async deliverPending(): Promise<number[]> {
    return (await control<{ statuses: number[] }>(this.url, 'deliver', {})).statuses;
  }
  /** Resolves with the sent messages from index `since` once `count` messages were sent in total. */
  waitForSent(count: number, { timeoutMs = 5000, since = 0 } = {}) {
    return control<SentMessage[]>(this.url, `wait-sent?since=${since}`, { count, timeoutMs });
  }
  failNext(method: string, count = 1, { retryAfter = 1 } = {}) {
    return control(this.url, 'fail', { method, count, retryAfter });
  }
  failNextWith(method: string, count: number, error: { error_code: number; description: string }) {
    return control(this.url, 'fail', {
      method,
      count,
      errorCode: error.error_code,
      description: error.description,
    });
  }
  setDelay(method: string, ms: number) {
    return control(this.url, 'delay', { method, ms });
  }
  setRejectParseMode(on: boolean) {
    return control(this.url, 'reject-parse-mode', { on });
  }
  clearFaults() {
    return control(this.url, 'clear-faults', {});
  }
}

export class RemoteFakeAnthropic {
  constructor(readonly url: string) {}
  state() {
    return control<{
      requestCount: number;
      inFlight: number;
      held: number;
      holding: boolean;
      delayMs: number;
    }>(this.url, 'state');
  }
  requests(since = 0) {
    return control<MessagesRequest[]>(this.url, `requests?since=${since}`);
  }
  hold() {
    return control(this.url, 'hold', {});
  }
  release(count?: number) {
    return control(this.url, 'release', count === undefined ? {} : { count });
  }
  setDelay(ms: number) {
    return control(this.url, 'delay', { ms });
  }
  failNext(count: number, kind: FaultKind = 429, { retryAfter }: { retryAfter?: number } = {}) {
    return control(this.url, 'fail', { count, kind, retryAfter });
  }
  failAlways(kind: FaultKind | null) {
    return control(this.url, 'fail-always', { kind });
  }
  clearFaults() {
    return control(this.url, 'clear-faults', {});
  }
  /** A fixed reply for every request (a function cannot cross processes); null restores the echo. */
  setReply(reply: FakeReply | null) {
    return control(this.url, 'reply', { reply });
  }
  waitForRequests(count: number, { timeoutMs = 5000 } = {}) {
    return control<{ requestCount: number }>(this.url, 'wait-requests', { count, timeoutMs });
  }
  waitForHeld(count: number, { timeoutMs = 5000 } = {}) {
    return control<{ held: number }>(this.url, 'wait-held', { count, timeoutMs });
  }
}
