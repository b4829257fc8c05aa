// Budget periods and caps, as pure functions: spending is kept per UTC day (the `usage` table), so a day cap
// resets at 00:00 UTC and a month cap on the 1st of the month, UTC.

export interface Caps {
  /** USD per UTC day; undefined or ≤ 0: no cap. */
  dayUsd?: number;
  monthUsd?: number;
}

export interface Spending {
  day: number;
  month: number;
}

export type BudgetState =
  | { over: false }
  | {
      over: true;
      period: 'day' | 'month';
      /** "day:2026-11-25" / "month:2026-11": the owner is told once per key. */
      key: string;
      spent: number;
      cap: number;
      resumesAt: Date;
    };

export function dayKey(now: Date): string {
  return now.toISOString().slice(0, 10);
}

export function monthKey(now: Date): string {
  return now.toISOString().slice(0, 7);
}

export function checkBudget(spent: Spending, caps: Caps, now: Date): BudgetState {
  // The month is checked first: when both are spent, waiting for tomorrow would not help.
  if (caps.monthUsd !== undefined && caps.monthUsd > 0 && spent.month >= caps.monthUsd)
    return overBudget('month', spent.month, caps.monthUsd, now);
  if (caps.dayUsd !== undefined && caps.dayUsd > 0 && spent.day >= caps.dayUsd)
    return overBudget('day', spent.day, caps.dayUsd, now);
  return { over: false };
}

/** The state of a spent period: what was spent against which cap, and when it resets. */
export function overBudget(
  period: 'day' | 'month',
  spent: number,
  cap: number,
  now: Date,
): Extract<BudgetState, { over: true }> {
  return period === 'month'
    ? {
        over: true,
        period,
        key: `month:${monthKey(now)}`,
        spent,
        cap,
        resumesAt: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)),
      }
    : {
        over: true,
        period,
        key: `day:${dayKey(now)}`,
        spent,
        cap,
        resumesAt: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1)),
      };
}

/** A cap from a setting value: a positive number (or numeric string), else no cap. */
export function parseCap(value: unknown): number | undefined {
  const number = typeof value === 'string' ? Number(value) : value;
  return typeof number === 'number' && Number.isFinite(number) && number > 0 ? number : undefined;
}

export function formatUsd(value: number): string {
  return value < 0.01 && value > 0 ? `$${value.toFixed(4)}` : `$${value.toFixed(2)}`;
}
