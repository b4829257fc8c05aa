// A full garbage collection on demand, for when memory is short under a hard limit. V8 sizes its heap from the
// machine (or the group's limit at start) and collects lazily: with a backlog moving through, the heap keeps tens of
// megabytes of garbage that the kernel counts against the unit's MemoryMax all the same. One full collection gives
// those pages back. V8 offers it only as the `gc` function of --expose-gc; the flag, set after start, is seen by
// new contexts, which is where the function is taken from (the same way the `expose-gc` package does it).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | undefined;

export function collectGarbage(): void {
  if (!gc) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
}
