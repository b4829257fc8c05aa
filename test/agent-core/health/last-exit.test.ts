// How the last run ended, read at start: the kernel's OOM-kill counter of the agent's control group (v1 and v2
// layouts) against the count the previous run saw, and the record systemd's ExecStopPost leaves.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { findCgroup, readCgroupMemory } from '../../../agent-core/health/cgroup.ts';
import { EXIT_RECORD_FILE, readLastExit } from '../../../agent-core/health/last-exit.ts';

const root = mkdtempSync(join(tmpdir(), 'mono-cgroup-'));
after(() => rmSync(root, { recursive: true, force: true }));

function tree(name: string, procSelf: string, files: Record<string, string>) {
  const base = join(root, name);
  mkdirSync(base, { recursive: true });
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(base, 'sys', path, '..'), { recursive: true });
    writeFileSync(join(base, 'sys', path), text);
  }
  writeFileSync(join(base, 'self-cgroup'), procSelf);
  const data = join(base, 'data');
  mkdirSync(data, { recursive: true });
  return { sys: join(base, 'sys'), self: join(base, 'self-cgroup'), data };
}

test('cgroup v2: limit, peak and OOM kills of the unit; a kill since the last start is reported once', () => {
  const unit = 'system.slice/mono-agent.service';
  const t = tree('v2', `0::/${unit}\n`, {
    [`${unit}/memory.max`]: '536870912\n',
    [`${unit}/memory.peak`]: '536000000\n',
    [`${unit}/memory.events`]: 'low 0\nhigh 12\nmax 40\noom 1\noom_kill 1\n',
  });
  assert.deepEqual(readCgroupMemory(findCgroup(t.sys, t.self)), {
    limitBytes: 536870912,
    peakBytes: 536000000,
    oomKills: 1,
  });
  const now = new Date('2026-03-02T10:00:00Z');
  assert.deepEqual(
    readLastExit(t.data, readCgroupMemory(findCgroup(t.sys, t.self)), now),
    {},
    'kills before the first start are not ours',
  );
  writeFileSync(join(t.sys, unit, 'memory.events'), 'oom 2\noom_kill 2\n');
  assert.deepEqual(readLastExit(t.data, readCgroupMemory(findCgroup(t.sys, t.self)), now), {
    memoryKill: { at: now.toISOString(), limit_bytes: 536870912, peak_bytes: 536000000 },
  });
  assert.deepEqual(readLastExit(t.data, readCgroupMemory(findCgroup(t.sys, t.self)), now), {}, 'told once');
});

test('cgroup v1 (a container or an older host): the memory controller’s files; no limit reads as none', () => {
  const t = tree('v1', '9:name=systemd:/x\n4:memory:/mono\n0::/\n', {
    'memory/mono/memory.limit_in_bytes': '9223372036854771712\n',
    'memory/mono/memory.max_usage_in_bytes': '123456789\n',
    'memory/mono/memory.oom_control': 'oom_kill_disable 0\nunder_oom 0\noom_kill 3\n',
  });
  assert.deepEqual(readCgroupMemory(findCgroup(t.sys, t.self)), { peakBytes: 123456789, oomKills: 3 });
  assert.deepEqual(readCgroupMemory(findCgroup(join(root, 'nowhere'), join(root, 'nowhere', 'cgroup'))), {});
});

test('systemd’s record of an OOM kill wins for the figures and is consumed', () => {
  const t = tree('record', '0::/\n', {});
  writeFileSync(
    join(t.data, EXIT_RECORD_FILE),
    'SERVICE_RESULT=oom-kill\nEXIT_CODE=killed\nEXIT_STATUS=KILL\nAT=1772445600\nMEMORY_MAX=268435456\nMEMORY_PEAK=268400000\n',
  );
  assert.deepEqual(readLastExit(t.data, {}), {
    result: 'oom-kill',
    detail: 'killed by SIGKILL',
    at: new Date(1772445600 * 1000).toISOString(),
    memoryKill: {
      at: new Date(1772445600 * 1000).toISOString(),
      limit_bytes: 268435456,
      peak_bytes: 268400000,
    },
  });
  assert.equal(existsSync(join(t.data, EXIT_RECORD_FILE)), false);
  writeFileSync(
    join(t.data, EXIT_RECORD_FILE),
    'SERVICE_RESULT=exit-code\nEXIT_CODE=exited\nEXIT_STATUS=1\n',
  );
  const now = new Date('2026-03-02T10:00:00Z');
  assert.deepEqual(readLastExit(t.data, {}, now), {
    result: 'exit-code',
    detail: 'exit code 1',
    at: now.toISOString(),
  });
});
