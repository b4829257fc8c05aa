// Schedule math, pure: when a job's next slot is, and which slot is due now. Recurring jobs that missed slots
// (the agent was down) catch up once — the latest missed slot — and one-offs that came due while it was down fire
// once, late. A one-off dated before its own creation is refused: that date was a mistake, not a missed slot.
import { Cron } from 'croner';
import { errorMessage } from '../util/error-message.ts';
import { formatLocal, isTimeZone } from './local-time.ts';

/** A one-off may be set this much before its creation (rounding "now"); it then runs at once. */
export const PAST_GRACE_MS = 2 * 60_000;

export interface Schedule {
  cron?: string;
  intervalS?: number;
  runAt?: Date;
  timezone: string;
  /** Interval slots count from here. */
  createdAt: Date;
}

export interface DueSlot {
  slot: Date;
  /** The run starts more than `lateAfterMs` after its slot. */
  late: boolean;
  /** Recurring: the slot after this one (undefined for one-offs). */
  next: Date | undefined;
}

/** The longest interval between runs of a recurring job: a year. */
const MAX_INTERVAL_S = 365 * 86_400;

/** An actionable problem with the schedule, or undefined when it is usable. */
export function scheduleProblem(schedule: Schedule): string | undefined {
  const kinds = [schedule.cron, schedule.intervalS, schedule.runAt].filter((v) => v !== undefined).length;
  if (kinds !== 1) return 'Give exactly one of: cron, interval, run_at.';
  if (schedule.cron !== undefined) {
    if (schedule.cron.trim().split(/\s+/).length !== 5)
      return 'cron must have five fields: minute hour day-of-month month day-of-week (e.g. "0 8 * * 1").';
    try {
      cronOf(schedule);
    } catch (error) {
      return `cron is not valid: ${errorMessage(error)}`;
    }
  }
  if (schedule.intervalS !== undefined && (!Number.isInteger(schedule.intervalS) || schedule.intervalS < 60))
    return 'The interval must be a whole number of seconds, at least 60.';
  // Longer would be a date past what the datastore holds ("The provided date is invalid" for 1e12 minutes).
  if (schedule.intervalS !== undefined && schedule.intervalS > MAX_INTERVAL_S)
    return 'The interval can be at most a year (525600 minutes); for rarer jobs give a cron or a run_at.';
  if (schedule.runAt !== undefined) {
    if (Number.isNaN(schedule.runAt.getTime())) return 'run_at is not a valid time.';
    if (schedule.runAt.getTime() < schedule.createdAt.getTime() - PAST_GRACE_MS) {
      const when = isTimeZone(schedule.timezone)
        ? `${formatLocal(schedule.runAt, schedule.timezone)} ${schedule.timezone}`
        : schedule.runAt.toISOString();
      return `The one-off date ${when} is in the past. Pick a later time.`;
    }
  }
  return undefined;
}

/** The first slot strictly after `after`; undefined when there is none (a one-off at or before it). */
export function nextSlot(schedule: Schedule, after: Date): Date | undefined {
  if (schedule.runAt) return schedule.runAt > after ? schedule.runAt : undefined;
  if (schedule.intervalS) {
    const every = schedule.intervalS * 1000;
    const start = schedule.createdAt.getTime();
    const k = Math.max(1, Math.floor((after.getTime() - start) / every) + 1);
    return new Date(start + k * every);
  }
  return cronOf(schedule).nextRun(after) ?? undefined;
}

/** The latest slot at or before `now`, strictly after `lastSlot`; undefined when nothing is due. */
export function dueSlot(
  schedule: Schedule,
  lastSlot: Date | undefined,
  now: Date,
  lateAfterMs: number,
): DueSlot | undefined {
  let slot: Date | undefined;
  if (schedule.runAt) {
    slot = schedule.runAt <= now && !lastSlot ? schedule.runAt : undefined;
  } else if (schedule.intervalS) {
    const every = schedule.intervalS * 1000;
    const start = schedule.createdAt.getTime();
    const k = Math.floor((now.getTime() - start) / every);
    slot = k >= 1 ? new Date(start + k * every) : undefined;
  } else {
    slot = cronOf(schedule).previousRuns(1, new Date(now.getTime() + 1))[0];
  }
  if (!slot || (lastSlot && slot <= lastSlot)) return undefined;
  // A brand-new recurring job does not fire for slots from before it existed.
  if (!schedule.runAt && !lastSlot && slot < schedule.createdAt) return undefined;
  return {
    slot,
    late: now.getTime() - slot.getTime() > lateAfterMs,
    next: schedule.runAt ? undefined : nextSlot(schedule, slot),
  };
}

function cronOf(schedule: Schedule): Cron {
  return new Cron(schedule.cron!, { timezone: schedule.timezone, paused: true });
}
