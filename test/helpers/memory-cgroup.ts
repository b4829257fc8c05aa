// A memory-limited control group for fault tests: made under the test's own group (cgroup v1's memory controller,
// or v2 where the group is delegated), a process moved into it, the kernel's OOM-kill count read back. Needs root.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export class MemoryCgroup {
  private constructor(
    readonly dir: string,
    private readonly v2: boolean,
  ) {}

  /** Makes the group with `limitBytes`; throws with what is missing when this machine cannot. */
  static create(limitBytes: number): MemoryCgroup {
    const lines = readFileSync('/proc/self/cgroup', 'utf8').trim().split('\n');
    const v1 = lines.map((l) => l.split(':')).find(([, c]) => c?.split(',').includes('memory'));
    const name = `mono-faults-${process.pid}-${Date.now()}`;
    try {
      if (v1?.[2] !== undefined) {
        const dir = join('/sys/fs/cgroup/memory', v1[2], name);
        mkdirSync(dir);
        writeFileSync(join(dir, 'memory.limit_in_bytes'), String(limitBytes));
        if (existsSync(join(dir, 'memory.memsw.limit_in_bytes')))
          writeFileSync(join(dir, 'memory.memsw.limit_in_bytes'), String(limitBytes));
        return new MemoryCgroup(dir, false);
      }
      const own = lines.find((l) => l.startsWith('0::'))!.slice(3);
      const dir = join('/sys/fs/cgroup', own, name);
      mkdirSync(dir);
      writeFileSync(join(dir, 'memory.max'), String(limitBytes));
      writeFileSync(join(dir, 'memory.swap.max'), '0');
      return new MemoryCgroup(dir, true);
    } catch (error) {
      throw new Error(`cannot make a memory-limited cgroup here (run as root): ${(error as Error).message}`);
    }
  }

  add(pid: number): void {
    writeFileSync(join(this.dir, 'cgroup.procs'), String(pid));
  }

  /** Memory the group uses now. */
  get usageBytes(): number {
    return Number(readFileSync(join(this.dir, this.v2 ? 'memory.current' : 'memory.usage_in_bytes'), 'utf8'));
  }

  /** Processes the kernel killed in this group for memory. */
  get oomKills(): number {
    const text = readFileSync(join(this.dir, this.v2 ? 'memory.events' : 'memory.oom_control'), 'utf8');
    return Number(/^oom_kill (\d+)$/m.exec(text)?.[1] ?? 0);
  }

  /** Removes the group (its processes must have ended). */
  remove(): void {
    try {
      rmdirSync(this.dir);
    } catch {}
  }
}

/**
 * Another process of the same unit taking `bytes` of its memory. `victim` (the agent) is made the OOM killer's
 * first choice (oom_score_adj 1000, which needs no privilege), so when the group goes over its limit the kernel
 * kills the agent, as it would the largest process of a unit.
 */
export function memoryHog(group: MemoryCgroup, bytes: number, victim: number): ChildProcess {
  writeFileSync(`/proc/${victim}/oom_score_adj`, '1000');
  const hog = spawn(
    process.execPath,
    [
      '-e',
      `process.stdin.once('data', (d) => { const n = Number(String(d)); const keep = [];
         for (let i = 0; i < n; i += 4 << 20) keep.push(Buffer.alloc(Math.min(4 << 20, n - i), 1));
         globalThis.keep = keep; setInterval(() => {}, 1 << 30); });`,
    ],
    { stdio: ['pipe', 'ignore', 'inherit'] },
  );
  group.add(hog.pid!);
  hog.stdin!.write(`${bytes}\n`);
  return hog;
}

/**
 * A script to run instead of the agent's bundle: it moves its own process into the group, then loads the
 * bundle, so the agent starts inside the limit as it does under systemd (env MONO_TEST_CGROUP, MONO_TEST_BUNDLE).
 */
export const ENTER_CGROUP_SCRIPT = `import { writeFileSync } from 'node:fs';
writeFileSync(process.env.MONO_TEST_CGROUP + '/cgroup.procs', String(process.pid));
await import(process.env.MONO_TEST_BUNDLE);
`;
