// A program made of parts takes itself apart the way it was put together: stage by stage, the last started first
// within a stage; a part that fails to start stops what started before it; a part that fails to stop does not keep
// the others running; stopping twice stops each part once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PartStartError, PartsStopError, StartedParts } from '../../../agent-core/util/started-parts.ts';

const STAGES = ['intake', 'rest'] as const;

/** Parts that write to `events` when they start and stop (a stop may wait a little, to show stops do not overlap). */
function recorder() {
  const events: string[] = [];
  const spec = (name: string, stage?: (typeof STAGES)[number]) => ({
    name,
    ...(stage ? { stage } : {}),
    start: async () => {
      events.push(`start ${name}`);
      return name.toUpperCase();
    },
    stop: async (started: string) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      events.push(`stop ${started}`);
    },
  });
  return { events, spec };
}

test('parts stop in the reverse of the order they started in, each after the one before has stopped', async () => {
  const { events, spec } = recorder();
  const parts = new StartedParts(STAGES);
  assert.equal(await parts.start(spec('datastore')), 'DATASTORE');
  await parts.start(spec('hub'));
  await parts.start(spec('runner'));
  await parts.stop();
  assert.deepEqual(events, [
    'start datastore',
    'start hub',
    'start runner',
    'stop RUNNER',
    'stop HUB',
    'stop DATASTORE',
  ]);
});

test('an earlier stage stops first, whenever its parts started', async () => {
  const { events, spec } = recorder();
  const parts = new StartedParts(STAGES);
  await parts.start(spec('datastore'));
  await parts.start(spec('http', 'intake'));
  await parts.start(spec('runner'));
  await parts.start(spec('channels', 'intake'));
  events.length = 0;
  await parts.stop();
  assert.deepEqual(events, ['stop CHANNELS', 'stop HTTP', 'stop RUNNER', 'stop DATASTORE']);
});

test('parts started together are stopped in the order they were listed, not the order they finished in', async () => {
  const events: string[] = [];
  const parts = new StartedParts(STAGES);
  const slow = { name: 'slow', start: () => new Promise((resolve) => setTimeout(resolve, 30)) };
  const [first, second] = await parts.startTogether([
    { ...slow, stop: () => void events.push('stop slow') },
    { name: 'fast', start: () => 'fast', stop: () => void events.push('stop fast') },
  ]);
  assert.equal(first, undefined);
  assert.equal(second, 'fast');
  await parts.stop();
  assert.deepEqual(events, ['stop fast', 'stop slow']);
});

test('a part that fails to start stops every part started before it, then says which part failed', async () => {
  const { events, spec } = recorder();
  const parts = new StartedParts(STAGES);
  await parts.start(spec('datastore'));
  await parts.start(spec('http', 'intake'));
  const refused = new Error('Port 7420 on 127.0.0.1 is already in use');
  const failure = await parts
    .start({ name: 'hub', start: () => Promise.reject(refused), stop: () => events.push('stop hub') })
    .then(
      () => assert.fail('the start should have failed'),
      (error: unknown) => error,
    );
  assert.ok(failure instanceof PartStartError);
  assert.equal(failure.part, 'hub');
  assert.equal(failure.error, refused);
  assert.match(failure.message, /^hub did not start: Port 7420/);
  assert.deepEqual(failure.stopFailures, []);
  // The hub never started, so it is not stopped; the others are, in reverse.
  assert.deepEqual(events, ['start datastore', 'start http', 'stop HTTP', 'stop DATASTORE']);
  // Nothing starts on a program that is being taken apart.
  await assert.rejects(parts.start(spec('late')), /cannot start late: stopping/);
  assert.ok(!events.includes('start late'));
});

test('when one of the parts started together fails, the others are let finish and stopped too', async () => {
  const events: string[] = [];
  const parts = new StartedParts(STAGES);
  await assert.rejects(
    parts.startTogether([
      {
        name: 'hub',
        start: () => new Promise((resolve) => setTimeout(() => resolve('hub'), 20)),
        stop: () => void events.push('stop hub'),
      },
      { name: 'http', start: () => Promise.reject(new Error('port taken')), stop: () => events.push('x') },
      { name: 'status', start: () => 'status', stop: () => void events.push('stop status') },
    ]),
    (error: unknown) => error instanceof PartStartError && error.part === 'http',
  );
  assert.deepEqual(events, ['stop status', 'stop hub']);
});

