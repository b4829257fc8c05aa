// The last-resort handler of `mono start`: an exception nothing caught is logged with secrets redacted, and the
// process stops what it runs before exiting with 1; a stray rejection is logged and the process keeps serving.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { installLastResort } from '../../src-main/cli/last-resort.ts';

function harness(stop: () => Promise<void> = async () => {}) {
  const target = new EventEmitter();
  const lines: string[] = [];
  const exits: number[] = [];
  let stopped = 0;
  const remove = installLastResort(target as unknown as NodeJS.Process, {
    log: (line) => lines.push(line),
    redact: (text) => text.replaceAll('sk-ant-secret-value', '[redacted]'),
    stop: async () => {
      stopped += 1;
      await stop();
    },
    exit: (code) => exits.push(code),
    graceMs: 200,
  });
  return { target, lines, exits, stopped: () => stopped, remove };
}

test('an uncaught exception is logged redacted, MONO is stopped, then the process exits with 1', async () => {
  const h = harness();
  h.target.emit('uncaughtException', new Error('request to key sk-ant-secret-value failed'));
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(h.stopped(), 1);
  assert.deepEqual(h.exits, [1]);
  assert.match(h.lines.join('\n'), /unexpected error, stopping MONO: .*\[redacted\] failed/);
  assert.doesNotMatch(h.lines.join('\n'), /sk-ant-secret-value/);
});

test('a stop that hangs does not keep the process alive past the grace period', async () => {
  const h = harness(() => new Promise(() => {}));
  h.target.emit('uncaughtException', new Error('boom'));
  h.target.emit('uncaughtException', new Error('again'));
  await new Promise((r) => setTimeout(r, 400));
  assert.deepEqual(h.exits, [1]);
  assert.equal(h.stopped(), 1, 'stopped once');
  assert.equal(h.lines.length, 2, 'both logged');
});

test('an unhandled rejection is logged and nothing stops', async () => {
  const h = harness();
  h.target.emit('unhandledRejection', new Error('late sk-ant-secret-value'));
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(h.exits, []);
  assert.match(h.lines[0] ?? '', /keeps running.*late \[redacted\]/);
  h.remove();
  assert.equal(h.target.listenerCount('uncaughtException'), 0);
});
