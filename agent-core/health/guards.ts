// The agent's guards against the faults of a small VPS, made in one place from the configuration: the disk, memory,
// the services it calls and how the last run ended. agent-app.ts hands each to the part that needs it.
import { join } from 'node:path';
import { InboundRefusedError } from '../channels/channel.ts';
import type { AgentConfig } from '../config/config.ts';
import type { Gate } from '../http/router.ts';
import type { Logger } from '../log/logger.ts';
import { readCgroupMemory } from './cgroup.ts';
import { DiskGuard } from './disk-guard.ts';
import { type LastExit, readLastExit } from './last-exit.ts';
import { MemoryGuard } from './memory-guard.ts';
import { Upstreams } from './upstreams.ts';

/** How long a refused webhook sender is asked to wait (HTTP Retry-After). */
const REFUSED_RETRY_S = 30;
/** How long the polling loop pauses before asking again (a look costs one getUpdates). */
const POLL_PAUSE_MS = 5000;

export interface FaultGuards {
  disk: DiskGuard;
  memory: MemoryGuard;
  upstreams: Upstreams;
  lastExit: LastExit;
  /** For the HTTP app: every POST (a webhook: new inbound) gets 503 while the disk is nearly full. */
  httpGate: Gate;
  /** Throws InboundRefusedError while new inbound may not be stored (called before storing each message). */
  admitInbound(): void;
}

export async function startFaultGuards(
  config: Pick<AgentConfig, 'dataDir' | 'dbUrl' | 'faults'>,
  log: Logger,
): Promise<FaultGuards> {
  const cgroup = readCgroupMemory();
  const disk = new DiskGuard({
    dir: config.dataDir,
    ...(config.dbUrl ? {} : { engineLogDir: join(config.dataDir, 'db', 'wal') }),
    log: log.child({ part: 'disk' }),
    checkMs: config.faults.diskCheckMs,
    ...(config.faults.diskReserveBytes ? { reserveBytes: config.faults.diskReserveBytes } : {}),
  });
  await disk.start();
  const refused = () => new InboundRefusedError('disk', POLL_PAUSE_MS);
  return {
    disk,
    memory: new MemoryGuard({ limitBytes: cgroup.limitBytes ?? config.faults.memoryLimitBytes }),
    upstreams: new Upstreams({ baseMs: 1000, capMs: config.faults.retryCapMs }),
    lastExit: readLastExit(config.dataDir, cgroup),
    httpGate: (method) =>
      method === 'POST' && !disk.accepting()
        ? {
            status: 503,
            body: refused().message,
            headers: { 'retry-after': String(REFUSED_RETRY_S) },
          }
        : undefined,
    admitInbound: () => {
      if (!disk.accepting()) throw refused();
    },
  };
}
