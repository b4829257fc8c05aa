// Time zones as the desktop offers them: this computer's, and every IANA zone it knows for the owner to choose.

export function thisComputersTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** Every zone this computer knows, sorted, with UTC (which Intl leaves out) and `current` (if it knows none such). */
export function timeZoneChoices(current: string): string[] {
  const known = new Set([...Intl.supportedValuesOf('timeZone'), 'UTC', current]);
  return [...known].sort();
}
