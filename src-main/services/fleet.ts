// The desktop's fleet rollout: the owner's host list is checked with the CLI's rules, every server's key is shown
// and pinned only once the owner confirmed it, and the deploy is the CLI's own (`fleetDeploy`, through the
// provisioning adapter) with its progress turned into the Fleet screen's state. One rollout at a time.
import { errorMessage } from '../../agent-core/util/error-message.ts';
import type { FleetHostKey, VpsTarget } from '../ipc/contract.ts';
import { UserError } from '../ipc/dispatch.ts';
import type { FleetDeployInput, FleetState } from '../ipc/fleet-contract.ts';
import { mapLimit } from '../provision/fleet.ts';
import { formatHostSpec, parseHostsFile } from '../provision/index.ts';
import { createFleetTracker } from './fleet-tracker.ts';
import type { ProvisionAdapter } from './provision-adapter.ts';

/** Servers asked for their key at once. */
const KEY_LOOKUPS = 8;

export interface FleetDeps {
  provision: Pick<ProvisionAdapter, 'hostKey' | 'trustHostKey' | 'fleet'>;
  emit(state: FleetState): void;
  log(message: string, error?: unknown): void;
}

function targets(hosts: string, keyPath: string): VpsTarget[] {
  return parseHostsFile(hosts).map((h) => ({ host: h.host, port: h.port, user: h.username, keyPath }));
}

const nameOf = (t: VpsTarget) => formatHostSpec({ host: t.host, port: t.port, username: t.user });

export function createFleet(deps: FleetDeps) {
  const tracker = createFleetTracker(deps.emit);
  let controller: AbortController | undefined;

  async function keys(list: VpsTarget[]): Promise<FleetHostKey[]> {
    return mapLimit(list, KEY_LOOKUPS, async (t) => {
      try {
        return { ...(await deps.provision.hostKey(t)), name: nameOf(t) };
      } catch (error) {
        return {
          name: nameOf(t),
          host: t.host,
          port: t.port,
          type: '',
          fingerprint: '',
          status: 'new' as const,
          error: errorMessage(error),
        };
      }
    });
  }

  return {
    state: () => tracker.state(),

    check: (input: { hosts: string; keyPath: string }) => keys(targets(input.hosts, input.keyPath)),

    /** Pins each confirmed key; a server that now presents another key is refused and named. */
    async trust(input: { hosts: string; keyPath: string; keys: { host: string; fingerprint: string }[] }) {
      const list = targets(input.hosts, input.keyPath);
      const refused: string[] = [];
      for (const confirmed of input.keys) {
        const t = list.find((x) => nameOf(x) === confirmed.host);
        if (!t) throw new UserError(`${confirmed.host} is not in the list; check the servers again.`);
        await deps.provision.trustHostKey(t, confirmed.fingerprint).catch((error: unknown) => {
          refused.push(`${confirmed.host}: ${errorMessage(error)}`);
        });
      }
      if (refused.length) throw new UserError(refused.join('\n'));
      return keys(list);
    },

    async deploy(input: FleetDeployInput): Promise<FleetState> {
      if (tracker.state().running) throw new UserError('A rollout is running: wait for it, or stop it.');
      const run = deps.provision.fleet;
      if (!run) throw new UserError('Deploying to a fleet is not available in this build.');
      const list = targets(input.hosts, input.keyPath);
      // Nothing is sent to a server whose key the owner has not confirmed (the deploy would refuse it anyway).
      const seen = await keys(list);
      const untrusted = seen.filter((k) => k.error || k.status !== 'pinned');
      if (untrusted.length)
        throw new UserError(
          `Not deployed: ${untrusted.map((k) => `${k.name} (${k.error ?? (k.status === 'changed' ? 'its key changed' : 'its key is not trusted yet')})`).join(', ')}. Check the servers and trust their keys first.`,
        );
      const settings = {
        parallel: input.parallel,
        canary: Math.min(input.canary, list.length),
        bakeS: input.bakeS,
        maxFailures: input.maxFailures,
      };
      tracker.begin(list.map(nameOf), settings);
      const abort = new AbortController();
      controller = abort;
      void run(list, {
        parallel: settings.parallel,
        canary: settings.canary,
        maxFailures: settings.maxFailures,
        bakeMs: settings.bakeS * 1000,
        signal: abort.signal,
        onProgress: (event) => tracker.event(event),
        onHostDone: (outcome) => tracker.done(outcome),
      }).then(
        (result) => tracker.finish(result, abort.signal.aborted),
        (error: unknown) => {
          deps.log('fleet rollout failed', error);
          tracker.fail(error instanceof UserError ? error.message : errorMessage(error));
        },
      );
      return tracker.state();
    },

    cancel(): FleetState {
      controller?.abort();
      return tracker.state();
    },

    stop(): void {
      controller?.abort();
      tracker.dispose();
    },
  };
}

export type Fleet = ReturnType<typeof createFleet>;
