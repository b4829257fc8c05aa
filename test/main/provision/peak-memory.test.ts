// The controller's peak memory is its own: a `mono` started by a parent that holds a lot of memory (the bench, a
// test runner, the desktop) must not report the parent's peak, as getrusage's maxrss does after execve.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';

test('a child started by a parent holding 300 MB reports its own peak, not the parent’s', () => {
  const held = Buffer.alloc(300 * 1024 * 1024, 1);
  const script = `
    const { peakRssMb } = await import(${JSON.stringify(new URL('../../../src-main/provision/peak-memory.ts', import.meta.url).href)});
    console.log(JSON.stringify({ own: peakRssMb(), rusage: Math.round(process.resourceUsage().maxRSS / 1024) }));`;
  const { NODE_EXTRA_CA_CERTS: _, ...env } = process.env;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    env,
  });
  const { own, rusage } = JSON.parse(String(out)) as { own: number; rusage: number };
  assert.ok(held.length > 0);
  assert.ok(rusage >= 300, `getrusage carries the parent's peak over (${rusage} MB): the trap this avoids`);
  assert.ok(own < 200, `the child's own peak is ${own} MB`);
});
