// Spending against the caps, kept in this process so that concurrent calls cannot overshoot: every call to Claude
// reserves its worst-case cost before it goes out and settles to its real cost after. Checking the room and
// taking it happen in one synchronous step (nothing else runs in between in this process, which alone writes
// the datastore's spending), so a hundred turns, jobs and hook events arriving at once stop at the cap: spent +
// reserved never exceeds it, and a call can cost more than the cap allows only by what its real cost exceeds
// its reservation. A call that does not fit waits while others are in flight (they usually settle far below
// their reservation); when nothing is in flight and it still does not fit, the budget is spent.
import {
  type BudgetState,
  type Caps,
  checkBudget,
  dayKey,
  monthKey,
  overBudget,
  type Spending,
} from './budget.ts';

const CAP = { day: 'dayUsd', month: 'monthUsd' } as const;

/** A call's share of the budget, taken before it went out. */
export interface Reservation {
  /** The call finished: what it really cost (0 when it failed before any answer). Once only. */
  settle(realUsd: number): void;
}

/** No room for one more call: the cap is reached (or would be by this call's worst case). */
export class BudgetExceededError extends Error {
  constructor(readonly state: Extract<BudgetState, { over: true }>) {
    super(`The ${state.period} budget cap is reached.`);
    this.name = 'BudgetExceededError';
  }
}

export interface LedgerDeps {
  /** Spending stored so far for the UTC day and month of `now`. */
  load(now: Date): Promise<Spending>;
  caps(): Caps;
  now?(): Date;
}

export class SpendLedger {
  /** Spending read from the datastore for one day and month, plus what settled in this process since. */
  #base: { day: string; month: string; spent: Spending } | undefined;
  #loading: Promise<void> | undefined;
  #reserved = 0;
  #inFlight = 0;
  #waiters: (() => void)[] = [];

  constructor(private readonly deps: LedgerDeps) {}

  /** Spent so far today and this month (settled calls; reservations not included). */
  async spent(now = this.#now()): Promise<Spending> {
    await this.#current(now);
    return { ...this.#base!.spent };
  }

  /** Reserved by calls in flight, in USD. */
  get reserved(): number {
    return this.#reserved;
  }

  /**
   * Takes `worstUsd` of the budget for one call, or throws BudgetExceededError. Waits while calls in flight
   * hold the room it needs (until they settle, or `signal` aborts).
   */
  async reserve(worstUsd: number, signal?: AbortSignal): Promise<Reservation> {
    const worst = Math.max(0, worstUsd);
    for (;;) {
      signal?.throwIfAborted();
      const now = this.#now();
      await this.#current(now);
      // From here to the return or the wait nothing awaits: the check and the taking are one step.
      const caps = this.deps.caps();
      const spent = this.#base!.spent;
      const over = checkBudget(spent, caps, now);
      if (over.over) throw new BudgetExceededError(over);
      const blocking = this.#blocking(spent, caps, worst);
      if (!blocking) return this.#take(worst);
      // Even alone this call could pass the cap: the budget is spent for it.
      if (this.#inFlight === 0)
        throw new BudgetExceededError(overBudget(blocking, spent[blocking], caps[CAP[blocking]]!, now));
      await this.#settled(signal);
    }
  }

  /** The period whose cap this call's worst case would pass, with what is reserved already; undefined: it fits. */
  #blocking(spent: Spending, caps: Caps, worst: number): 'day' | 'month' | undefined {
    const after = (value: number) => value + this.#reserved + worst;
    if (caps.monthUsd && after(spent.month) > caps.monthUsd) return 'month';
    if (caps.dayUsd && after(spent.day) > caps.dayUsd) return 'day';
    return undefined;
  }

  #take(worst: number): Reservation {
    const day = this.#base!.day;
    this.#reserved += worst;
    this.#inFlight += 1;
    let settled = false;
    return {
      settle: (realUsd: number) => {
        if (settled) return;
        settled = true;
        this.#reserved -= worst;
        this.#inFlight -= 1;
        const real = Number.isFinite(realUsd) && realUsd > 0 ? realUsd : 0;
        // A call that started yesterday is in yesterday's row of the datastore, not in today's sum.
        if (this.#base && this.#base.day === day) this.#base.spent.day += real;
        if (this.#base) this.#base.spent.month += real;
        const waiters = this.#waiters;
        this.#waiters = [];
        for (const wake of waiters) wake();
      },
    };
  }

  /**
   * Spending that took no reservation (speech to text, billed per minute once the service answered): it counts
   * against the caps from now on. Before the first load there is nothing to add to: the load reads it stored.
   */
  add(usd: number, now = this.#now()): void {
    if (!this.#base || !(Number.isFinite(usd) && usd > 0)) return;
    if (this.#base.day === dayKey(now)) this.#base.spent.day += usd;
    if (this.#base.month === monthKey(now)) this.#base.spent.month += usd;
  }

  #settled(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => reject(signal!.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }

  /** Reads the stored spending once per UTC day (a new day, or a new month, starts from the datastore). */
  async #current(now: Date): Promise<void> {
    while (this.#base?.day !== dayKey(now)) {
      this.#loading ??= this.deps
        .load(now)
        .then((spent) => {
          this.#base = { day: dayKey(now), month: monthKey(now), spent: { ...spent } };
        })
        .finally(() => {
          this.#loading = undefined;
        });
      await this.#loading;
    }
  }

  #now(): Date {
    return this.deps.now?.() ?? new Date();
  }
}
