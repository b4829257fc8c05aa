// Follows a VPS agent's journal while someone looks at the Server screen: at most one follow at a time, stopped
// when the screen asks or the app quits.
import type { VpsTarget } from '../ipc/contract.ts';
import type { ProvisionAdapter } from './provision-adapter.ts';

export interface JournalFollower {
  /** Starts following `vps` (stopping any earlier follow); false when this provisioning cannot follow. */
  follow(vps: VpsTarget): boolean;
  stop(): void;
}

export function createJournalFollower(deps: {
  provision: Pick<ProvisionAdapter, 'followLogs'>;
  onLine(line: string): void;
  log(message: string, error?: unknown): void;
}): JournalFollower {
  let following: AbortController | undefined;
  const stop = () => {
    following?.abort();
    following = undefined;
  };
  return {
    follow(vps) {
      stop();
      const followLogs = deps.provision.followLogs;
      if (!followLogs) return false;
      const controller = new AbortController();
      following = controller;
      void followLogs(vps, deps.onLine, controller.signal).catch((error) =>
        deps.log('following the journal stopped', error),
      );
      return true;
    },
    stop,
  };
}
