// Wall-clock times in an IANA time zone ↔ instants, with Intl only. Claude turns "tomorrow at 9" into a local
// ISO datetime plus the owner's time zone (the tool's input schema); this makes it an instant.

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$/;
const WITH_OFFSET = /(?:Z|[+-]\d{2}:?\d{2})$/i;

const OFFSET_FORMAT = {
  locale: 'en-US',
  options: {
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  },
  byZone: new Map<string, Intl.DateTimeFormat>(),
} as const;
const LOCAL_FORMAT = {
  locale: 'en-GB',
  options: {
    weekday: 'long',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  },
  byZone: new Map<string, Intl.DateTimeFormat>(),
} as const;

// Building an Intl.DateTimeFormat costs ~0.25 ms (and the first one loads ICU's time zone data, ~18 ms and
// several MB): every turn formats the time, so each format keeps its formatter per zone.
function formatter(
  format: {
    locale: string;
    options: Intl.DateTimeFormatOptions;
    byZone: Map<string, Intl.DateTimeFormat>;
  },
  timeZone: string,
): Intl.DateTimeFormat {
  let cached = format.byZone.get(timeZone);
  if (!cached) {
    cached = new Intl.DateTimeFormat(format.locale, { ...format.options, timeZone });
    format.byZone.set(timeZone, cached);
  }
  return cached;
}

/** True for an IANA time zone name Intl knows (results are kept: the owner's zone is checked every turn). */
export function isTimeZone(value: string): boolean {
  try {
    formatter(LOCAL_FORMAT, value);
    return true;
  } catch {
    return false;
  }
}

/** This machine's time zone as it is now (the desktop asks each time: its owner may travel with it). */
export function currentTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

let machineZone: string | undefined;

/** This machine's time zone for the agent, asked of ICU only when first needed (loading its zone data is slow). */
export function machineTimeZone(): string {
  machineZone ??= currentTimeZone();
  return machineZone;
}

const DAY_MS = 86_400_000;

/**
 * "2026-11-26T09:00" in Europe/Berlin → the instant; a string with Z or an offset is taken as is. Around daylight
 * saving changes it does what Temporal calls 'compatible' (as java.time does): a wall time that occurs twice (the
 * clocks go back) is its earlier instant; one that never occurs (the clocks go forward) is read with the offset from
 * before the change, so it moves forward by the gap (02:30 in a one-hour gap → 03:30).
 */
export function localToInstant(value: string, timeZone: string): Date | undefined {
  const text = value.trim();
  if (WITH_OFFSET.test(text)) {
    const date = new Date(text);
    return Number.isNaN(date.getTime()) ? undefined : date;
  }
  const match = LOCAL.exec(text);
  if (!match) return undefined;
  const [y, mo, d, h, mi, s] = match.slice(1).map((part) => Number(part ?? 0)) as number[];
  const wall = Date.UTC(y!, mo! - 1, d!, h!, mi!, s!);
  if (Number.isNaN(wall)) return undefined;
  // The offsets a day either side are the ones before and after any change near this wall time. A candidate is
  // right if its own offset gives back the wall time: none in a gap, both in an overlap (the earlier wins).
  const before = wall - offsetMs(new Date(wall - DAY_MS), timeZone);
  const after = wall - offsetMs(new Date(wall + DAY_MS), timeZone);
  const exact = [before, after].filter((instant) => instant + offsetMs(new Date(instant), timeZone) === wall);
  return new Date(exact.length > 0 ? Math.min(...exact) : before);
}

/** How far the zone's wall clock is ahead of UTC at this instant. */
export function offsetMs(at: Date, timeZone: string): number {
  const parts = formatter(OFFSET_FORMAT, timeZone).formatToParts(at);
  const get = (type: string) => Number(parts.find((part) => part.type === type)?.value);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return wall - Math.floor(at.getTime() / 1000) * 1000;
}

/** "2026-11-26 09:00 (Wednesday)" in the zone, for people and for Claude. */
export function formatLocal(at: Date, timeZone: string): string {
  const parts = formatter(LOCAL_FORMAT, timeZone).formatToParts(at);
  const get = (type: string) => parts.find((part) => part.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')} (${get('weekday')})`;
}
