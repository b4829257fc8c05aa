// The desktop's backups for a test about VPS backups alone: a fresh vault in the desktop's folder, and none of the
// parts such a test has no use for (no local agent to stop or start, nothing to move, no window to tell).
import { join } from 'node:path';
import { type Backups, type BackupsDeps, createBackups } from '../../src-main/services/backups.ts';
import { createVault } from '../../src-main/services/vault.ts';

export async function vpsOnlyBackups(
  dataDir: string,
  parts: Pick<BackupsDeps, 'prefs' | 'provision' | 'log'> &
    Partial<Pick<BackupsDeps, 'checkEveryMs' | 'giveUpAfterMs'>>,
): Promise<Backups> {
  const vault = createVault({ file: join(dataDir, 'vault.json') });
  await vault.create('a passphrase for this test vault');
  return createBackups({
    dataDir,
    vault,
    agent: { status: () => ({ state: 'stopped' }) as never, stop: async () => {} },
    local: { env: () => ({}), command: [], start: async () => {}, inTurn: (work) => work() },
    move: { secrets: () => ({}), settings: () => ({}), followed: () => {} },
    emit: () => {},
    ...parts,
  });
}
