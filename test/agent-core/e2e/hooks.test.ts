// Webhooks through the built agent: Stripe (signed by the official library's test helper, forged, duplicate,
// ignored types) and generic hooks (HMAC, bearer, 401, 404, 413, 429), tried as an attacker would: a replay with a
// fresh event id, a flood of forged deliveries while a real one arrives, bodies nested past what the datastore
// holds. Refused requests store nothing.
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import Stripe from 'stripe';
import { FakeAnthropic } from '../../fakes/anthropic-server.ts';
import { lastUserText } from '../../fakes/anthropic-types.ts';
import { FakeTelegram } from '../../fakes/telegram-server.ts';
import { agentEnv } from '../../helpers/agent-env.ts';
import { AgentProcess, tempDataDir } from '../../helpers/agent-process.ts';
import { queryDataDir } from '../../helpers/inspect-datastore.ts';
import { allowTimeForDuplicates, eventually, sleep } from '../../helpers/wait.ts';

const OWNER = 4401;
const STRIPE_SECRET = 'whsec_mono_test_signing_secret';
const DEPLOY_SECRET = 'deploy-hook-secret-0123456789';
const ALERT_TOKEN = 'alert-hook-bearer-token-0123456789';
/** Signed deliveries the nesting test sends that are stored: 64 levels (the most), brackets in a string or in text. */
const AT_LIMIT = `${'{"a":'.repeat(63)}{"type":"deep"}${'}'.repeat(63)}`;
const IN_STRING = JSON.stringify({ type: 'deploy.note', text: '['.repeat(3000) });
const NOT_JSON = `${'['.repeat(3000)} not json`;
const AFTER_DEEP = JSON.stringify({ type: 'deploy.finished', app: 'after-deep' });

