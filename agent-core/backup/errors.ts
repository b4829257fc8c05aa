// Named errors of backup and restore: each has the reason (what happened) and the hint (what to do); the message
// is both, for places that show one line.

export type BackupFileProblem =
  | 'not-a-backup'
  | 'version'
  | 'header'
  | 'truncated'
  | 'tampered'
  | 'passphrase-needed'
  | 'passphrase'
  | 'newer-schema';

/** Base of the errors below: `reason` and `hint` as the CLI and the desktop show them. */
export class BackupError extends Error {
  constructor(
    readonly reason: string,
    readonly hint: string,
  ) {
    super(`${reason}; ${hint}`);
  }
}

const FILE_HINTS: Record<BackupFileProblem, string> = {
  'not-a-backup': 'choose a file made by "mono backup" or by MONO’s Server screen',
  version: 'update MONO, then try again',
  header: 'use another copy of the backup',
  truncated: 'nothing was changed; use a complete copy of the backup',
  tampered: 'nothing was changed; use another copy of the backup',
  'passphrase-needed': 'give its passphrase (--passphrase-file FILE)',
  passphrase: 'nothing was changed; use the passphrase the backup was made with',
  'newer-schema': 'update the agent ("mono deploy"), then restore again',
};

/** A backup file that cannot be restored as it is: refused before anything is replaced. */
export class BackupFileError extends BackupError {
  override readonly name = 'BackupFileError';
  constructor(
    readonly problem: BackupFileProblem,
    reason: string,
  ) {
    super(reason, FILE_HINTS[problem] ?? FILE_HINTS.header);
  }
}

export const notABackup = (detail: string) =>
  new BackupFileError('not-a-backup', `this is not a MONO backup file (${detail})`);

/** The file starts as a MONO backup does, and its header then does not read. */
export const damagedHeader = (detail: string) =>
  new BackupFileError('header', `the backup file's header is damaged (${detail})`);

export const truncated = () =>
  new BackupFileError(
    'truncated',
    'the backup file ends early (it was cut off while being copied or written)',
  );

export const tampered = (where: string) =>
  new BackupFileError('tampered', `the backup file was changed or damaged after it was written (${where})`);

/** The datastore already holds the owner's data and the restore was not told to replace it. */
export class RestoreRefusedError extends BackupError {
  override readonly name = 'RestoreRefusedError';
  constructor(readonly counts: Record<string, number>) {
    super(
      `the agent already holds data (${describeCounts(counts)}) and restoring would replace it`,
      'nothing was changed; run again with --replace to replace it (the current data is kept beside it until the next successful restore)',
    );
  }
}

/** The agent is running on the data directory a restore (or a direct backup) wants to use. */
export class AgentRunningError extends BackupError {
  override readonly name = 'AgentRunningError';
  constructor(readonly dataDir: string) {
    super(
      `the agent is running on ${dataDir}`,
      'stop it first (quit MONO, or stop "mono agent"), then run this again',
    );
  }
}

/** Not enough free disk space to finish safely; what was written so far is removed. */
export class RestoreDiskError extends BackupError {
  override readonly name = 'RestoreDiskError';
  constructor(
    readonly dir: string,
    readonly freeBytes: number,
  ) {
    super(
      `only ${Math.floor(freeBytes / 1048576)} MB are free under ${dir}, too little to restore safely`,
      'nothing was changed; free some disk space and run the restore again',
    );
  }
}

/** "12 message, 3 conversation" from per-table counts (only the non-zero ones, biggest first). */
export function describeCounts(counts: Record<string, number>): string {
  const parts = Object.entries(counts)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([table, n]) => `${n} ${table}`);
  return parts.length ? parts.join(', ') : 'nothing';
}
