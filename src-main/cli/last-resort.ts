// The last line of defence of a long-running `mono` process (`mono start`): an exception nothing caught is logged
// (with every known secret redacted) and the process stops cleanly — the local agent with it — instead of dying
// silently or running on in an unknown state. A promise nobody awaited is logged and the process keeps serving.

export interface LastResortDeps {
  log(line: string): void;
  /** Replaces secret values in a text (the vault's, once unlocked). */
  redact(text: string): string;
  /** Stops what the process runs; the process exits with 1 once it is done (or after `graceMs`). */
  stop(): Promise<void>;
  exit(code: number): void;
  graceMs?: number;
}

type ProcessLike = Pick<NodeJS.Process, 'on' | 'off'>;

export function describeFailure(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return String(error);
}

export function installLastResort(target: ProcessLike, deps: LastResortDeps): () => void {
  let stopping = false;
  const onException = (error: unknown) => {
    deps.log(`mono: unexpected error, stopping MONO: ${deps.redact(describeFailure(error))}`);
    if (stopping) return;
    stopping = true;
    const timer = setTimeout(() => deps.exit(1), deps.graceMs ?? 8_000);
    timer.unref?.();
    void deps
      .stop()
      .catch(() => {})
      .finally(() => {
        clearTimeout(timer);
        deps.exit(1);
      });
  };
  const onRejection = (reason: unknown) => {
    deps.log(`mono: a background task failed (MONO keeps running): ${deps.redact(describeFailure(reason))}`);
  };
  target.on('uncaughtException', onException);
  target.on('unhandledRejection', onRejection);
  return () => {
    target.off('uncaughtException', onException);
    target.off('unhandledRejection', onRejection);
  };
}
