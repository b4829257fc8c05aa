// POST /hooks/stripe and POST /hooks/<name>: body limit (413), signature over the raw body (401, nothing stored),
// JSON nested deeper than any sender nests (422, nothing stored: the datastore could not hold it), then the rate
// limit per source (429) — counted for authenticated deliveries only, so a flood of forged requests
// never blocks the real ones — store deduplicated on what the signature covers, answer 200, then tell the owner
// (Stripe: a fixed summary; generic hooks: Claude with the hook's prompt template and no tools, since the body is
// untrusted). What the owner is told is a notice, never the assistant's own words in their history.
import { createHash } from 'node:crypto';
import type { Surreal } from 'surrealdb';
import type { Assistant } from '../agent/assistant.ts';
import type { Settings } from '../agent/settings.ts';
import { BudgetExceededError } from '../budget/ledger.ts';
import { recordUsage } from '../budget/usage.ts';
import type { FeatureConfig } from '../config/config.ts';
import type { HttpRequest, HttpResponse, Router } from '../http/router.ts';
import type { Logger } from '../log/logger.ts';
import { printable } from '../log/printable.ts';
import { conversationId } from '../store/messages.ts';
import { errorMessage } from '../util/error-message.ts';
import { type EventRecord, settleEvent, storeEvent, unsettledEvents } from './events.ts';
import { type HookDefinition, hookDefinition, renderPrompt } from './generic.ts';
import { jsonDepth, MAX_HOOK_JSON_DEPTH } from './json-depth.ts';
import { RateLimiter } from './rate-limit.ts';
import { verifyBearer, verifyHmac } from './signature.ts';
import { type StripeEvent, StripeSignatureError, summarizeStripe, verifyStripe } from './stripe.ts';

export interface HookDeps {
  db: Surreal;
  log: Logger;
  settings: Settings;
  assistant: Assistant;
  config: FeatureConfig;
}

/** Refused deliveries are logged at most once a minute per hook, with the count (a flood must not flood the log). */
const REFUSAL_LOG_MS = 60_000;

/** Why a delivery was refused: what the sender is answered, and the log line (at warn) that says so. */
const REFUSALS = {
  signature: { status: 401, body: 'bad signature', log: 'webhook refused: bad signature' },
  depth: {
    status: 422,
    body: `payload nested too deeply: at most ${MAX_HOOK_JSON_DEPTH} levels of arrays and objects are accepted`,
    log: 'webhook refused: payload nested too deeply',
  },
} as const;

export class Hooks {
  readonly #limiter: RateLimiter;
  readonly #refusals = new Map<string, { count: number; loggedAt: number }>();
  readonly #work = new Set<Promise<void>>();
  #stopped = false;

  constructor(private readonly deps: HookDeps) {
    this.#limiter = new RateLimiter(deps.config.hookRatePerMinute);
  }

