// Backups of the agent, restores, and moving it to another VPS (src-main/services/backups.ts does the work).
import type { HandlersFor } from '../../ipc/dispatch.ts';
import type { Backups } from '../backups.ts';

export function backupHandlers(deps: { backups: Backups }): HandlersFor<'backup'> {
  const { backups } = deps;
  return {
    'backup.overview': () => backups.overview(),
    'backup.run': () => backups.run(),
    // The renderer asks the owner before it calls this: replacing the agent's data is what a restore is for.
    'backup.restore': ({ name }) => backups.restore(name),
    'backup.setSchedule': (schedule) => backups.setSchedule(schedule),
    'backup.move': (target) => backups.move(target),
    'backup.uninstallOld': () => backups.uninstallOld(),
  };
}
