// POST /hooks/stripe and POST /hooks/<name>: rate limit per source (429), body limit (413), signature over the
// raw body (401, nothing stored), store deduplicated, answer 200, then tell the owner (Stripe: a fixed summary;
// generic hooks: Claude with the hook's prompt template and no tools, since the body is untrusted).
import { createHash } from 'node:crypto';
import type { Surreal } from 'surrealdb';
import type { Assistant } from '../agent/assistant.ts';
import type { Settings } from '../agent/settings.ts';
import { recordUsage } from '../budget/usage.ts';
import type { FeatureConfig } from '../config/config.ts';
import type { HttpRequest, HttpResponse, Router } from '../http/router.ts';
import type { Logger } from '../log/logger.ts';
import { conversationId } from '../store/messages.ts';
import { type EventRecord, settleEvent, storeEvent, unsettledEvents } from './events.ts';
import { type HookDefinition, hookDefinition, renderPrompt } from './generic.ts';
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

const EVENT_ID_HEADERS = ['x-event-id', 'x-github-delivery', 'x-request-id', 'idempotency-key', 'webhook-id'];

export class Hooks {
  readonly #limiter: RateLimiter;
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
    const { config, log } = this.deps;
    const definition = name === 'stripe' ? undefined : hookDefinition(this.deps.settings.get('hooks'), name);
    const secret = name === 'stripe' ? config.stripeWebhookSecret : config.hookSecrets.get(name);
    if (!secret || (name !== 'stripe' && !definition)) return { status: 404, body: 'no such hook' };
    if (!this.#limiter.take(name)) {
      const retryAfter = String(this.#limiter.retryAfterS(name));
      return { status: 429, body: 'too many requests', headers: { 'retry-after': retryAfter } };
    }
    const raw = await request.body();

    let event: { externalId: string; type: string; payload: unknown };
    if (name === 'stripe') {
      try {
        const stripe = await verifyStripe(raw, request.header('stripe-signature'), secret);
        event = { externalId: stripe.id, type: stripe.type, payload: stripe };
      } catch (error) {
        if (!(error instanceof StripeSignatureError)) throw error;
        log.warn({ hook: name, reason: error.message }, 'webhook refused: bad signature');
        return { status: 401, body: 'bad signature' };
      }
    } else {
      const def = definition!;
      const ok =
        def.auth === 'bearer'
          ? verifyBearer(request.header('authorization'), secret.reveal())
          : verifyHmac(raw, request.header(def.signatureHeader), secret.reveal());
      if (!ok) {
        log.warn({ hook: name }, 'webhook refused: bad signature');
        return { status: 401, body: 'bad signature' };
      }
      const text = raw.toString('utf8');
      let payload: unknown = text;
      try {
        payload = JSON.parse(text);
      } catch {
        // Not JSON: kept as text.
      }
      const header = EVENT_ID_HEADERS.map((h) => request.header(h)).find((v) => v && v.length <= 200);
      event = {
        externalId: header ?? createHash('sha256').update(raw).digest('hex'),
        type:
          typeof (payload as { type?: unknown })?.type === 'string'
            ? String((payload as { type: string }).type).slice(0, 100)
            : name,
        payload,
      };
    }

    let stored: Awaited<ReturnType<typeof storeEvent>>;
    try {
      stored = await storeEvent(this.deps.db, { source: name, ...event });
    } catch (error) {
      // Two deliveries of the same event at once: the unique index let one in.
      if (/already contains/i.test(String((error as Error).message)))
        return { status: 200, body: { ok: true, duplicate: true } };
      throw error;
    }
    if (stored.isNew) this.#process(stored.event);
    return { status: 200, body: { ok: true, duplicate: !stored.isNew } };
  }

  #process(event: EventRecord): void {
    if (this.#stopped) return;
    const work = (event.source === 'stripe' ? this.#stripe(event) : this.#generic(event))
      .catch(async (error) => {
        const reason = error instanceof Error ? error.message : String(error);
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
      messages: [{ role: 'user', content: renderPrompt(definition as HookDefinition, event.payload) }],
      recallQuery: event.type,
    });
    if (result.usage) await recordUsage(db, result.usage, result.calls);
    const summary = result.text || `The ${event.source} hook sent an event (${event.type}).`;
    await assistant.notifyOwner(summary, 'assistant', processedStatement(event, summary));
  }
}

/** Settles an event in the transaction that stores what the owner is told: a restart never tells them twice. */
function processedStatement(event: EventRecord, summary: string) {
  return {
    statement: `UPDATE $event SET status = 'processed', summary = $summary;`,
    vars: { event: event.id, summary },
  };
}
