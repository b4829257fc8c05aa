// The budget in force: caps from the settings `budget_daily_usd` / `budget_monthly_usd` (edited live from the
// desktop or with /budget), checked before every turn, job and hook event and enforced on every call to Claude
// by the ledger's reservations (ledger.ts); the owner is told once per period.
import { RecordId, type Surreal } from 'surrealdb';
import type { Settings } from '../agent/settings.ts';
import { DAILY_CAP_SETTING, MONTHLY_CAP_SETTING } from '../contract/budget-caps.ts';
import { formatLocal, offsetMs } from '../jobs/local-time.ts';
import { type BudgetState, type Caps, checkBudget, formatUsd, parseCap } from './budget.ts';
import { SpendLedger } from './ledger.ts';
import { spending } from './usage.ts';

const STATUS_ID = new RecordId('agent_status', 'current');

export class BudgetGuard {
  /** Every call to Claude reserves its worst case here first (the Claude client is given it). */
  readonly ledger: SpendLedger;

  constructor(
    private readonly db: Surreal,
    private readonly settings: Settings,
  ) {
    this.ledger = new SpendLedger({ load: (now) => spending(db, now), caps: () => this.caps() });
  }

  caps(): Caps {
    const dayUsd = parseCap(this.settings.get(DAILY_CAP_SETTING));
    const monthUsd = parseCap(this.settings.get(MONTHLY_CAP_SETTING));
    return { ...(dayUsd ? { dayUsd } : {}), ...(monthUsd ? { monthUsd } : {}) };
  }

  async check(now = new Date()): Promise<BudgetState> {
    const caps = this.caps();
    if (!caps.dayUsd && !caps.monthUsd) return { over: false };
    return checkBudget(await this.ledger.spent(now), caps, now);
  }

  /** True exactly once per period key (atomic, so concurrent turns and jobs do not both tell the owner). */
  async claimNotice(key: string): Promise<boolean> {
    const [rows] = await this.db
      .query<[unknown[]]>(
        'UPDATE $id SET budget_notice = $key WHERE budget_notice IS NONE OR budget_notice != $key RETURN id',
        { id: STATUS_ID, key },
      )
      .collect();
    return rows.length > 0;
  }
}

export function budgetNotice(
  state: Extract<BudgetState, { over: true }>,
  timeZone: string,
  now = new Date(),
): string {
  return (
    `I've reached your ${state.period === 'day' ? 'daily' : 'monthly'} budget (${formatUsd(state.spent)} of ` +
    `${formatUsd(state.cap)}), so I've stopped calling Claude. I'll be back ${budgetResumes(state, timeZone, now)}, ` +
    `or right away if you raise the cap, e.g. /budget ${state.period} ${Math.ceil(state.cap * 2)}.`
  );
}

/**
 * When a spent budget starts over, in the owner's own time: "tomorrow at 01:00 your time (00:00 UTC)". Budgets count
 * UTC days and months, which for most owners is not their midnight, so the local clock time is what tells them.
 */
export function budgetResumes(
  state: Extract<BudgetState, { over: true }>,
  timeZone: string,
  now = new Date(),
): string {
  const at = formatLocal(state.resumesAt, timeZone); // "2026-11-26 01:00 (Thursday)"
  const day = localDay(at, formatLocal(now, timeZone));
  const utc = state.period === 'day' ? '00:00 UTC' : '00:00 UTC on the 1st';
  if (offsetMs(state.resumesAt, timeZone) === 0) return `${day} at ${utc}`;
  return `${day} at ${at.slice(11, 16)} your time (${utc})`;
}

/** "today", "tomorrow" or "on 2027-01-01 (Friday)": the date of `at` seen from `now`, both formatLocal strings. */
function localDay(at: string, now: string): string {
  const date = (local: string) => Date.parse(`${local.slice(0, 10)}T00:00:00Z`);
  const days = Math.round((date(at) - date(now)) / 86_400_000);
  if (days === 0) return 'today';
  if (days === 1) return 'tomorrow';
  return `on ${at.slice(0, 10)} ${at.slice(17)}`;
}