test('a part that fails to stop does not keep the others running; the failure is reported at the end', async () => {
  const { events, spec } = recorder();
  const parts = new StartedParts(STAGES);
  await parts.start(spec('datastore'));
  await parts.start({
    name: 'hub',
    start: () => 'hub',
    stop: () => Promise.reject(new Error('socket busy')),
  });
  await parts.start({
    name: 'timer',
    start: () => 'timer',
    stop: () => {
      throw new Error('already gone');
    },
  });
  await parts.start(spec('runner'));
  const failure = await parts.stop().then(
    () => assert.fail('the stop should report the failures'),
    (error: unknown) => error,
  );
  assert.ok(failure instanceof PartsStopError);
  assert.deepEqual(
    failure.failures.map((stopFailure) => stopFailure.part),
    ['timer', 'hub'],
  );
  assert.equal(failure.message, 'could not stop timer (already gone), hub (socket busy)');
  assert.deepEqual(events.slice(-2), ['stop RUNNER', 'stop DATASTORE']);
});

test('failures to stop while a failed start is undone travel with the start error', async () => {
  const parts = new StartedParts(STAGES);
  await parts.start({
    name: 'hub',
    start: () => 'hub',
    stop: () => Promise.reject(new Error('socket busy')),
  });
  const failure = await parts
    .start({ name: 'http', start: () => Promise.reject(new Error('port taken')) })
    .catch((error: unknown) => error);
  assert.ok(failure instanceof PartStartError);
  assert.deepEqual(
    failure.stopFailures.map((stopFailure) => stopFailure.part),
    ['hub'],
  );
});

test('stopping twice stops each part once, and the second stop waits for the first', async () => {
  let stops = 0;
  let release = () => {};
  const parts = new StartedParts(STAGES);
  await parts.start({
    name: 'runner',
    start: () => 'runner',
    stop: () =>
      new Promise<void>((resolve) => {
        stops++;
        release = resolve;
      }),
  });
  let secondDone = false;
  const first = parts.stop();
  const second = parts.stop().then(() => {
    secondDone = true;
  });
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(secondDone, false, 'the second stop returned before the part had stopped');
  release();
  await Promise.all([first, second]);
  await parts.stop();
  assert.equal(stops, 1);
});

test('abandon, for a failure outside start(): stops what started and keeps a PartStartError as it is', async () => {
  const { events, spec } = recorder();
  const parts = new StartedParts(STAGES);
  await parts.start(spec('datastore'));
  const broken = new TypeError('bad wiring');
  const failure = await parts.abandon('the agent', broken);
  assert.equal(failure.part, 'the agent');
  assert.equal(failure.error, broken);
  assert.deepEqual(events, ['start datastore', 'stop DATASTORE']);
  assert.equal(await parts.abandon('again', failure), failure);
});

test('each part start is timed, a failed one too (the "ready" log line shows where a start went)', async () => {
  const parts = new StartedParts(STAGES);
  const slow = (ms: number) => () => new Promise((resolve) => setTimeout(resolve, ms));
  await parts.startTogether([
    { name: 'schema', start: slow(40) },
    { name: 'settings', start: () => 'at once' },
  ]);
  await parts.start({ name: 'hub', start: slow(15) });
  await parts
    .start({
      name: 'channel',
      start: async () => {
        await slow(10)();
        throw new Error('refused');
      },
    })
    .catch(() => {});
  assert.deepEqual(Object.keys(parts.startTimes).sort(), ['channel', 'hub', 'schema', 'settings']);
  // Timers fire no earlier than asked (a millisecond of rounding aside).
  assert.ok(parts.startTimes.schema! >= 39, `schema took ${parts.startTimes.schema} ms`);
  assert.ok(parts.startTimes.hub! >= 14, `hub took ${parts.startTimes.hub} ms`);
  assert.ok(parts.startTimes.channel! >= 9, `channel took ${parts.startTimes.channel} ms`);
  assert.ok(parts.startTimes.settings! < parts.startTimes.schema!, 'parts started together are timed each');
});
