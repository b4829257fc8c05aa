// The budget in force: caps from the settings `budget_daily_usd` / `budget_monthly_usd` (edited live from the
// desktop or with /budget), checked before every turn, job and hook event and enforced on every call to Claude
// by the ledger's reservations (ledger.ts); the owner is told once per period.
import { RecordId, type Surreal } from 'surrealdb';
import type { Settings } from '../agent/settings.ts';
import { type BudgetState, type Caps, checkBudget, formatUsd, parseCap } from './budget.ts';
import { SpendLedger } from './ledger.ts';
import { spending } from './usage.ts';

export const DAILY_CAP_SETTING = 'budget_daily_usd';
export const MONTHLY_CAP_SETTING = 'budget_monthly_usd';
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

export function budgetNotice(state: Extract<BudgetState, { over: true }>): string {
  const when = state.period === 'day' ? 'tomorrow (00:00 UTC)' : 'on the 1st of next month (UTC)';
  return (
    `I've reached your ${state.period === 'day' ? 'daily' : 'monthly'} budget (${formatUsd(state.spent)} of ` +
    `${formatUsd(state.cap)}), so I've stopped calling Claude. I'll be back ${when}, or right away if you ` +
    `raise the cap, e.g. /budget ${state.period} ${Math.ceil(state.cap * 2)}.`
  );
}
