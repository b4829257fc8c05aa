// The memory figures of the control group the agent runs in (its systemd unit's, or a container's): the limit,
// the peak and how many times the kernel killed a process in it for memory. cgroup v2 and v1 alike; everything is
// optional, since a laptop or a container may show none of it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CgroupMemory {
  /** The hard limit (MemoryMax=), when there is one. */
  limitBytes?: number;
  /** The most the group ever used (kernel ≥ 5.19 on v2; always on v1). */
  peakBytes?: number;
  /** Processes the kernel's OOM killer ended in this group, since the group was made. */
  oomKills?: number;
}

/** Reads the agent's own group (`root` and `procSelfCgroup` only for tests). */
export function readCgroupMemory(
  root = '/sys/fs/cgroup',
  procSelfCgroup = '/proc/self/cgroup',
): CgroupMemory {
  let lines: string[];
  try {
    lines = readFileSync(procSelfCgroup, 'utf8').trim().split('\n');
  } catch {
    return {};
  }
  const v1 = lines
    .map((line) => line.split(':'))
    .find(([, controllers]) => controllers?.split(',').includes('memory'));
  if (v1?.[2] !== undefined) {
    const dir = join(root, 'memory', v1[2]);
    return clean({
      limitBytes: limit(read(dir, 'memory.limit_in_bytes')),
      peakBytes: number(read(dir, 'memory.max_usage_in_bytes')),
      oomKills: field(read(dir, 'memory.oom_control'), 'oom_kill'),
    });
  }
  const v2 = lines.find((line) => line.startsWith('0::'))?.slice(3);
  if (v2 === undefined) return {};
  for (const base of [root, join(root, 'unified')]) {
    const dir = join(base, v2);
    const events = read(dir, 'memory.events');
    if (events === undefined && read(dir, 'memory.max') === undefined) continue;
    return clean({
      limitBytes: limit(read(dir, 'memory.max')),
      peakBytes: number(read(dir, 'memory.peak')),
      oomKills: field(events, 'oom_kill'),
    });
  }
  return {};
}

function read(dir: string, file: string): string | undefined {
  try {
    return readFileSync(join(dir, file), 'utf8').trim();
  } catch {
    return undefined;
  }
}

function number(text: string | undefined): number | undefined {
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined;
}

/** "max" (v2) and v1's huge "no limit" value both mean no limit. */
function limit(text: string | undefined): number | undefined {
  const value = number(text);
  return value !== undefined && value < 2 ** 60 ? value : undefined;
}

function field(text: string | undefined, name: string): number | undefined {
  const match = text?.match(new RegExp(`^${name} (\\d+)$`, 'm'));
  return match ? Number(match[1]) : undefined;
}

function clean(memory: CgroupMemory): CgroupMemory {
  return Object.fromEntries(Object.entries(memory).filter(([, value]) => value !== undefined));
}
