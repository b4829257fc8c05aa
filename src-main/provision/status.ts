// `mono status`: version, uptime, health, memory and channels of the agent on a VPS.
import { statusCommand } from './commands/status.ts';
import { connectStep, type Target, targetName } from './connect.ts';
import { type Health, probeHealth } from './health.ts';
import { DEFAULT_HTTP_PORT } from './layout.ts';
import { type ProgressListener, STATUS_STEPS, StepReporter } from './progress.ts';
import { versionOf } from './release.ts';

export interface StatusReport {
  host: string;
  installed: boolean;
  /** The version running (what /healthz reports, else the current release's). */
  version?: string;
  /** The release `current` points at: version+content hash. */
  release?: string;
  /** systemd's view: active, activating, failed, inactive… */
  service: string;
  since?: string;
  restarts: number;
  /** The agent process's resident memory (RSS). */
  memoryBytes?: number;
  /** systemd's MemoryCurrent for the service (includes the page cache of its datastore files). */
  cgroupMemoryBytes?: number;
  uptimeS?: number;
  healthy: boolean;
  health?: Health;
  healthProblem?: string;
  channels?: Record<string, string>;
}

export async function status(options: {
  target: Target;
  httpPort?: number;
  onProgress?: ProgressListener;
}): Promise<StatusReport> {
  const reporter = new StepReporter(targetName(options.target), STATUS_STEPS, options.onProgress);
  const session = await connectStep(options.target, reporter);
  try {
    return await reporter.run(
      'status',
      'Reading the agent state',
      async () => {
        const { facts } = await session.run(statusCommand());
        const installed = facts.LoadState === 'loaded' || Boolean(facts.current);
        const probe =
          facts.ActiveState === 'active'
            ? await probeHealth(session, options.httpPort ?? DEFAULT_HTTP_PORT)
            : { problem: 'not running' };
        const memory = Number(facts.MemoryCurrent);
        const report: StatusReport = {
          host: reporter.host,
          installed,
          version: probe.health?.version ?? (facts.current ? versionOf(facts.current) : undefined),
          release: facts.current || undefined,
          service: `${facts.ActiveState ?? 'unknown'}${facts.SubState ? ` (${facts.SubState})` : ''}`,
          since: facts.ActiveEnterTimestamp || undefined,
          restarts: Number(facts.NRestarts ?? 0),
          memoryBytes: Number(facts.rss_kb) > 0 ? Number(facts.rss_kb) * 1024 : undefined,
          cgroupMemoryBytes: Number.isFinite(memory) && memory > 0 ? memory : undefined,
          uptimeS: probe.health?.uptime_s,
          healthy: !probe.problem && probe.health?.status === 'ok',
          health: probe.health,
          healthProblem: probe.problem,
          channels: probe.health?.channels,
        };
        return report;
      },
      (r) =>
        r.installed
          ? `${r.release ?? '?'}: ${r.service}, ${r.healthy ? 'healthy' : `unhealthy (${r.healthProblem})`}`
          : 'MONO is not installed',
    );
  } finally {
    session.close();
  }
}
