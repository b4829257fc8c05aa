// Progress events (what --json prints and the desktop consumes) and bounded fleet parallelism.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProvisionError } from '../../../src-main/provision/errors.ts';
import { mapLimit } from '../../../src-main/provision/fleet.ts';
import { type ProgressEvent, StepReporter } from '../../../src-main/provision/progress.ts';

describe('step reporter', () => {
  it('emits start then ok with timing, and fail with the error summary', async () => {
    const events: ProgressEvent[] = [];
    const r = new StepReporter('root@h', ['connect', 'upload'], (e) => events.push(e));
    assert.equal(
      await r.run(
        'connect',
        'Connecting',
        async (note) => {
          note({ a: 1 });
          return 42;
        },
        (v) => `got ${v}`,
      ),
      42,
    );
    await assert.rejects(
      r.run('upload', 'Uploading', async () => {
        throw new ProvisionError('upload', 'disk full', 'free some space');
      }),
      /upload failed: disk full/,
    );
    r.skip('upload', 'nothing to do');
    assert.deepEqual(
      events.map((e) => [e.step, e.status, e.message, e.index, e.total]),
      [
        ['connect', 'start', 'Connecting', 1, 2],
        ['connect', 'ok', 'got 42', 1, 2],
        ['upload', 'start', 'Uploading', 2, 2],
        ['upload', 'fail', 'disk full', 2, 2],
        ['upload', 'skip', 'nothing to do', 2, 2],
      ],
    );
    assert.deepEqual(events[1]!.detail, { a: 1 });
    assert.equal(typeof events[1]!.elapsed_ms, 'number');
    assert.deepEqual(events[3]!.error, {
      name: 'ProvisionError',
      step: 'upload',
      reason: 'disk full',
      hint: 'free some space',
      host: 'root@h',
    });
  });

  it('an unexpected error becomes a ProvisionError of the step it happened in', async () => {
    const r = new StepReporter('h', ['x']);
    await assert.rejects(
      r.run('x', 'X', async () => {
        throw new TypeError('boom');
      }),
      (e: unknown) => e instanceof ProvisionError && e.step === 'x' && e.reason === 'boom',
    );
  });
});

describe('mapLimit', () => {
  it('never runs more than the limit at once and keeps the input order', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapLimit([5, 1, 4, 2, 3, 0], 3, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, n * 3));
      running--;
      return n * 10;
    });
    assert.deepEqual(out, [50, 10, 40, 20, 30, 0]);
    assert.equal(peak, 3);
  });
});