describe('webhooks', { timeout: 90_000 }, () => {
  const telegram = new FakeTelegram();
  const anthropic = new FakeAnthropic();
  const data = tempDataDir();
  let agent: AgentProcess;
  let env: Record<string, string>;
  const post = (path: string, body: string | Buffer, headers: Record<string, string> = {}) =>
    fetch(`${agent.httpUrl}${path}`, {
      method: 'POST',
      body: body as BodyInit,
      headers: { 'content-type': 'application/json', ...headers },
    });
  const stripeEvent = (id: string, type: string, object: Record<string, unknown>) => {
    const payload = JSON.stringify({ id, object: 'event', type, data: { object } });
    return {
      payload,
      signature: Stripe.webhooks.generateTestHeaderString({ payload, secret: STRIPE_SECRET }),
    };
  };
  const ownerMessages = () => telegram.sent.filter((s) => String(s.chat_id) === String(OWNER));
  /** Authenticated deliveries to the flood hook that were accepted (the rate test counts them). */
  let floodAccepted = 1;
  const bodyHash = (body: string) => `sha256:${createHash('sha256').update(body).digest('hex')}`;

  before(async () => {
    await telegram.start();
    await anthropic.start();
    env = agentEnv(
      data.dir,
      { telegram, anthropic },
      {
        MONO_ALLOW_TELEGRAM: String(OWNER),
        STRIPE_WEBHOOK_SECRET: STRIPE_SECRET,
        MONO_HOOK_SECRET_DEPLOYS: DEPLOY_SECRET,
        MONO_HOOK_SECRET_ALERTS: ALERT_TOKEN,
        MONO_HOOK_SECRET_FLOOD: ALERT_TOKEN,
        MONO_HOOK_MAX_BYTES: '32768',
        MONO_HOOK_RATE_PER_MIN: '20',
      },
    );
    await (await new AgentProcess(env).start()).stop();
    const hooks = {
      deploys: { auth: 'hmac', prompt: 'Deploy event from {{name}}: {{body}}' },
      alerts: { auth: 'bearer' },
      flood: { auth: 'bearer' },
    };
    await queryDataDir(data.dir, `UPSERT setting:hooks SET key = 'hooks', value = ${JSON.stringify(hooks)}`);
    agent = await new AgentProcess(env).start();
  });

  after(async () => {
    await agent?.stop();
    await telegram.close();
    await anthropic.close();
    data.remove();
  });

  test('a signed Stripe payment is stored once and summarized to the owner, without Claude', async () => {
    const calls = anthropic.requests.length;
    const event = stripeEvent('evt_pay_1', 'payment_intent.succeeded', {
      amount_received: 1250,
      currency: 'eur',
      receipt_email: 'ada@example.com',
    });
    const first = await post('/hooks/stripe', event.payload, { 'stripe-signature': event.signature });
    assert.equal(first.status, 200);
    assert.deepEqual(await first.json(), { ok: true, duplicate: false });
    const told = await eventually(
      () => ownerMessages().find((s) => s.text.includes('Payment received')),
      'the summary',
    );
    assert.equal(told.text, '💳 Payment received: 12.50 EUR from ada@example.com.');

    // Stripe retries with a fresh signature: same event id, no second notice.
    const again = stripeEvent('evt_pay_1', 'payment_intent.succeeded', {
      amount_received: 1250,
      currency: 'eur',
    });
    const retry = await post('/hooks/stripe', again.payload, { 'stripe-signature': again.signature });
    assert.deepEqual(await retry.json(), { ok: true, duplicate: true });
    const ignored = stripeEvent('evt_cust_1', 'customer.updated', { id: 'cus_1' });
    assert.equal(
      (await post('/hooks/stripe', ignored.payload, { 'stripe-signature': ignored.signature })).status,
      200,
    );
    await sleep(500);
    assert.equal(ownerMessages().filter((s) => s.text.includes('Payment received')).length, 1);
    assert.equal(ownerMessages().length, 1, 'nothing said about customer.updated');
    assert.equal(anthropic.requests.length, calls);
  });

  test('forged, tampered or unsigned Stripe bodies get 401', async () => {
    const event = stripeEvent('evt_forged', 'charge.dispute.created', { amount: 5000, currency: 'usd' });
    const forged = Stripe.webhooks.generateTestHeaderString({
      payload: event.payload,
      secret: 'whsec_attacker',
    });
    assert.equal((await post('/hooks/stripe', event.payload, { 'stripe-signature': forged })).status, 401);
    const tampered = event.payload.replace('5000', '1');
    assert.equal(
      (await post('/hooks/stripe', tampered, { 'stripe-signature': event.signature })).status,
      401,
    );
    assert.equal((await post('/hooks/stripe', event.payload)).status, 401);
    assert.equal((await post('/hooks/stripe', 'not json', { 'stripe-signature': 't=1,v1=00' })).status, 401);
  });

  test('a generic hook with a valid HMAC is turned into a message by Claude, with no tools', async () => {
    const body = JSON.stringify({ type: 'deploy.finished', app: 'shop', ok: true });
    const signature = `sha256=${createHmac('sha256', DEPLOY_SECRET).update(body).digest('hex')}`;
    const response = await post('/hooks/deploys', body, {
      'x-signature-256': signature,
      'x-event-id': 'dep-1',
    });
    assert.equal(response.status, 200);
    const told = await eventually(
      () => ownerMessages().find((s) => s.text.includes('Deploy event from deploys')),
      'the hook message',
    );
    assert.match(told.text, /"app": "shop"/);
    const request = anthropic.requests.find((r) => lastUserText(r).includes('Deploy event'))!;
    assert.equal(request.tools, undefined, 'webhook bodies are untrusted: no tools');
    assert.deepEqual(
      await (
        await post('/hooks/deploys', body, { 'x-signature-256': signature, 'x-event-id': 'dep-1' })
      ).json(),
      {
        ok: true,
        duplicate: true,
      },
    );
    // A captured delivery replayed with a fresh event id (which no signature covers) is still the same event.
    for (const header of ['x-event-id', 'x-github-delivery', 'idempotency-key', 'webhook-id']) {
      const replay = await post('/hooks/deploys', body, {
        'x-signature-256': signature,
        [header]: 'fresh-1',
      });
      assert.deepEqual(await replay.json(), { ok: true, duplicate: true }, header);
    }

    const bad = createHmac('sha256', 'wrong-secret-wrong-secret').update(body).digest('hex');
    assert.equal((await post('/hooks/deploys', body, { 'x-signature-256': bad })).status, 401);
    assert.equal((await post('/hooks/deploys', body)).status, 401);
    assert.equal((await post('/hooks/alerts', body, { authorization: `Bearer ${ALERT_TOKEN}` })).status, 200);
    assert.equal((await post('/hooks/alerts', body, { authorization: 'Bearer nope' })).status, 401);
    assert.equal((await post('/hooks/unknown', body)).status, 404);
  });

  test('too large → 413; forged floods never use up the rate; real deliveries past it → 429', async () => {
    const big = JSON.stringify({ pad: 'x'.repeat(33_000) });
    const signature = createHmac('sha256', DEPLOY_SECRET).update(big).digest('hex');
    assert.equal((await post('/hooks/deploys', big, { 'x-signature-256': signature })).status, 413);

    // 100 forged deliveries at once (more than the rate of 20 a minute), with a real one among them.
    const real = JSON.stringify({ type: 'alert.fired', n: 0 });
    const flood = Array.from({ length: 100 }, (_, i) =>
      i === 50
        ? post('/hooks/flood', real, { authorization: `Bearer ${ALERT_TOKEN}` })
        : post('/hooks/flood', JSON.stringify({ forged: i }), { authorization: 'Bearer wrong' }),
    );
    const statuses = (await Promise.all(flood)).map((response) => response.status);
    assert.equal(statuses[50], 200, 'the real delivery got through the flood');
    assert.deepEqual(
      [...new Set(statuses.filter((_, i) => i !== 50))],
      [401],
      'forged deliveries are refused as forged, never counted against the rate',
    );

    // The rate applies to authenticated deliveries: 20 a minute (the real one above was the first), then 429 with
    // Retry-After. The bucket refills one every 3 s while this runs, which a slow machine sees.
    const started = Date.now();
    let retryAfter: string | null = null;
    for (let n = 1; n <= 60 && retryAfter === null; n++) {
      const response = await post('/hooks/flood', JSON.stringify({ type: 'alert.fired', n }), {
        authorization: `Bearer ${ALERT_TOKEN}`,
      });
      if (response.status === 429) retryAfter = response.headers.get('retry-after');
      else {
        assert.equal(response.status, 200);
        floodAccepted += 1;
      }
    }
    const refills = Math.ceil((Date.now() - started) / 3000);
    assert.ok(retryAfter !== null && Number(retryAfter) >= 1, 'refused with Retry-After');
    assert.ok(
      floodAccepted >= 20 && floodAccepted <= 20 + refills,
      `${floodAccepted} accepted, rate 20 + ${refills} refills`,
    );
  });

  test('signed bodies nested past 64 levels → 422, nothing stored, no error logged; at 64 still accepted', async () => {
    const sign = (body: string) => `sha256=${createHmac('sha256', DEPLOY_SECRET).update(body).digest('hex')}`;
    const arrays = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
    const objects = (depth: number) => `${'{"a":'.repeat(depth - 1)}{"type":"deep"}${'}'.repeat(depth - 1)}`;
    const logged = agent.logs.length;
    // Each under the 32 KiB body limit: the depth is what refuses them. 500 levels passed the signature and made
    // the engine fail (RecursionLimitExceeded, a 500); some 3000 overflowed the stack.
    const deep = [
      arrays(65),
      arrays(500),
      objects(500),
      arrays(5000),
      objects(5000),
      `{"type":"x","n":${arrays(200)}}`,
    ];
    for (const body of deep) {
      for (const [path, auth] of [
        ['/hooks/deploys', { 'x-signature-256': sign(body) }],
        ['/hooks/alerts', { authorization: `Bearer ${ALERT_TOKEN}` }],
      ] as const) {
        const response = await post(path, body, auth);
        assert.equal(response.status, 422, `${path}, ${body.length} bytes`);
        assert.match(await response.text(), /^payload nested too deeply: at most 64 levels/);
      }
    }
    // A Stripe event signed with the endpoint's secret, deep inside data.object: refused the same way.
    const deepStripe = stripeEvent('evt_deep', 'payment_intent.succeeded', {
      metadata: JSON.parse(arrays(300)),
    });
    const refused = await post('/hooks/stripe', deepStripe.payload, {
      'stripe-signature': deepStripe.signature,
    });
    assert.equal(refused.status, 422);

    // Exactly at the limit: stored and handled like any other event.
    const accepted = await post('/hooks/deploys', AT_LIMIT, { 'x-signature-256': sign(AT_LIMIT) });
    assert.deepEqual(await accepted.json(), { ok: true, duplicate: false });
    // Brackets inside strings are text, and a body that is not JSON is kept as text, however many it has.
    for (const body of [IN_STRING, NOT_JSON]) {
      const response = await post('/hooks/deploys', body, { 'x-signature-256': sign(body) });
      assert.deepEqual(await response.json(), { ok: true, duplicate: false });
    }
    // And the sender's next, ordinary delivery goes through as before.
    const after = await post('/hooks/deploys', AFTER_DEEP, { 'x-signature-256': sign(AFTER_DEEP) });
    assert.deepEqual(await after.json(), { ok: true, duplicate: false });
    // Told after the flood's replies, at Telegram's pace of one a second in a chat.
    await eventually(
      () => ownerMessages().find((s) => s.text.includes('after-deep')),
      'the next event handled',
      60_000,
    );

    const lines = agent.logs.slice(logged);
    assert.deepEqual(
      lines.filter((line) => line.level >= 50).map((line) => line.msg),
      [],
      'no error-level log line for a sender’s body',
    );
    assert.deepEqual(
      lines
        .filter((line) => line.msg === 'webhook refused: payload nested too deeply')
        .map((l) => [l.level, l.hook]),
      [
        [40, 'deploys'],
        [40, 'alerts'],
        [40, 'stripe'],
      ],
      'logged at warn, once a minute per hook',
    );
  });

  test('an event stored before a kill -9 is handled after the restart, and the owner told once', async () => {
    anthropic.hold();
    const body = JSON.stringify({ type: 'deploy.failed', app: 'crash-test' });
    const signature = createHmac('sha256', DEPLOY_SECRET).update(body).digest('hex');
    const response = await post('/hooks/deploys', body, {
      'x-signature-256': signature,
      'x-event-id': 'dep-crash',
    });
    assert.equal(response.status, 200, 'stored and acknowledged before Claude answered');
    await anthropic.waitForHeld(1, { timeoutMs: 10_000 });
    await agent.kill();
    anthropic.release();
    agent = await new AgentProcess(env).start();
    await eventually(
      () => ownerMessages().find((s) => s.text.includes('crash-test')),
      'the message after restart',
      // The flood's replies go first, at Telegram's pace of one a second in a chat.
      60_000,
    ).catch((error) => {
      if (process.env.MONO_TEST_AGENT_LOG) console.error(agent.output());
      throw error;
    });
    await allowTimeForDuplicates();
    assert.equal(ownerMessages().filter((s) => s.text.includes('crash-test')).length, 1);
  });

  test('only verified events were stored', async () => {
    await agent.stop();
    const [events] = await queryDataDir<[{ source: string; external_id: string; status: string }[]]>(
      data.dir,
      'SELECT source, external_id, status, received_at FROM event ORDER BY received_at',
    );
    const deployBody = JSON.stringify({ type: 'deploy.finished', app: 'shop', ok: true });
    const crashBody = JSON.stringify({ type: 'deploy.failed', app: 'crash-test' });
    assert.deepEqual(
      events.filter((e) => e.source !== 'flood').map((e) => `${e.source}:${e.external_id}:${e.status}`),
      [
        'stripe:evt_pay_1:processed',
        'stripe:evt_cust_1:ignored',
        `deploys:${bodyHash(deployBody)}:processed`,
        `alerts:${bodyHash(deployBody)}:processed`,
        `deploys:${bodyHash(AT_LIMIT)}:processed`,
        `deploys:${bodyHash(IN_STRING)}:processed`,
        `deploys:${bodyHash(NOT_JSON)}:processed`,
        `deploys:${bodyHash(AFTER_DEEP)}:processed`,
        `deploys:${bodyHash(crashBody)}:processed`,
      ],
    );
    const flood = events.filter((e) => e.source === 'flood');
    // Exactly the authenticated deliveries the rate let in (counted by the rate test), nothing forged.
    assert.deepEqual(
      flood.map((e) => e.external_id).sort(),
      Array.from({ length: floodAccepted }, (_, n) =>
        bodyHash(JSON.stringify({ type: 'alert.fired', n })),
      ).sort(),
    );
  });
});
