// How the previous run ended, found at start: killed by the kernel for memory (the figure: the limit it hit and
// its peak), or otherwise ended by systemd. Two sources, either may be missing: the record systemd's ExecStopPost=
// leaves in the data directory (SERVICE_RESULT=oom-kill…), and the kernel's OOM-kill counter of the agent's own
// control group compared with the count the previous run saw.
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CgroupMemory, findCgroup, readCgroupMemory } from './cgroup.ts';

/** What ExecStopPost writes: KEY=value lines (see src-main/provision/commands/exit-record.ts). */
export const EXIT_RECORD_FILE = 'last-exit';
/** The OOM-kill count this run saw at start, for the next one to compare with. */
const COUNT_FILE = 'oom-kills.json';

export interface MemoryKill {
  /** ISO time: when systemd recorded it, else when the restart noticed it. */
  at: string;
  limit_bytes?: number;
  peak_bytes?: number;
}

export interface LastExit {
  /** systemd's SERVICE_RESULT ('oom-kill', 'signal', 'exit-code', 'success'…), when it left a record. */
  result?: string;
  /** e.g. "killed by SIGKILL", "exit code 1". */
  detail?: string;
  /** ISO time systemd recorded it. */
  at?: string;
  memoryKill?: MemoryKill;
}

export function readLastExit(
  dataDir: string,
  memory: CgroupMemory = readCgroupMemory(findCgroup()),
  now: Date = new Date(),
): LastExit {
  const record = consumeRecord(join(dataDir, EXIT_RECORD_FILE));
  const counted = countedKills(join(dataDir, COUNT_FILE), memory.oomKills);
  const result = record?.SERVICE_RESULT;
  const killedForMemory = result === 'oom-kill' || counted;
  const at = record?.AT && /^\d+$/.test(record.AT) ? new Date(Number(record.AT) * 1000) : now;
  const limit = numberOf(record?.MEMORY_MAX) ?? memory.limitBytes;
  const peak = numberOf(record?.MEMORY_PEAK) ?? memory.peakBytes;
  return {
    ...(result ? { result } : {}),
    ...(record?.EXIT_CODE ? { detail: describeExit(record.EXIT_CODE, record.EXIT_STATUS) } : {}),
    ...(record ? { at: at.toISOString() } : {}),
    ...(killedForMemory
      ? {
          memoryKill: {
            at: at.toISOString(),
            ...(limit !== undefined ? { limit_bytes: limit } : {}),
            ...(peak !== undefined ? { peak_bytes: peak } : {}),
          },
        }
      : {}),
  };
}

/** Reads and removes systemd's record, so one exit is reported once. */
function consumeRecord(file: string): Record<string, string> | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
    rmSync(file, { force: true });
  } catch {
    return undefined;
  }
  const record: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (match) record[match[1]!] = match[2]!;
  }
  return record;
}

/** True when the kernel killed something in this group since the last start; remembers the count for the next. */
function countedKills(file: string, current: number | undefined): boolean {
  if (current === undefined) return false;
  let previous: number | undefined;
  try {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { oom_kills?: unknown };
    if (typeof saved.oom_kills === 'number') previous = saved.oom_kills;
  } catch {}
  if (previous !== current) {
    try {
      writeFileSync(`${file}.tmp`, JSON.stringify({ oom_kills: current }), { mode: 0o600 });
      renameSync(`${file}.tmp`, file);
    } catch {}
  }
  // First start in this group (no count yet): kills before MONO ran are not its own.
  return previous !== undefined && current > previous;
}

function numberOf(text: string | undefined): number | undefined {
  return text && /^\d+$/.test(text) ? Number(text) : undefined;
}

function describeExit(code: string, status: string | undefined): string {
  if (code === 'killed' || code === 'dumped') return `killed by SIG${status ?? '?'}`;
  if (code === 'exited') return `exit code ${status ?? '?'}`;
  return code;
}
