// `mono fleet deploy`: one release to many hosts. Canaries go first and must stay healthy through the bake;
// then the rest, `parallel` at a time, each held to its own gate and bake, until the failure budget is spent.
// The build is read and hashed once and streamed from disk, and Node is fetched once: the controller stays light
// whatever the parallelism.
import type { Target } from './connect.ts';
import { targetName } from './connect.ts';
import { type DeployOptions, type DeployResult, deploy } from './deploy.ts';
import { asProvisionError, type ErrorSummary, HealthCheckError, ProvisionError } from './errors.ts';
import { DEFAULT_NODE_MIRROR, DEFAULT_NODE_VERSION } from './layout.ts';
import { NodeTarballs } from './node-tarball.ts';
import { peakRssMb } from './peak-memory.ts';
import { DEPLOY_STEPS, type ProgressListener } from './progress.ts';
import { ReleaseSource } from './release.ts';

/** Each host of a fleet watches its new release this long after it first answers healthy. */
export const FLEET_BAKE_MS = 60_000;

export interface FleetOptions
  extends Omit<DeployOptions, 'target' | 'onProgress' | 'source' | 'nodeTarballs' | 'nodeVia'> {
  targets: Target[];
  /** Hosts deployed at once (≥ 1). */
  parallel: number;
  /** The first K hosts go first and must pass (through their bake) before any other host is touched. */
  canary: number;
  /** After the canaries: how many hosts may fail before no further host is started (default 0). */
  maxFailures?: number;
  /** controller (default): Node is fetched once here and uploaded; hosts: each fetches it from nodeMirror. */
  nodeVia?: 'hosts' | 'controller';
  onProgress?: ProgressListener;
  /** Per-host outcome as soon as it is known. */
  onHostDone?: (outcome: FleetHostOutcome) => void;
}

export type FleetHostOutcome =
  | { host: string; status: 'deployed' | 'unchanged'; canary: boolean; release: string; result: DeployResult }
  | {
      host: string;
      status: 'failed';
      canary: boolean;
      error: ErrorSummary;
      /** What runs on the host now: a release id, 'unchanged' (failed before switching), or 'nothing'. */
      running: string;
    }
  | { host: string; status: 'skipped'; canary: boolean; reason: string };

export interface FleetResult {
  outcomes: FleetHostOutcome[];
  ok: boolean;
  /** True when a canary failed and the rest of the fleet was left alone. */
  haltedByCanary: boolean;
  /** True when more hosts failed than the budget allows and the rest were left alone. */
  haltedByBudget: boolean;
  /** Which hosts run which release now (from this run's outcomes; untouched hosts are listed apart). */
  releases: Record<string, string[]>;
  untouched: string[];
  /** Node tarballs this machine downloaded during the run (controller mode). */
  nodeDownloads: number;
  durationMs: number;
  /** This process's peak memory and CPU time, as measured at the end of the run. */
  controller: { maxRssMb: number; cpuS: number };
}

/** Runs `work` over items with at most `limit` in flight, keeping the input order in the results. */
export async function mapLimit<T, R>(
  items: T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!, i);
    }
  });
  await Promise.all(lanes);
  return results;
}

/** A counting semaphore: `take` resolves with the function that gives the slot back. */
class Slots {
  private readonly waiting: (() => void)[] = [];
  constructor(private free: number) {}

  async take(): Promise<() => void> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    let given = false;
    return () => {
      if (given) return;
      given = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    };
  }
}

/** Steps a failed deploy may stop at having changed nothing the host runs: every step before the snapshot. */
const BEFORE_SWITCH = new Set<string>(DEPLOY_STEPS.slice(0, DEPLOY_STEPS.indexOf('snapshot')));

function failed(target: Target, canary: boolean, error: unknown): FleetHostOutcome {
  const failure = asProvisionError(error, 'deploy', targetName(target));
  const running =
    failure instanceof HealthCheckError
      ? (failure.rolledBackTo ?? (failure.rollback.kind === 'left' ? 'unchanged' : 'nothing'))
      : failure instanceof ProvisionError && BEFORE_SWITCH.has(failure.step)
        ? 'unchanged'
        : 'unknown';
  return { host: targetName(target), status: 'failed', canary, error: failure.summary(), running };
}

