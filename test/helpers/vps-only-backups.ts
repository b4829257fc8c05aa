// The parts of the desktop's backups a VPS-only test has no use for: no local agent to stop or start, nothing to
// move, no window to tell. Spread into createBackups() beside the parts the test is about.
import type { BackupsDeps } from '../../src-main/services/backups.ts';

export const VPS_ONLY_BACKUP_DEPS: Pick<BackupsDeps, 'agent' | 'local' | 'move' | 'emit'> = {
  agent: { status: () => ({ state: 'stopped' }) as never, stop: async () => {} },
  local: { env: () => ({}), command: [], start: async () => {} },
  move: { secrets: () => ({}), settings: () => ({}), followed: () => {} },
  emit: () => {},
};
