// The agent wherever it runs: its status, updates and rollback, its log, and pausing it.
import type { ServerStatus } from '../../ipc/contract.ts';
import { type HandlersFor, UserError } from '../../ipc/dispatch.ts';
import type { AgentConfig } from '../agent-config.ts';
import type { AgentSupervisor } from '../agent-supervisor.ts';
import type { HealthWatch } from '../health-watch.ts';
import type { InstallTracker } from '../install.ts';
import type { Installer } from '../installer.ts';
import type { JournalFollower } from '../journal-follower.ts';
import type { PauseMirror } from '../pause-mirror.ts';
import type { PrefsStore } from '../prefs.ts';
import type { ProvisionAdapter } from '../provision-adapter.ts';

export function serverHandlers(deps: {
  prefs: Pick<PrefsStore, 'get'>;
  agent: Pick<AgentSupervisor, 'status' | 'logs' | 'restart'>;
  provision: Pick<ProvisionAdapter, 'rollback' | 'logs'>;
  install: Pick<InstallTracker, 'state'>;
  installer: Pick<Installer, 'runVpsDeploy' | 'startLocal'>;
  journal: JournalFollower;
  pause: PauseMirror;
  health: Pick<HealthWatch, 'current'>;
  serverStatus(): Promise<ServerStatus>;
  openDataFolder(): Promise<boolean>;
  config: Pick<AgentConfig, 'oneAtATime'>;
}): HandlersFor<'server' | 'agent'> {
  const { prefs, agent, provision, install, installer, journal, pause, serverStatus, config } = deps;
  return {
    'server.status': serverStatus,
    'server.update': async () => {
      const { mode, vps } = prefs.get();
      if (mode !== 'vps' || !vps) {
        throw new UserError(
          'On this computer the agent updates together with the MONO app: install the new app.',
        );
      }
      if (!install.state().running) void installer.runVpsDeploy(vps);
      return install.state();
    },
    'server.rollback': async () => {
      const { mode, vps } = prefs.get();
      if (mode !== 'vps' || !vps) throw new UserError('Rollback is for agents on a VPS.');
      return { ok: true, message: await provision.rollback(vps) };
    },
    'server.openDataFolder': async () => {
      if (prefs.get().mode !== 'local')
        throw new UserError("Your agent's data is on your server: the Server screen shows where.");
      const opened = await deps.openDataFolder();
      if (!opened) throw new UserError('No file manager could be opened here; the path is shown above.');
      return { opened };
    },
    'server.restart': async () => {
      if (prefs.get().mode !== 'local')
        throw new UserError(
          'An agent on a VPS is restarted by updating it, or with systemctl on the server.',
        );
      // In turn with the agent changes: restarting while a new key's start is under way would kill it, and the
      // key would be rolled back as if the agent had refused it.
      await config.oneAtATime(() => agent.restart());
      return serverStatus();
    },
    'server.logs': async ({ limit }) => {
      const { mode, vps } = prefs.get();
      if (mode === 'vps' && vps) return provision.logs(vps, limit);
      return agent.logs(limit);
    },
    'server.followLogs': async ({ on }) => {
      journal.stop();
      const { mode, vps } = prefs.get();
      // Local mode streams the agent's output all the time; a VPS's journal is followed while someone looks.
      if (!on) return { following: false };
      if (mode === 'vps' && vps) return { following: journal.follow(vps) };
      return { following: mode === 'local' };
    },
    'agent.health': async () => deps.health.current(),
    // Paused, the agent still receives and stores everything but answers with a short notice and runs no jobs.
    'agent.pause': async () => {
      await pause.set(true);
      return serverStatus();
    },
    'agent.resume': async () => {
      if (prefs.get().mode === 'local' && agent.status().state === 'stopped') await installer.startLocal();
      await pause.set(false);
      return serverStatus();
    },
  };
}
