// The reachability gate of a service: while it is down, one probe at a time with a capped, jittered backoff
// (not one retry per waiting call); when it is back, the calls that waited go at the recovery pace; a rate limit
// holds every call for as long as the service asked; refusals that waiting cannot fix are not retried.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Classify, Upstream, UpstreamGaveUpError } from '../../../agent-core/health/upstream.ts';
import { flush, ManualClock } from './manual-clock.ts';

class Unreachable extends Error {}
class Throttled extends Error {
  constructor(readonly retryAfterMs: number) {
    super('429');
  }
}
const classify: Classify = (error) =>
  error instanceof Unreachable
    ? { kind: 'unreachable', detail: 'connection refused' }
    : error instanceof Throttled
      ? { kind: 'throttled', retryAfterMs: error.retryAfterMs, detail: '429' }
      : undefined;

function service(clock: ManualClock) {
  const calls: number[] = [];
  const state = { up: true, throttleOnce: 0 };
  const call = async () => {
    calls.push(clock.now());
    if (state.throttleOnce > 0) {
      const wait = state.throttleOnce;
      state.throttleOnce = 0;
      throw new Throttled(wait);
    }
    if (!state.up) throw new Unreachable('refused');
    return 'ok';
  };
  return { calls, state, call };
}

test('an outage: twenty waiting calls make one probe at a time, spaced by a capped backoff, then all go', async () => {
  const clock = new ManualClock();
  const upstream = new Upstream('telegram', {
    backoff: { baseMs: 1000, capMs: 8000 },
    recovery: { perSecond: 5, burst: 1 },
    clock,
  });
  const changes: boolean[] = [];
  upstream.onChange((state) => changes.push(state.up));
  const svc = service(clock);
  svc.state.up = false;
  const done: number[] = [];
  for (let i = 0; i < 20; i++) void upstream.run(svc.call, classify).then(() => done.push(clock.now()));
  await flush();
  assert.equal(svc.calls.length, 20, 'the calls already on their way all fail');
  assert.equal(upstream.state.up, false);
  assert.equal(upstream.state.waiting, 20);
  assert.equal(upstream.state.detail, 'connection refused');

  await clock.advance(60_000);
  const probes = svc.calls.slice(20);
  assert.ok(
    probes.length >= 7 && probes.length <= 15,
    `${probes.length} probes in a minute, not 20 a second`,
  );
  const gaps = probes.map((time, i) => time - (i === 0 ? svc.calls[19]! : probes[i - 1]!));
  for (const gap of gaps) assert.ok(gap >= 500 && gap <= 8010, `a probe ${gap} ms after the last`);
  assert.ok(
    gaps.slice(-3).every((gap) => gap >= 4000),
    'the spacing grew to the cap',
  );

  svc.state.up = true;
  // The next probe comes at most one capped backoff (8 s) later; the nineteen behind it take about 4 s more.
  await clock.advance(15_000);
  assert.equal(done.length, 20, 'every call went through once the service was back');
  assert.deepEqual(changes, [false, true]);
  // The nineteen that waited behind the probe are let go at five a second, not all at once.
  const released = done.slice(1).map((time) => time - done[0]!);
  assert.ok(released.at(-1)! >= 3000, `the last waiting call went ${released.at(-1)} ms after the probe`);
  assert.equal(svc.calls.length, 20 + probes.length + 20, 'each waiting call made exactly one more try');
});

test('a rate limit holds every call for the time the service asked', async () => {
  const clock = new ManualClock();
  const upstream = new Upstream('telegram', { clock, recovery: { perSecond: 1000, burst: 1000 } });
  const svc = service(clock);
  svc.state.throttleOnce = 3000;
  const first = upstream.run(svc.call, classify);
  await flush();
  const second = upstream.run(svc.call, classify);
  await clock.advance(2900);
  assert.equal(svc.calls.length, 1, 'nothing while the service asked to wait');
  await clock.advance(200);
  assert.equal(await first, 'ok');
  assert.equal(await second, 'ok');
  assert.equal(upstream.state.up, true, 'a rate limit is not an outage');
});

test('a refusal waiting cannot fix is thrown at once and says the service is reachable', async () => {
  const clock = new ManualClock();
  const upstream = new Upstream('whatsapp', { clock });
  let calls = 0;
  const refused = new Error('recipient blocked the bot');
  await assert.rejects(
    upstream.run(async () => {
      calls++;
      throw refused;
    }, classify),
    refused,
  );
  assert.equal(calls, 1);
  assert.equal(upstream.state.up, true);
});

test('a deadline or a stop ends the wait with the last failure', async () => {
  const clock = new ManualClock();
  const upstream = new Upstream('anthropic', { clock, backoff: { baseMs: 1000, capMs: 2000 } });
  const svc = service(clock);
  svc.state.up = false;
  const timedOut = upstream.run(svc.call, classify, { deadline: clock.now() + 10_000 });
  const stop = new AbortController();
  const stopped = upstream.run(svc.call, classify, { signal: stop.signal });
  const outcome = Promise.allSettled([timedOut, stopped]);
  await clock.advance(5000);
  stop.abort();
  await clock.advance(6000);
  const [a, b] = await outcome;
  assert.equal(a.status, 'rejected');
  assert.ok((a as PromiseRejectedResult).reason instanceof UpstreamGaveUpError);
  assert.ok(((a as PromiseRejectedResult).reason as UpstreamGaveUpError).lastError instanceof Unreachable);
  assert.equal(b.status, 'rejected');
  assert.equal(upstream.state.waiting, 0);
});
