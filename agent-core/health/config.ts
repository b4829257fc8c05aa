// The fault handling's settings from the environment (read by the one config loader, config/config.ts).

export interface FaultConfig {
  /** MONO_DISK_RESERVE_MB: the disk reserve instead of the automatic 2 % (2 MiB to 256 MiB). */
  diskReserveBytes?: number;
  /** MONO_DISK_CHECK_MS: how often free space is looked at while nothing asks (default 5000). */
  diskCheckMs: number;
  /** MONO_OUTAGE_NOTICE_S: an unreachable service is reported to the owner after this long (default 600). */
  outageNoticeAfterMs: number;
  /** MONO_RETRY_MAX_S: the longest wait between two tries of a service that is down (default 60). */
  retryCapMs: number;
  /** MONO_MEMORY_LIMIT_MB: the memory limit when the control group shows none (e.g. outside systemd). */
  memoryLimitBytes?: number;
  /** MONO_CLAUDE_CONCURRENCY: calls to Claude in flight at most, shared fairly between conversations (default 8). */
  claudeConcurrency: number;
}

export function loadFaults(text: (name: string) => string | undefined, problems: string[]): FaultConfig {
  const int = (name: string, min: number): number | undefined => {
    const value = text(name);
    if (value === undefined) return undefined;
    if (!/^\d+$/.test(value) || Number(value) < min) {
      problems.push(`${name} must be a whole number of at least ${min}.`);
      return undefined;
    }
    return Number(value);
  };
  const reserveMb = int('MONO_DISK_RESERVE_MB', 1);
  const memoryMb = int('MONO_MEMORY_LIMIT_MB', 64);
  return {
    ...(reserveMb !== undefined ? { diskReserveBytes: reserveMb * 1024 * 1024 } : {}),
    diskCheckMs: int('MONO_DISK_CHECK_MS', 50) ?? 5000,
    outageNoticeAfterMs: (int('MONO_OUTAGE_NOTICE_S', 1) ?? 600) * 1000,
    retryCapMs: (int('MONO_RETRY_MAX_S', 1) ?? 60) * 1000,
    ...(memoryMb !== undefined ? { memoryLimitBytes: memoryMb * 1024 * 1024 } : {}),
    claudeConcurrency: int('MONO_CLAUDE_CONCURRENCY', 1) ?? 8,
  };
}
