// Time zones as the desktop offers them: every IANA zone this computer knows, for the owner to choose.

/** Every zone this computer knows, sorted, with UTC (which Intl leaves out) and `current` (if it knows none such). */
export function timeZoneChoices(current: string): string[] {
  const known = new Set([...Intl.supportedValuesOf('timeZone'), 'UTC', current]);
  return [...known].sort();
}
