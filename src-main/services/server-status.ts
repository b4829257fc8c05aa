// What the Server screen shows about the agent, wherever it runs: the VPS's status over SSH, or the local
// agent's health, plus whether it is paused.

import { errorMessage } from '../../agent-core/util/error-message.ts';
import type { ServerStatus } from '../ipc/contract.ts';
import type { AgentSupervisor } from './agent-supervisor.ts';
import { folderSize } from './data-folder.ts';
import { localAgentDir, localServerStatus } from './local-mode.ts';
import type { PauseMirror } from './pause-mirror.ts';
import type { PrefsStore } from './prefs.ts';
import type { ProvisionAdapter } from './provision-adapter.ts';
import type { Sync } from './sync.ts';

export function createServerStatus(deps: {
  prefs: Pick<PrefsStore, 'get'>;
  sync: Pick<Sync, 'status'>;
  pause: PauseMirror;
  provision: Pick<ProvisionAdapter, 'status'>;
  agent: Pick<AgentSupervisor, 'status'>;
  /** The desktop's own folder (the local agent's data is in its agent/ folder). */
  dataDir: string;
}): () => Promise<ServerStatus> {
  return async function serverStatus(): Promise<ServerStatus> {
    const { mode, vps } = deps.prefs.get();
    const paused = await deps.pause.refresh(deps.sync.status().state === 'online');
    if (mode === 'vps' && vps) {
      try {
        return { mode, paused, ...(await deps.provision.status(vps)) };
      } catch (error) {
        return { mode, paused, reachable: false, channels: {}, error: errorMessage(error) };
      }
    }
    if (mode === 'local') {
      const path = localAgentDir(deps.dataDir);
      const [status, bytes] = await Promise.all([
        localServerStatus(deps.agent.status(), paused),
        folderSize(path),
      ]);
      return { ...status, data: { path, onThisComputer: true, ...(bytes !== undefined && { bytes }) } };
    }
    return { mode: null, paused, reachable: false, channels: {}, error: 'Finish the setup first.' };
  };
}
