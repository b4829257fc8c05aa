// Asks Claude whether the key works at start and, while it does not, again now and then (the check is free), so a
// refused key shows before anyone writes and clears once the owner fixes it.
import type { Logger } from '../log/logger.ts';

const CLAUDE_RECHECK_MS = 60_000;
/**
 * The first check waits this long: it loads the Anthropic SDK and Node's fetch (~30-60 ms of CPU, ~15 MB), which
 * at once would compete with the first requests after a restart (the health check, the webhooks an update held).
 */
export const CLAUDE_FIRST_CHECK_MS = 500;

export function watchClaude(check: () => Promise<{ state: string }>, log: Logger): { stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const run = () => {
    check()
      .then((health) => {
        if (stopped || health.state === 'ok') return;
        log.warn({ claude: health }, 'claude is not usable; checking again in a minute');
        timer = setTimeout(run, CLAUDE_RECHECK_MS);
        timer.unref();
      })
      .catch(() => {});
  };
  timer = setTimeout(run, CLAUDE_FIRST_CHECK_MS);
  timer.unref();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
