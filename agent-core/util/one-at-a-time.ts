// Runs async work one piece after the other: each starts once the one before has settled, failed or not (a failure
// is its caller's error). For writes that must not overlap: concurrent ones may conflict or commit in either order.
export type OneAtATime = <T>(work: () => Promise<T>) => Promise<T>;

export function oneAtATime(): OneAtATime {
  let tail: Promise<unknown> = Promise.resolve();
  return (work) => {
    const next = tail.then(work, work);
    tail = next.catch(() => {});
    return next;
  };
}
