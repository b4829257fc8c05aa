// Webhook checks: HMAC and bearer in constant time, the rate limiter, and Stripe's own verification and the
// owner's summaries. Expected MACs are published test vectors, never computed by the code under test.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Stripe from 'stripe';
import { Secret } from '../../../agent-core/config/secret.ts';
import { hookDefinition, renderPrompt } from '../../../agent-core/hooks/generic.ts';
import { RateLimiter } from '../../../agent-core/hooks/rate-limit.ts';
import { verifyBearer, verifyHmac } from '../../../agent-core/hooks/signature.ts';
import { StripeSignatureError, summarizeStripe, verifyStripe } from '../../../agent-core/hooks/stripe.ts';

const SECRET = 'a-long-enough-hook-secret';

// GitHub's documented example ("Validating webhook deliveries"): this secret and payload, this X-Hub-Signature-256.
const GITHUB = {
  secret: "It's a Secret to Everybody",
  body: Buffer.from('Hello, World!'),
  signature: 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
};
// RFC 4231, test case 2 (HMAC-SHA-256).
const RFC4231 = {
  secret: 'Jefe',
  body: Buffer.from('what do ya want for nothing?'),
  mac: '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
};

test('HMAC-SHA256 over the raw body, with or without the sha256= prefix (published vectors)', () => {
  assert.equal(verifyHmac(GITHUB.body, GITHUB.signature, GITHUB.secret), true);
  assert.equal(verifyHmac(RFC4231.body, RFC4231.mac, RFC4231.secret), true);
  assert.equal(verifyHmac(RFC4231.body, `sha256=${RFC4231.mac.toUpperCase()}`, RFC4231.secret), true);
  assert.equal(
    verifyHmac(Buffer.from('Hello, World?'), GITHUB.signature, GITHUB.secret),
    false,
    'one changed byte',
  );
  assert.equal(verifyHmac(GITHUB.body, GITHUB.signature, 'another-secret-entirely'), false);
  const mac = RFC4231.mac;
  const flipped = `${mac.slice(0, -1)}${mac.endsWith('3') ? '4' : '3'}`;
  for (const bad of [undefined, '', 'sha256=', 'zz', mac.slice(0, 63), `${mac}00`, flipped])
    assert.equal(verifyHmac(RFC4231.body, bad, RFC4231.secret), false, String(bad));
});

test('bearer tokens', () => {
  assert.equal(verifyBearer(`Bearer ${SECRET}`, SECRET), true);
  assert.equal(verifyBearer(`bearer ${SECRET}`, SECRET), true);
  for (const bad of [undefined, SECRET, `Bearer ${SECRET}x`, 'Bearer ', `Basic ${SECRET}`])
    assert.equal(verifyBearer(bad, SECRET), false);
});

test('the rate limiter allows a burst of N per minute per source, then refills', () => {
  let now = 0;
  const limiter = new RateLimiter(3, () => now);
  assert.deepEqual(
    [1, 2, 3, 4].map(() => limiter.take('a')),
    [true, true, true, false],
  );
  assert.equal(limiter.take('b'), true, 'sources are independent');
  assert.equal(limiter.retryAfterS('a'), 20);
  now += 20_000;
  assert.equal(limiter.take('a'), true);
  assert.equal(limiter.take('a'), false);
});

test('Stripe events are verified by the official library over the raw body', async () => {
  const secret = new Secret('whsec_test_secret_for_mono');
  const payload = JSON.stringify({
    id: 'evt_1',
    type: 'payment_intent.succeeded',
    data: { object: { amount_received: 1250, currency: 'eur', receipt_email: 'ada@example.com' } },
  });
  const header = Stripe.webhooks.generateTestHeaderString({ payload, secret: secret.reveal() });
  const event = await verifyStripe(Buffer.from(payload), header, secret);
  assert.equal(event.id, 'evt_1');
  assert.equal(summarizeStripe(event), '💳 Payment received: 12.50 EUR from ada@example.com.');
  await assert.rejects(
    verifyStripe(Buffer.from(payload.replace('1250', '9999')), header, secret),
    StripeSignatureError,
  );
  await assert.rejects(verifyStripe(Buffer.from(payload), undefined, secret), StripeSignatureError);
  const forged = Stripe.webhooks.generateTestHeaderString({ payload, secret: 'whsec_someone_else' });
  await assert.rejects(verifyStripe(Buffer.from(payload), forged, secret), (error: Error) => {
    assert.ok(!error.message.includes(secret.reveal()), 'the secret is not in the error');
    return error instanceof StripeSignatureError;
  });
});

test('what the owner hears about Stripe events, and what they do not', () => {
  const event = (type: string, object: Record<string, unknown>) => ({ id: 'evt', type, data: { object } });
  assert.match(
    summarizeStripe(
      event('invoice.payment_failed', {
        amount_due: 500,
        amount: 500,
        currency: 'usd',
        customer_email: 'x@y.z',
      }),
    )!,
    /Payment failed: 5\.00 USD from x@y\.z/,
  );
  assert.match(
    summarizeStripe(
      event('charge.dispute.created', { amount: 1000, currency: 'jpy', reason: 'fraudulent' }),
    )!,
    /dispute: 1000 JPY \(reason: fraudulent\)/,
  );
  assert.match(
    summarizeStripe(
      event('customer.subscription.created', {
        customer: 'cus_1',
        items: { data: [{ price: { nickname: 'Pro' } }] },
      }),
    )!,
    /New subscription from cus_1 \(Pro\)/,
  );
  assert.match(summarizeStripe(event('customer.subscription.deleted', {}))!, /Subscription cancelled/);
  assert.equal(summarizeStripe(event('customer.updated', {})), undefined);
});

test('generic hook definitions come from the hooks setting; the prompt template gets the body', () => {
  const setting = { deploys: { auth: 'bearer', prompt: 'Deploy news from {{name}}: {{body}}' }, ci: {} };
  const deploys = hookDefinition(setting, 'deploys')!;
  assert.equal(deploys.auth, 'bearer');
  assert.equal(renderPrompt(deploys, { app: 'web' }), 'Deploy news from deploys: {\n  "app": "web"\n}');
  assert.equal(hookDefinition(setting, 'ci')?.auth, 'hmac');
  assert.equal(hookDefinition(setting, 'ci')?.signatureHeader, 'x-signature-256');
  assert.equal(hookDefinition(setting, 'missing'), undefined);
  for (const name of ['stripe', '../etc', 'UPPER', ''])
    assert.equal(hookDefinition({ [name]: {} }, name), undefined, name);
  assert.equal(hookDefinition(null, 'ci'), undefined);
});
