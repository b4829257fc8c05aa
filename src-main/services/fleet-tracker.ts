// What the Fleet screen shows of a rollout, built from the rollout's own progress events and per-host outcomes:
// each host's state (waiting, deploying, baking with its end, healthy, failed, rolled back, skipped), the release
// it runs, and the summary. Changes are sent at most every `intervalMs`, so a large fleet cannot flood the window.
import type { FleetHostView, FleetState, FleetSummary } from '../ipc/fleet-contract.ts';
import type { FleetHostOutcome, FleetResult, ProgressEvent } from '../provision/index.ts';

const LOG_LINES = 40;

export function createFleetTracker(emit: (state: FleetState) => void, intervalMs = 150) {
  let state: FleetState = { running: false, hosts: [] };
  let timer: NodeJS.Timeout | undefined;
  const send = () => {
    timer = undefined;
    emit(state);
  };
  const changed = (now = false) => {
    if (now) {
      clearTimeout(timer);
      send();
    } else timer ??= setTimeout(send, intervalMs);
  };
  const update = (name: string, change: (host: FleetHostView) => FleetHostView) => {
    const hosts = state.hosts.map((h) => (h.name === name ? change(h) : h));
    state = { ...state, hosts };
    changed();
  };

  return {
    state: () => state,

    begin(names: string[], settings: NonNullable<FleetState['settings']>): void {
      // What each host ran at the end of the last rollout: a host this one does not reach still runs it.
      const before = new Map(state.hosts.map((h) => [h.name, h.running]));
      state = {
        running: true,
        settings,
        startedAt: new Date().toISOString(),
        hosts: names.map((name, i) => ({
          name,
          canary: i < settings.canary,
          state: 'waiting',
          message: i < settings.canary ? 'Goes first' : 'Waits for the canary',
          ...(before.get(name) && { running: before.get(name) }),
          log: [],
        })),
      };
      changed(true);
    },

    event(e: ProgressEvent): void {
      update(e.host, (h) => {
        if (!['waiting', 'deploying', 'baking'].includes(h.state)) return h;
        const line = `${e.step} ${e.status}: ${e.message.split('\n')[0]}`;
        const next: FleetHostView = {
          ...h,
          state: h.state === 'waiting' ? 'deploying' : h.state,
          message: e.message.split('\n')[0] ?? '',
          step: { index: e.index, total: e.total },
          log: [...h.log, line].slice(-LOG_LINES),
        };
        const detail = e.detail ?? {};
        if (e.step === 'inspect' && e.status === 'ok') {
          next.running = typeof detail.running === 'string' ? detail.running : 'nothing';
          if (typeof detail.release === 'string') next.target = detail.release;
        }
        if (e.step === 'health' && e.status === 'start' && typeof detail.bake_ms === 'number') {
          next.state = 'baking';
          next.bakeEndsAt = new Date(Date.parse(e.time) + detail.bake_ms).toISOString();
        }
        if (e.step === 'health' && e.status !== 'start') {
          next.state = 'deploying';
          delete next.bakeEndsAt;
        }
        return next;
      });
    },

    done(o: FleetHostOutcome): void {
      update(o.host, (h) => outcomeView(h, o));
    },

    finish(r: FleetResult, cancelled: boolean): void {
      const count = (s: string) => r.outcomes.filter((o) => o.status === s).length;
      const summary: FleetSummary = {
        ok: r.ok,
        haltedByCanary: r.haltedByCanary,
        haltedByBudget: r.haltedByBudget,
        cancelled,
        releases: r.releases,
        untouched: r.untouched,
        counts: {
          deployed: count('deployed'),
          unchanged: count('unchanged'),
          failed: count('failed'),
          skipped: count('skipped'),
        },
        durationMs: r.durationMs,
      };
      state = { ...state, running: false, finishedAt: new Date().toISOString(), summary };
      changed(true);
    },

    /** The run ended without its result (the release could not be read…): hosts not finished say so. */
    fail(message: string): void {
      const hosts = state.hosts.map((h) =>
        ['waiting', 'deploying', 'baking'].includes(h.state)
          ? {
              ...h,
              state: 'skipped' as const,
              message: 'Not finished: the rollout stopped',
              bakeEndsAt: undefined,
            }
          : h,
      );
      state = { ...state, running: false, finishedAt: new Date().toISOString(), hosts, error: message };
      changed(true);
    },

    dispose(): void {
      clearTimeout(timer);
    },
  };
}

/** A host once its outcome is known: what it runs now and, for a failure, why and what to do. */
function outcomeView(h: FleetHostView, o: FleetHostOutcome): FleetHostView {
  const { bakeEndsAt: _, ...base } = h;
  if (o.status === 'skipped') return { ...base, state: 'skipped', message: `Not touched: ${o.reason}` };
  if (o.status !== 'failed')
    return {
      ...base,
      state: 'healthy',
      running: o.release,
      message:
        o.status === 'deployed'
          ? `Healthy, and stayed so through the bake (${seconds(o.result.durationMs)} in all)`
          : 'Already ran this release, healthy: nothing to do',
    };
  const reason = o.error.reason.split('\n')[0] ?? o.error.reason;
  // A release id: its new release failed and this one runs again. Otherwise it never switched, or has nothing.
  const back = !['unchanged', 'nothing', 'unknown'].includes(o.running);
  return {
    ...base,
    state: back ? 'rolled-back' : 'failed',
    running: back || o.running === 'nothing' ? o.running : o.running === 'unknown' ? undefined : h.running,
    message: `Failed at ${o.error.step}: ${reason}`,
    hint: o.error.hint,
    ...(o.error.log_tail?.length && { logTail: o.error.log_tail }),
  };
}

export type FleetTracker = ReturnType<typeof createFleetTracker>;

function seconds(ms: number): string {
  return ms < 60_000
    ? `${Math.round(ms / 1000)} s`
    : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}
