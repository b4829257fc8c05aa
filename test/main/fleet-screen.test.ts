// The Fleet screen's main-process half without servers: the host list is refused as `mono fleet deploy` refuses
// a hosts file (with its line), and the rollout's progress events become the states the screen shows — a bake
// with its end, a failure after switching is a rollback, one before it leaves the host as it was.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { methods } from '../../src-main/ipc/contract.ts';
import type { FleetState } from '../../src-main/ipc/fleet-contract.ts';
import type { ProgressEvent } from '../../src-main/provision/index.ts';
import { createFleetTracker } from '../../src-main/services/fleet-tracker.ts';

const check = (hosts: string) => methods['fleet.check'].input.safeParse({ hosts, keyPath: '/k' });
const problem = (hosts: string) => {
  const r = check(hosts);
  return r.success ? undefined : r.error.issues[0]?.message;
};

test('the host list follows the hosts-file rules: each problem named with its line, duplicates and an empty list refused', () => {
  assert.equal(
    problem('# fleet\nroot@203.0.113.7\ndeploy@vps.example.com:2222\n[2001:db8::1]:22\n'),
    undefined,
  );
  assert.match(problem('root@203.0.113.7\nroot@bad host\n') ?? '', /^Line 2: "bad host" is not a host name/);
  assert.match(
    problem('root@203.0.113.7:70000') ?? '',
    /^Line 1: the SSH port must be a number from 1 to 65535/,
  );
  assert.match(problem('1root@203.0.113.7') ?? '', /^Line 1: "1root" is not a valid user name/);
  assert.match(problem('root@a.example\nroot@a.example:22') ?? '', /root@a\.example is listed twice/);
  assert.match(problem('# nothing\n\n') ?? '', /List at least one server/);
  assert.match(
    problem(Array.from({ length: 501 }, (_, i) => `h${i}.example`).join('\n')) ?? '',
    /At most 500/,
  );
  const deploy = methods['fleet.deploy'].input.safeParse({ hosts: 'a.example', keyPath: '/k', parallel: 0 });
  assert.equal(deploy.success, false);
  const defaults = methods['fleet.deploy'].input.parse({ hosts: 'a.example', keyPath: '/k' });
  assert.deepEqual(
    [defaults.parallel, defaults.canary, defaults.bakeS, defaults.maxFailures],
    [4, 1, 60, 0],
    'the CLI’s defaults',
  );
});

const event = (
  host: string,
  step: string,
  status: ProgressEvent['status'],
  extra: Partial<ProgressEvent> = {},
) =>
  ({
    type: 'step',
    host,
    step,
    status,
    message: `${step} ${status}`,
    index: 1,
    total: 15,
    time: '2030-01-01T00:00:00.000Z',
    ...extra,
  }) satisfies ProgressEvent;

test('progress events become each host’s state: deploying, baking until a time, healthy, rolled back, failed, skipped', () => {
  const sent: FleetState[] = [];
  const t = createFleetTracker((s) => sent.push(s), 60_000);
  t.begin(['root@a', 'root@b', 'root@c', 'root@d'], { parallel: 2, canary: 1, bakeS: 20, maxFailures: 1 });
  assert.deepEqual(
    t.state().hosts.map((h) => [h.name, h.canary, h.state]),
    [
      ['root@a', true, 'waiting'],
      ['root@b', false, 'waiting'],
      ['root@c', false, 'waiting'],
      ['root@d', false, 'waiting'],
    ],
  );
  t.event(event('root@a', 'connect', 'start'));
  t.event(
    event('root@a', 'inspect', 'ok', {
      detail: { running: '1.0.0+aaaaaaaaaaaa', release: '2.0.0+bbbbbbbbbbbb' },
    }),
  );
  t.event(event('root@a', 'health', 'start'));
  assert.equal(t.state().hosts[0]!.state, 'deploying', 'waiting for /healthz is not the bake yet');
  t.event(event('root@a', 'health', 'start', { detail: { bake_ms: 20_000 } }));
  const a = t.state().hosts[0]!;
  assert.equal(a.state, 'baking');
  assert.equal(a.bakeEndsAt, '2030-01-01T00:00:20.000Z');
  assert.equal(a.running, '1.0.0+aaaaaaaaaaaa');
  assert.equal(a.target, '2.0.0+bbbbbbbbbbbb');
  // Late events of a host that ended change nothing.
  t.done({
    host: 'root@a',
    status: 'failed',
    canary: true,
    running: '1.0.0+aaaaaaaaaaaa',
    error: {
      name: 'HealthCheckError',
      step: 'health',
      reason: 'release 2.0.0+bbbbbbbbbbbb crashed 5 s after it became healthy\nlog',
      hint: 'Read its log.',
      log_tail: ['boom'],
    },
  });
  t.event(event('root@a', 'unlock', 'ok'));
  const back = t.state().hosts[0]!;
  assert.deepEqual(
    [back.state, back.running, back.bakeEndsAt, back.logTail, back.message],
    [
      'rolled-back',
      '1.0.0+aaaaaaaaaaaa',
      undefined,
      ['boom'],
      'Failed at health: release 2.0.0+bbbbbbbbbbbb crashed 5 s after it became healthy',
    ],
  );
  t.done({
    host: 'root@b',
    status: 'failed',
    canary: false,
    running: 'unchanged',
    error: { name: 'ProvisionError', step: 'upload', reason: 'tar failed', hint: 'Fix tar.' },
  });
  t.done({ host: 'root@c', status: 'skipped', canary: false, reason: 'a canary failed; rollout stopped' });
  assert.deepEqual(
    t
      .state()
      .hosts.slice(1, 3)
      .map((h) => [h.state, h.message]),
    [
      ['failed', 'Failed at upload: tar failed'],
      ['skipped', 'Not touched: a canary failed; rollout stopped'],
    ],
  );
  // Changes are sent at most once per interval (here: not yet), the start and the end at once.
  assert.equal(sent.length, 1);
  t.fail('the release could not be read');
  assert.equal(sent.length, 2);
  assert.deepEqual(
    sent[1]!.hosts.map((h) => h.state),
    ['rolled-back', 'failed', 'skipped', 'skipped'],
  );
  assert.equal(sent[1]!.running, false);
  // The next rollout starts from what this one left: a host it will not reach still shows what it runs.
  t.begin(['root@a', 'root@e'], { parallel: 1, canary: 1, bakeS: 1, maxFailures: 0 });
  assert.deepEqual(
    t.state().hosts.map((h) => [h.state, h.running]),
    [
      ['waiting', '1.0.0+aaaaaaaaaaaa'],
      ['waiting', undefined],
    ],
  );
  t.dispose();
});
