// How long received files are kept: the setting the desktop edits and the agent's retention sweep reads, with the
// one reading of its value both use (so the desktop shows the period the agent applies).

export const RETENTION_SETTING = 'media_retention_days';
export const DEFAULT_RETENTION_DAYS = 30;

/** The retention period in days from a setting value (a positive number or numeric string), else the default. */
export function retentionDays(value: unknown): number {
  const days = typeof value === 'string' ? Number(value) : value;
  return typeof days === 'number' && Number.isFinite(days) && days > 0 ? days : DEFAULT_RETENTION_DAYS;
}
