// A counting gate: at most a few runs of something costly at once (the hub's password checks), the rest waiting
// their turn in order, so a crowd of callers queues instead of multiplying the cost by its number.

/** Runs `run` when a slot is free. */
export type Gate = <T>(run: () => Promise<T>) => Promise<T>;

export function gate(slots: number): Gate {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (run) => {
    if (running >= slots) await new Promise<void>((resolve) => waiting.push(resolve));
    else running += 1;
    try {
      return await run();
    } finally {
      // The slot passes straight to the next in line, or is given back.
      const next = waiting.shift();
      if (next) next();
      else running -= 1;
    }
  };
}
