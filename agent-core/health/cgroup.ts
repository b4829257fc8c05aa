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

/** Where the agent's own group is: its directory and whether it is a v2 (unified) group. */
export interface CgroupPlace {
  dir: string;
  v2: boolean;
}

/** Finds the agent's own group (`root` and `procSelfCgroup` only for tests); undefined where there is none. */
export function findCgroup(
  root = '/sys/fs/cgroup',
  procSelfCgroup = '/proc/self/cgroup',
): CgroupPlace | undefined {
  let lines: string[];
  try {
    lines = readFileSync(procSelfCgroup, 'utf8').trim().split('\n');
  } catch {
    return undefined;
  }
  const v1 = lines
    .map((line) => line.split(':'))
    .find(([, controllers]) => controllers?.split(',').includes('memory'));
  if (v1?.[2] !== undefined) return { dir: join(root, 'memory', v1[2]), v2: false };
  const v2 = lines.find((line) => line.startsWith('0::'))?.slice(3);
  if (v2 === undefined) return undefined;
  for (const base of [root, join(root, 'unified')]) {
    const dir = join(base, v2);
    if (read(dir, 'memory.events') !== undefined || read(dir, 'memory.max') !== undefined)
      return { dir, v2: true };
  }
  return undefined;
}

/** The limit, peak and OOM kills of the agent's group. */
export function readCgroupMemory(place: CgroupPlace | undefined): CgroupMemory {
  if (!place) return {};
  const { dir } = place;
  return place.v2
    ? clean({
        limitBytes: limit(read(dir, 'memory.max')),
        peakBytes: number(read(dir, 'memory.peak')),
        oomKills: field(read(dir, 'memory.events'), 'oom_kill'),
      })
    : clean({
        limitBytes: limit(read(dir, 'memory.limit_in_bytes')),
        peakBytes: number(read(dir, 'memory.max_usage_in_bytes')),
        oomKills: field(read(dir, 'memory.oom_control'), 'oom_kill'),
      });
}

/**
 * The group's memory that cannot be reclaimed (anonymous memory: what the OOM killer counts once the page cache
 * is gone); undefined where the group shows none.
 */
export function cgroupAnonBytes(place: CgroupPlace): number | undefined {
  return field(read(place.dir, 'memory.stat'), place.v2 ? 'anon' : 'rss');
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
