// The budget caps as settings: their keys and the most either may be, for the agent (/budget, the guard) and the
// desktop (the Budgets card, the IPC contract) alike.

export const DAILY_CAP_SETTING = 'budget_daily_usd';
export const MONTHLY_CAP_SETTING = 'budget_monthly_usd';

/** The highest cap: far above any real spending, and every amount up to it is stored and shown exactly. */
export const MAX_CAP_USD = 1_000_000;