export async function fleetDeploy(fleet: FleetOptions): Promise<FleetResult> {
  const started = performance.now();
  const {
    targets,
    parallel,
    canary,
    maxFailures = 0,
    onHostDone,
    nodeVia = 'controller',
    ...options
  } = fleet;
  const source = new ReleaseSource(fleet.releaseDir);
  const nodeTarballs =
    nodeVia === 'controller'
      ? new NodeTarballs({
          mirror: fleet.nodeMirror ?? DEFAULT_NODE_MIRROR,
          version: fleet.nodeVersion ?? DEFAULT_NODE_VERSION,
          sha256: fleet.nodeSha256,
          ca: fleet.nodeMirrorCa,
        })
      : undefined;
  let failures = 0;
  // A host that answers healthy frees its lane for the next host while it bakes (it is only watched then); at
  // most `parallel` hosts bake at once, so the controller holds at most twice `parallel` connections.
  const bakers = new Slots(parallel);
  const baking: Promise<unknown>[] = [];
  const skip = (target: Target, isCanary: boolean, reason: string): FleetHostOutcome => {
    const outcome: FleetHostOutcome = {
      host: targetName(target),
      status: 'skipped',
      canary: isCanary,
      reason,
    };
    onHostDone?.(outcome);
    return outcome;
  };
  const one =
    (isCanary: boolean, budget: boolean, outcomes: FleetHostOutcome[]) =>
    async (target: Target, index: number): Promise<void> => {
      if (fleet.signal?.aborted) {
        outcomes[index] = skip(target, isCanary, 'the rollout was cancelled');
        return;
      }
      if (budget && failures > maxFailures) {
        outcomes[index] = skip(
          target,
          isCanary,
          `${failures} hosts failed (more than --max-failures ${maxFailures}); rollout stopped`,
        );
        return;
      }
      let freeLane = () => {};
      const bakes = new Promise<void>((resolve) => {
        freeLane = resolve;
      });
      let slot: (() => void) | undefined;
      const full = deploy({
        ...options,
        bakeMs: options.bakeMs ?? FLEET_BAKE_MS,
        target,
        source,
        ...(nodeTarballs && { nodeTarballs }),
        nodeVia,
        // Canaries hold the whole rollout through their bake; other hosts only their own gate.
        ...(!isCanary && { onBake: () => freeLane() }),
      }).then(
        (result): FleetHostOutcome => ({
          host: result.host,
          status: result.changed ? 'deployed' : 'unchanged',
          canary: isCanary,
          release: result.release,
          result,
        }),
        (error): FleetHostOutcome => {
          failures++;
          return failed(target, isCanary, error);
        },
      );
      const recorded = full.then((outcome) => {
        outcomes[index] = outcome;
        onHostDone?.(outcome);
        slot?.();
      });
      if (isCanary) return recorded;
      await Promise.race([bakes, recorded]);
      if (outcomes[index]) return;
      baking.push(recorded);
      slot = await bakers.take();
      // It may have finished while this lane waited for a slot.
      if (outcomes[index]) slot();
    };
  try {
    const canaries = targets.slice(0, Math.max(0, canary));
    const rest = targets.slice(canaries.length);
    const first: FleetHostOutcome[] = [];
    await mapLimit(canaries, parallel, one(true, false, first));
    const haltedByCanary = first.some((r) => r.status === 'failed');
    failures = 0;
    const second: FleetHostOutcome[] = [];
    if (haltedByCanary) second.push(...rest.map((t) => skip(t, false, 'a canary failed; rollout stopped')));
    else {
      await mapLimit(rest, parallel, one(false, true, second));
      await Promise.all(baking);
    }
    const outcomes = [...first, ...second];
    const releases: Record<string, string[]> = {};
    for (const r of outcomes) {
      const running =
        r.status === 'deployed' || r.status === 'unchanged'
          ? r.release
          : r.status === 'failed'
            ? r.running
            : undefined;
      if (running) releases[running] = [...(releases[running] ?? []), r.host];
    }
    const usage = process.resourceUsage();
    return {
      outcomes,
      ok: outcomes.every((r) => r.status === 'deployed' || r.status === 'unchanged'),
      haltedByCanary,
      haltedByBudget:
        !haltedByCanary && outcomes.some((r) => r.status === 'skipped' && !fleet.signal?.aborted),
      releases,
      untouched: outcomes.filter((r) => r.status === 'skipped').map((r) => r.host),
      nodeDownloads: nodeTarballs?.downloads ?? 0,
      durationMs: Math.round(performance.now() - started),
      controller: {
        maxRssMb: peakRssMb(),
        cpuS: Math.round((usage.userCPUTime + usage.systemCPUTime) / 10_000) / 100,
      },
    };
  } finally {
    await source.close();
  }
}
