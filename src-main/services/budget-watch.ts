// Follows today's spend and the daily budget from live changes (usage and setting rows), so the owner is
// notified once when the agent reaches its budget and the tray can show it.
import type { DbChange } from '../ipc/db-change.ts';

export function createBudgetWatch(
  onChange: (day: string, spentUsd: number, capUsd: number | undefined) => void,
) {
  const spent = new Map<string, number>();
  let cap: number | undefined;
  let day = new Date().toISOString().slice(0, 10);
  let reached = false;
  return {
    /** True once today's spend has reached the daily cap. */
    reached: () => reached,
    change(change: DbChange): void {
      if (
        change.table === 'setting' &&
        (change.row?.key === 'budget_daily_usd' || change.id === 'setting:budget_daily_usd')
      ) {
        const value = change.row?.value;
        cap = typeof value === 'number' && value > 0 ? value : undefined;
      } else if (change.table === 'usage' && typeof change.row?.day === 'string') {
        const row = change.row;
        if (row.day !== day) {
          if (row.day < day) return;
          day = row.day;
          spent.clear();
        }
        spent.set(change.id, Number(row.cost_usd ?? 0));
      } else {
        return;
      }
      const total = [...spent.values()].reduce((a, b) => a + b, 0);
      reached = cap !== undefined && total >= cap;
      onChange(day, total, cap);
    },
  };
}
