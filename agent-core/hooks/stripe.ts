// Stripe webhooks: verified with the official library over the raw body (STRIPE_WEBHOOK_SECRET), and the
// events an owner cares about turned into one plain sentence each. The library loads on first use only.
import type { Secret } from '../config/secret.ts';
import { errorMessage } from '../util/error-message.ts';

export interface StripeEvent {
  id: string;
  type: string;
  data: { object: Record<string, unknown> };
}

/** A bad signature, a missing header, or a body that is not a Stripe event. */
export class StripeSignatureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StripeSignatureError';
  }
}

type StripeModule = typeof import('stripe');
let stripe: Promise<StripeModule> | undefined;

export async function verifyStripe(
  raw: Buffer,
  header: string | undefined,
  secret: Secret,
): Promise<StripeEvent> {
  if (!header) throw new StripeSignatureError('missing Stripe-Signature header');
  stripe ??= import('stripe');
  const { default: Stripe } = await stripe;
  try {
    const event = Stripe.webhooks.constructEvent(raw, header, secret.reveal()) as unknown as StripeEvent;
    if (typeof event?.id !== 'string' || typeof event.type !== 'string') throw new Error('not an event');
    return { ...event, data: { object: isObject(event.data?.object) ? event.data.object : {} } };
  } catch (error) {
    // The library's message never contains the secret; keep only its first line.
    throw new StripeSignatureError(errorMessage(error).split('\n')[0]!.slice(0, 200));
  }
}

/** What to tell the owner about an event, or undefined for the events they do not need to hear about. */
export function summarizeStripe(event: StripeEvent): string | undefined {
  const object = event.data.object;
  const amount = money(
    object.amount_received ?? object.amount_paid ?? object.amount ?? object.amount_total,
    object.currency,
  );
  const who = customer(object);
  switch (event.type) {
    case 'payment_intent.succeeded':
    case 'checkout.session.completed':
      return `💳 Payment received: ${amount}${who}.`;
    case 'payment_intent.payment_failed':
    case 'invoice.payment_failed': {
      const reason = isObject(object.last_payment_error)
        ? String(object.last_payment_error.message ?? '')
        : '';
      return `⚠️ Payment failed: ${amount}${who}${reason ? ` — ${reason}` : ''}.`;
    }
    case 'charge.dispute.created':
      return `🚨 New dispute: ${amount}${object.reason ? ` (reason: ${String(object.reason)})` : ''}. Respond in the Stripe dashboard before the deadline.`;
    case 'customer.subscription.created':
      return `🎉 New subscription${who}${plan(object)}.`;
    case 'customer.subscription.deleted':
      return `👋 Subscription cancelled${who}${plan(object)}.`;
    default:
      return undefined;
  }
}

function money(amount: unknown, currency: unknown): string {
  if (typeof amount !== 'number' || !Number.isFinite(amount)) return 'an amount';
  const code = typeof currency === 'string' && /^[a-z]{3}$/i.test(currency) ? currency.toUpperCase() : 'USD';
  // Stripe amounts are in the smallest unit; a few currencies (JPY, KRW…) have none.
  const zeroDecimal = [
    'BIF',
    'CLP',
    'DJF',
    'GNF',
    'JPY',
    'KMF',
    'KRW',
    'MGA',
    'PYG',
    'RWF',
    'UGX',
    'VND',
    'VUV',
    'XAF',
    'XOF',
    'XPF',
  ];
  const value = zeroDecimal.includes(code) ? amount : amount / 100;
  return `${value.toFixed(zeroDecimal.includes(code) ? 0 : 2)} ${code}`;
}

function customer(object: Record<string, unknown>): string {
  const details = isObject(object.customer_details) ? object.customer_details : {};
  const email = object.receipt_email ?? object.customer_email ?? details.email;
  if (typeof email === 'string' && email) return ` from ${email.slice(0, 100)}`;
  return typeof object.customer === 'string' ? ` from ${object.customer.slice(0, 60)}` : '';
}

function plan(object: Record<string, unknown>): string {
  const items = isObject(object.items) && Array.isArray(object.items.data) ? object.items.data : [];
  const first = isObject(items[0]) && isObject(items[0].price) ? items[0].price : undefined;
  const name = first?.nickname ?? first?.id;
  return typeof name === 'string' ? ` (${name.slice(0, 80)})` : '';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
