// The agent's guards against the faults of a small VPS, made in one place from the configuration: the disk, memory,
// the services it calls and how the last run ended. agent-app.ts hands each to the part that needs it.
import { join } from 'node:path';
import { InboundRefusedError } from '../channels/channel.ts';
import type { AgentConfig } from '../config/config.ts';
import type { Gate } from '../http/router.ts';
import type { Logger } from '../log/logger.ts';
import { FairSlots } from '../util/fair-slots.ts';
import { cgroupAnonBytes, findCgroup, readCgroupMemory } from './cgroup.ts';
import { DiskGuard } from './disk-guard.ts';
import { type LastExit, readLastExit } from './last-exit.ts';
import { MemoryGuard } from './memory-guard.ts';
import { Upstreams } from './upstreams.ts';

/** How long a refused webhook sender is asked to wait (HTTP Retry-After). */
const REFUSED_RETRY_S = 30;
/** How long the polling loop pauses before asking again (a look costs one getUpdates). */
const POLL_PAUSE_MS = 5000;
/** While memory is short: how many taken messages may wait for their turn, and how often to look again. */
const PENDING_UNDER_PRESSURE = 20;
const MEMORY_PAUSE_MS = 500;
/** Calls to Claude in flight at most while memory is short. */
const CLAUDE_CALLS_UNDER_PRESSURE = 2;

export interface FaultGuards {
  disk: DiskGuard;
  memory: MemoryGuard;
  upstreams: Upstreams;
  /** Calls to Claude in flight, shared fairly between conversations; fewer while memory is short. */
  claudeSlots: FairSlots;
  lastExit: LastExit;
  /** For the HTTP app: every POST (a webhook: new inbound) gets 503 while the disk is nearly full or memory short. */
  httpGate: Gate;
  /** Throws InboundRefusedError while new inbound may not be stored (called before storing each message). */
  admitInbound(): void;
  /** Messages taken and not answered yet (the turn runner's count), for the disk reserve and memory backpressure. */
  countPending(count: () => number): void;
  stop(): void;
}

export async function startFaultGuards(
  config: Pick<AgentConfig, 'dataDir' | 'dbUrl' | 'faults'>,
  log: Logger,
): Promise<FaultGuards> {
  const place = findCgroup();
  const cgroup = readCgroupMemory(place);
  const disk = new DiskGuard({
    dir: config.dataDir,
    ...(config.dbUrl ? {} : { engineLogDir: join(config.dataDir, 'db', 'wal') }),
    log: log.child({ part: 'disk' }),
    checkMs: config.faults.diskCheckMs,
    ...(config.faults.diskReserveBytes ? { reserveBytes: config.faults.diskReserveBytes } : {}),
  });
  await disk.start();
  const memory = new MemoryGuard({
    limitBytes: cgroup.limitBytes ?? config.faults.memoryLimitBytes,
    // Under a group limit, the group's own count (what the OOM killer judges); else the process's.
    ...(place && cgroup.limitBytes
      ? { usage: () => cgroupAnonBytes(place) ?? process.memoryUsage.rss() }
      : {}),
  });
  let pending = () => 0;
  /**
   * Why new inbound is refused right now, if it is. While memory is short a few messages at a time are still
   * taken, so the backlog keeps moving even when the memory in use does not go down again (V8 and the engine
   * keep what they took).
   */
  const refusal = () =>
    !disk.accepting()
      ? new InboundRefusedError('disk', POLL_PAUSE_MS)
      : pending() >= PENDING_UNDER_PRESSURE && memory.pressed()
        ? new InboundRefusedError('memory', MEMORY_PAUSE_MS)
        : undefined;
  return {
    disk,
    memory,
    upstreams: new Upstreams({ baseMs: 1000, capMs: config.faults.retryCapMs }),
    claudeSlots: new FairSlots({
      limit: () =>
        memory.pressed()
          ? Math.min(CLAUDE_CALLS_UNDER_PRESSURE, config.faults.claudeConcurrency)
          : config.faults.claudeConcurrency,
      recheckMs: 250,
    }),
    lastExit: readLastExit(config.dataDir, cgroup),
    httpGate: (method) => {
      const refused = method === 'POST' ? refusal() : undefined;
      return refused
        ? { status: 503, body: refused.message, headers: { 'retry-after': String(REFUSED_RETRY_S) } }
        : undefined;
    },
    admitInbound: () => {
      const refused = refusal();
      if (refused) throw refused;
    },
    countPending: (count) => {
      pending = count;
      disk.countPending(count);
    },
    stop: () => {
      disk.stop();
    },
  };
}
