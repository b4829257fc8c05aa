// `mono fleet deploy`: the same deploy on many hosts, canaries first, bounded parallelism; a failed canary stops it.

import type { Target } from './connect.ts';
import { targetName } from './connect.ts';
import { type DeployOptions, type DeployResult, deploy } from './deploy.ts';
import { asProvisionError, type ErrorSummary } from './errors.ts';
import type { ProgressListener } from './progress.ts';

export interface FleetOptions extends Omit<DeployOptions, 'target' | 'onProgress'> {
  targets: Target[];
  /** Hosts deployed at once (≥ 1). */
  parallel: number;
  /** The first K hosts go first; if any of them fails, no other host is touched. */
  canary: number;
  onProgress?: ProgressListener;
  /** Per-host outcome as soon as it is known. */
  onHostDone?: (outcome: FleetHostOutcome) => void;
}

export type FleetHostOutcome =
  | { host: string; status: 'deployed' | 'unchanged'; result: DeployResult }
  | { host: string; status: 'failed'; error: ErrorSummary }
  | { host: string; status: 'skipped'; reason: string };

export interface FleetResult {
  outcomes: FleetHostOutcome[];
  ok: boolean;
  /** True when a canary failed and the rest of the fleet was left alone. */
  haltedByCanary: boolean;
  durationMs: number;
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

export async function fleetDeploy(o: FleetOptions): Promise<FleetResult> {
  const started = performance.now();
  const { targets, parallel, canary, onHostDone, ...deployOptions } = o;
  const one = async (target: Target): Promise<FleetHostOutcome> => {
    let outcome: FleetHostOutcome;
    if (o.signal?.aborted) {
      outcome = { host: targetName(target), status: 'skipped', reason: 'the rollout was cancelled' };
      onHostDone?.(outcome);
      return outcome;
    }
    try {
      const result = await deploy({ ...deployOptions, target });
      outcome = { host: result.host, status: result.changed ? 'deployed' : 'unchanged', result };
    } catch (error) {
      outcome = {
        host: targetName(target),
        status: 'failed',
        error: asProvisionError(error, 'deploy', targetName(target)).summary(),
      };
    }
    onHostDone?.(outcome);
    return outcome;
  };
  const canaries = targets.slice(0, Math.max(0, canary));
  const rest = targets.slice(canaries.length);
  const first = await mapLimit(canaries, parallel, one);
  const canaryFailed = first.some((r) => r.status === 'failed');
  const second = canaryFailed
    ? rest.map((t): FleetHostOutcome => {
        const skipped: FleetHostOutcome = {
          host: targetName(t),
          status: 'skipped',
          reason: 'a canary failed; rollout stopped',
        };
        onHostDone?.(skipped);
        return skipped;
      })
    : await mapLimit(rest, parallel, one);
  const outcomes = [...first, ...second];
  return {
    outcomes,
    ok: outcomes.every((r) => r.status === 'deployed' || r.status === 'unchanged'),
    haltedByCanary: canaryFailed,
    durationMs: Math.round(performance.now() - started),
  };
}