  routes = (router: Router): void => {
    router.limit('/hooks/', this.deps.config.hookMaxBytes);
    router.post('/hooks/:name', (request) => this.#handle(request));
  };

  /** Handles events stored before a stop but not yet handled. */
  async resume(): Promise<void> {
    for (const event of await unsettledEvents(this.deps.db)) this.#process(event);
  }

  async stop(graceMs: number): Promise<void> {
    this.#stopped = true;
    await Promise.race([Promise.allSettled(this.#work), new Promise((r) => setTimeout(r, graceMs).unref())]);
  }

  async #handle(request: HttpRequest): Promise<HttpResponse> {
    const name = request.params.name ?? '';
    const { config } = this.deps;
    const definition = name === 'stripe' ? undefined : hookDefinition(this.deps.settings.get('hooks'), name);
    const secret = name === 'stripe' ? config.stripeWebhookSecret : config.hookSecrets.get(name);
    if (!secret || (name !== 'stripe' && !definition)) return { status: 404, body: 'no such hook' };
    const raw = await request.body();

    let event: { externalId: string; type: string; payload: unknown };
    if (name === 'stripe') {
      try {
        // Stripe's event id is inside the signed body: a replay is the same event.
        const stripe = await verifyStripe(raw, request.header('stripe-signature'), secret);
        event = { externalId: stripe.id, type: stripe.type, payload: stripe };
      } catch (error) {
        if (!(error instanceof StripeSignatureError)) throw error;
        return this.#refuse(name, 'signature', error.message);
      }
      if (tooDeep(raw.toString('utf8'))) return this.#refuse(name, 'depth', 'nested too deeply');
    } else {
      const def = definition!;
      const ok =
        def.auth === 'bearer'
          ? verifyBearer(request.header('authorization'), secret.reveal())
          : verifyHmac(raw, request.header(def.signatureHeader), secret.reveal());
      if (!ok) return this.#refuse(name, 'signature', 'bad signature');
      const text = raw.toString('utf8');
      let payload: unknown = text;
      try {
        payload = JSON.parse(text);
      } catch {
        // Not JSON: kept as text.
      }
      if (typeof payload === 'object' && payload !== null && tooDeep(text))
        return this.#refuse(name, 'depth', 'nested too deeply');
      event = {
        // What the signature covers, not a header beside it: a captured delivery replayed with a fresh
        // X-Event-Id is the same event. (A sender that posts the very same bytes twice is heard once.)
        externalId: `sha256:${createHash('sha256').update(raw).digest('hex')}`,
        type:
          typeof (payload as { type?: unknown })?.type === 'string'
            ? String((payload as { type: string }).type).slice(0, 100)
            : name,
        payload,
      };
    }
    if (!this.#limiter.take(name)) {
      const retryAfter = String(this.#limiter.retryAfterS(name));
      return { status: 429, body: 'too many requests', headers: { 'retry-after': retryAfter } };
    }

    let stored: Awaited<ReturnType<typeof storeEvent>>;
    try {
      stored = await storeEvent(this.deps.db, { source: name, ...event });
    } catch (error) {
      // Two deliveries of the same event at once: the unique index let one in.
      if (/already contains/i.test(errorMessage(error)))
        return { status: 200, body: { ok: true, duplicate: true } };
      throw error;
    }
    if (stored.isNew) this.#process(stored.event);
    return { status: 200, body: { ok: true, duplicate: !stored.isNew } };
  }

  #refuse(name: string, why: keyof typeof REFUSALS, reason: string): HttpResponse {
    const refusal = REFUSALS[why];
    const now = Date.now();
    const key = `${why}:${name}`;
    const refusals = this.#refusals.get(key) ?? { count: 0, loggedAt: 0 };
    refusals.count += 1;
    if (now - refusals.loggedAt >= REFUSAL_LOG_MS) {
      this.deps.log.warn({ hook: name, reason: printable(reason), refused: refusals.count }, refusal.log);
      refusals.count = 0;
      refusals.loggedAt = now;
    }
    this.#refusals.set(key, refusals);
    return { status: refusal.status, body: refusal.body };
  }

  #process(event: EventRecord): void {
    if (this.#stopped) return;
    const work = (event.source === 'stripe' ? this.#stripe(event) : this.#generic(event))
      .catch(async (error) => {
        if (error instanceof BudgetExceededError) {
          const notice = await this.deps.assistant.budgetNotice(error.state).catch(() => undefined);
          if (notice) await this.deps.assistant.notifyOwner(notice).catch(() => false);
        }
        const reason = errorMessage(error);
        this.deps.log.error({ hook: event.source, reason }, 'webhook event failed');
        await settleEvent(this.deps.db, event.id, 'failed', { error: reason }).catch(() => {});
      })
      .finally(() => this.#work.delete(work));
    this.#work.add(work);
  }

  async #stripe(event: EventRecord): Promise<void> {
    const summary = summarizeStripe(event.payload as StripeEvent);
    if (!summary) return settleEvent(this.deps.db, event.id, 'ignored');
    const told = await this.deps.assistant.notifyOwner(summary, 'notice', processedStatement(event, summary));
    if (!told)
      await settleEvent(this.deps.db, event.id, 'failed', { summary, error: 'The owner’s chat is unknown.' });
  }

  async #generic(event: EventRecord): Promise<void> {
    const { assistant, db } = this.deps;
    const definition = hookDefinition(this.deps.settings.get('hooks'), event.source);
    if (!definition) return settleEvent(db, event.id, 'ignored', { error: 'The hook is no longer defined.' });
    const target = assistant.owner.target();
    if (!assistant.configured || !target)
      return settleEvent(db, event.id, 'failed', { error: 'Claude or the owner’s chat is not configured.' });
    if (await assistant.pause.paused())
      return settleEvent(db, event.id, 'ignored', { error: 'MONO was paused when this event arrived.' });
    const gate = await assistant.budgetGate();
    if (!gate.ok) {
      if (gate.notice) await assistant.notifyOwner(gate.notice);
      return settleEvent(db, event.id, 'failed', {
        error: `The ${gate.state.period} budget cap is reached.`,
      });
    }
    const result = await assistant.respond({
      conversation: conversationId(target.channel, target.chatId),
      channel: target.channel,
      chatId: target.chatId,
      isOwner: true,
      withTools: false,
      untrusted: ['webhook'],
      messages: [{ role: 'user', content: renderPrompt(definition as HookDefinition, event.payload) }],
      recallQuery: event.type,
    });
    if (result.usage) await recordUsage(db, result.usage, result.calls);
    const summary = result.text || `The ${event.source} hook sent an event (${event.type}).`;
    // A notice: written from untrusted data, it never enters the history as the assistant's own words.
    await assistant.notifyOwner(summary, 'notice', processedStatement(event, summary));
  }
}

/** True for a body nested past what is stored: the engine refuses ~200 levels, JSON.stringify overflows later. */
function tooDeep(text: string): boolean {
  return jsonDepth(text, MAX_HOOK_JSON_DEPTH) > MAX_HOOK_JSON_DEPTH;
}

/** Settles an event in the transaction that stores what the owner is told: a restart never tells them twice. */
function processedStatement(event: EventRecord, summary: string) {
  return {
    statement: `UPDATE $event SET status = 'processed', summary = $summary;`,
    vars: { event: event.id, summary },
  };
}
