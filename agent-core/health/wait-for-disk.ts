// Starting on a full disk (systemd restarts the agent while the disk is still full): rather than write and have
// the engine abort the process — a restart loop for as long as the disk stays full — the agent waits for space
// before it starts anything, with a /healthz that says why meanwhile.
import { statfsSync } from 'node:fs';
import { createHttpApp, listen, type RunningServer } from '../http/app.ts';
import type { Logger } from '../log/logger.ts';
import { sleep } from '../util/sleep.ts';
import type { DiskGuard } from './disk-guard.ts';
import { formatBytes } from './disk-thresholds.ts';

/**
 * Resolves once there is room: at once with undefined, or, when it had to wait (the owner then hears that space
 * is back), with the server that answered meanwhile, still listening: the agent serves its routes on it.
 */
export async function waitForDisk(
  disk: DiskGuard,
  http: { host: string; port: number },
  log: Logger,
  version: string,
): Promise<RunningServer | undefined> {
  if (!disk.holding()) return undefined;
  const startedAt = Date.now();
  log.error(
    { free: formatBytes(disk.state.freeBytes) },
    'the disk is full: waiting for space before starting (nothing is written until then)',
  );
  const app = createHttpApp({
    log,
    health: async () => ({
      status: 'degraded',
      reasons: ['disk'],
      version,
      uptime_s: Math.round((Date.now() - startedAt) / 1000),
      db: 'ok',
      channels: {},
    }),
    // Webhooks are refused so that their senders retry later.
    gate: (method) =>
      method === 'POST'
        ? { status: 503, body: 'the disk is full: try again later', headers: { 'retry-after': '30' } }
        : undefined,
  });
  const server = await listen(app, http.host, http.port);
  try {
    await disk.room();
  } catch (error) {
    await server.close();
    throw error;
  }
  log.info('disk space is back: starting');
  return server;
}

/** Free space under which a failed start is blamed on the disk (the engine could not write its own files). */
const NEARLY_FULL_BYTES = 1024 * 1024;

/**
 * After the datastore failed to open: if the disk is (nearly) full, waits until space comes back, so that the
 * restart that follows is not one of a loop of failures every second. Resolves at once when there is space.
 */
export async function waitWhileDiskFull(dir: string, log: Logger, checkMs = 5000): Promise<void> {
  const free = () => {
    try {
      const s = statfsSync(dir);
      return s.bavail * s.bsize;
    } catch {
      return Number.POSITIVE_INFINITY;
    }
  };
  if (free() >= NEARLY_FULL_BYTES) return;
  log.error({ free: formatBytes(free()) }, 'the disk is full: waiting for space before starting again');
  while (free() < NEARLY_FULL_BYTES) await sleep(checkMs);
}
