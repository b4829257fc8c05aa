// The parts of a program that have started, each with its stop: stopped stage by stage, and within a stage in the
// reverse of the order they started in; a part that fails to start stops every part started before it.
import { errorMessage } from './error-message.ts';

type Stop = () => unknown;

/** One part to start: `stop` is left out for a step that leaves nothing running. */
export interface PartSpec<S extends string, T = unknown> {
  name: string;
  start: () => T | Promise<T>;
  stop?(started: T): unknown;
  /** The stage it stops in; the last stage when left out. */
  stage?: S;
}

/** A part failed to start; the parts started before it are stopped. `error` is what the part threw. */
export class PartStartError extends Error {
  override readonly name = 'PartStartError';
  constructor(
    /** The part that failed to start. */
    readonly part: string,
    readonly error: unknown,
    /** Parts that failed to stop while the start was undone. */
    readonly stopFailures: PartStopFailure[] = [],
  ) {
    super(`${part} did not start: ${errorMessage(error)}`);
  }
}

/** What each part's start gave, in the order of the parts. */
export type Started<P extends readonly PartSpec<string>[]> = {
  -readonly [K in keyof P]: Awaited<ReturnType<P[K]['start']>>;
};

/** A part with its started value's type known to its stop (a list of parts types each stop as unknown). */
export function part<S extends string, T>(spec: PartSpec<S, T>): PartSpec<S, T> {
  return spec;
}

export interface PartStopFailure {
  part: string;
  error: unknown;
}

/** Parts that failed to stop; every other part was stopped all the same. */
export class PartsStopError extends Error {
  override readonly name = 'PartsStopError';
  constructor(readonly failures: PartStopFailure[]) {
    super(
      `could not stop ${failures.map((failure) => `${failure.part} (${errorMessage(failure.error)})`).join(', ')}`,
    );
  }
}

export class StartedParts<S extends string> {
  readonly #stages: readonly S[];
  readonly #started: { name: string; stage: number; stop: Stop }[] = [];
  /** How long each part took to start, ms, in the order they finished (the "ready" log line shows them). */
  readonly startTimes: Record<string, number> = {};
  #stopping: Promise<PartStopFailure[]> | undefined;

  /** `stages`: the order stages stop in; a part's stage says which stop first (stop taking input before work). */
  constructor(stages: readonly S[]) {
    if (stages.length === 0) throw new Error('StartedParts needs at least one stage');
    this.#stages = stages;
  }

  /** Starts one part and remembers its stop; a failed start stops what started before and throws PartStartError. */
  async start<T>(part: PartSpec<S, T>): Promise<T> {
    const [started] = await this.startTogether([part]);
    return started;
  }

  /**
   * Starts parts at the same time (for steps that do not depend on each other) and remembers their stops in the
   * order given, whichever finished first. If one fails, the others are let finish, then everything stops.
   */
  async startTogether<const P extends readonly PartSpec<S>[]>(parts: P): Promise<Started<P>> {
    if (this.#stopping)
      throw new Error(`cannot start ${parts.map((part) => part.name).join(', ')}: stopping`);
    const results = await Promise.allSettled(
      parts.map(async (part) => {
        const began = performance.now();
        try {
          return await part.start();
        } finally {
          this.startTimes[part.name] = Math.round((performance.now() - began) * 10) / 10;
        }
      }),
    );
    let failed: { part: string; error: unknown } | undefined;
    results.forEach((result, index) => {
      const part = parts[index]!;
      if (result.status === 'rejected') failed ??= { part: part.name, error: result.reason };
      else if (part.stop) this.add(part.name, () => part.stop?.(result.value), part.stage);
    });
    if (failed) throw await this.abandon(failed.part, failed.error);
    return results.map((result) => (result.status === 'fulfilled' ? result.value : undefined)) as Started<P>;
  }

  /** Remembers the stop of a part that is already running (or was made without a start). */
  add(name: string, stop: Stop, stage?: S): void {
    const index = stage === undefined ? this.#stages.length - 1 : this.#stages.indexOf(stage);
    if (index < 0) throw new Error(`${name}: unknown stage ${stage}`);
    this.#started.push({ name, stage: index, stop });
  }

  /**
   * For a start that failed outside start(): stops what started and gives the error to throw (`cause` itself when
   * it is already one: its parts are stopped).
   */
  async abandon(part: string, cause: unknown): Promise<PartStartError> {
    const failures = await this.#stopAll();
    return cause instanceof PartStartError ? cause : new PartStartError(part, cause, failures);
  }

  /**
   * Stops every part: stage by stage, the last started first within a stage, each after the one before has
   * stopped. A part that fails to stop does not keep the others running; the failures are thrown at the end.
   * Calling it again waits for the same stop.
   */
  async stop(): Promise<void> {
    const failures = await this.#stopAll();
    if (failures.length > 0) throw new PartsStopError(failures);
  }

  #stopAll(): Promise<PartStopFailure[]> {
    this.#stopping ??= (async () => {
      const failures: PartStopFailure[] = [];
      const order = this.#started
        .map((part, index) => ({ part, index }))
        .sort((a, b) => a.part.stage - b.part.stage || b.index - a.index);
      for (const { part } of order) {
        try {
          await part.stop();
        } catch (error) {
          failures.push({ part: part.name, error });
        }
      }
      return failures;
    })();
    return this.#stopping;
  }
}
