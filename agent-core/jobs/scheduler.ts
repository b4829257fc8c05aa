// The scheduler: every tick it picks the jobs whose next slot has come, claims the slot (at most once, see
// job-store.ts) and runs the job's prompt through the assistant; the answer goes to the job's conversation.
// A job runs with the privileges of the person in that conversation: in a guest's chat, no owner tools and no
// owner memory. Timers live here; the math is in schedule.ts.
import type { Surreal } from 'surrealdb';
import type { Assistant } from '../agent/assistant.ts';
import { BudgetExceededError } from '../budget/ledger.ts';
import { recordUsage } from '../budget/usage.ts';
import type { ChannelName } from '../contract/tables.ts';
import type { Logger } from '../log/logger.ts';
import { printable } from '../log/printable.ts';
import { type MessageRecord, recordOutbound } from '../store/messages.ts';
import { confirmationPrompt } from '../tools/confirmations.ts';
import {
  claimSlot,
  countAttempt,
  disableJob,
  dueJobs,
  finishRun,
  interruptedRuns,
  type JobRecord,
  scheduleOf,
  setNextRun,
  settleRunStatement,
} from './job-store.ts';
import { formatLocal } from './local-time.ts';
import { dueSlot, nextSlot, scheduleProblem } from './schedule.ts';

export interface SchedulerDeps {
  db: Surreal;
  log: Logger;
  assistant: Assistant;
  deliver(message: MessageRecord, chatId: string): void;
  tickMs: number;
  lateAfterMs: number;
  /** The wall clock (tests move it; the system's may jump when NTP steps it). Default: the system clock. */
  now?: () => Date;
  /** False while no new work may start (the disk is nearly full); due slots wait for a later tick. */
  mayStart?: () => boolean;
}

/** A tick that finds the wall clock this far from where the monotonic clock says it should be logs a jump. */
const CLOCK_JUMP_MS = 30_000;

export class Scheduler {
  #timer: NodeJS.Timeout | undefined;
  #ticking: Promise<void> | undefined;
  readonly #running = new Map<string, Promise<void>>();
  readonly #stop = new AbortController();
  #lastTick: { wall: number; mono: number } | undefined;

  constructor(private readonly deps: SchedulerDeps) {}

  async start(): Promise<void> {
    // Runs a crash interrupted have no stored answer yet: run them again (their slot stays claimed).
    for (const run of await interruptedRuns(this.deps.db)) {
      this.deps.log.warn(
        { job: String(run.job.id), slot: new Date(run.slot).toISOString() },
        'job run interrupted by the last stop; running it again',
      );
      await countAttempt(this.deps.db, run.id);
      const key = String(run.job.id);
      const work = this.#run(run.job, run.id, new Date(run.slot), run.late).finally(() =>
        this.#running.delete(key),
      );
      this.#running.set(key, work);
    }
    // Jobs that came due while the agent was down run now (one-offs late, recurring ones once).
    await this.tick();
    this.#timer = setInterval(() => void this.tick(), this.deps.tickMs);
    this.#timer.unref();
  }

  /** Looks for due jobs now (after a job was created), instead of at the next tick. */
  wake(): void {
    setImmediate(() => void this.tick());
  }

  async stop(graceMs: number): Promise<void> {
    clearInterval(this.#timer);
    this.#stop.abort();
    await Promise.race([
      Promise.allSettled([this.#ticking, ...this.#running.values()]),
      new Promise((resolve) => setTimeout(resolve, graceMs).unref()),
    ]);
  }

  tick(): Promise<void> {
    if (this.#stop.signal.aborted) return Promise.resolve();
    // One tick at a time: a slow datastore must not start overlapping ticks.
    this.#ticking ??= this.#tick()
      .catch((error) => this.deps.log.error({ err: error }, 'scheduler tick failed'))
      .finally(() => {
        this.#ticking = undefined;
      });
    return this.#ticking;
  }

  async #tick(): Promise<void> {
    const { db, log } = this.deps;
    if (await this.deps.assistant.pause.paused()) return;
    if (this.deps.mayStart && !this.deps.mayStart()) return;
    const now = this.#now();
    for (const job of await dueJobs(db, now)) {
      if (this.#stop.signal.aborted) return;
      const key = String(job.id);
      if (this.#running.has(key)) continue; // the previous slot is still running: this one waits
      const schedule = scheduleOf(job);
      const problem = scheduleProblem(schedule);
      if (problem) {
        log.warn({ job: key, problem }, 'job has an unusable schedule; disabled');
        await disableJob(db, job.id, problem);
        continue;
      }
      const due = dueSlot(
        schedule,
        job.last_slot ? new Date(job.last_slot) : undefined,
        now,
        this.deps.lateAfterMs,
      );
      if (!due) {
        // Not due yet (a new row from the desktop): remember when it will be.
        await setNextRun(db, job.id, nextSlot(schedule, job.last_slot ? new Date(job.last_slot) : now));
        continue;
      }
      const run = await claimSlot(db, job.id, due.slot, due.late, due.next);
      if (!run) continue;
      log.info({ job: key, slot: due.slot.toISOString(), late: due.late }, 'job due');
      const work = this.#run(job, run, due.slot, due.late).finally(() => this.#running.delete(key));
      this.#running.set(key, work);
    }
  }

  /**
   * The wall clock, and a log line when it jumped since the last tick. A jump needs nothing else: a slot is claimed
   * once (job-store.ts), so going back never repeats one, and going forward makes the slots it passed due now, where
   * the usual catch-up rule (the latest slot, once) applies.
   */
  #now(): Date {
    const now = this.deps.now?.() ?? new Date();
    const mono = performance.now();
    const last = this.#lastTick;
    if (last) {
      const drift = now.getTime() - (last.wall + (mono - last.mono));
      if (Math.abs(drift) > CLOCK_JUMP_MS)
        this.deps.log.warn({ by_s: Math.round(drift / 1000) }, 'the system clock jumped');
    }
    this.#lastTick = { wall: now.getTime(), mono };
    return now;
  }

  async #run(job: JobRecord, run: JobRecord['id'], slot: Date, late: boolean): Promise<void> {
    const { db, log, assistant } = this.deps;
    const started = performance.now();
    const finish = (ok: boolean, error?: string) =>
      finishRun(db, run, { ok, durationMs: performance.now() - started, ...(error ? { error } : {}) });
    try {
      if (!assistant.configured) return await finish(false, 'ANTHROPIC_API_KEY is not set.');
      const gate = await assistant.budgetGate();
      if (!gate.ok) {
        if (gate.notice) await assistant.notifyOwner(gate.notice);
        return await finish(false, `Skipped: the ${gate.state.period} budget cap is reached.`);
      }
      const channel = job.channel as ChannelName;
      const chatId = job.chat_id;
      if (!channel || !chatId) return await finish(false, 'The job’s conversation does not exist.');
      const when = formatLocal(slot, job.timezone);
      // In private chats the chat id is the person's id.
      const isOwner = assistant.owner.isOwner(channel, chatId);
      const audience = isOwner
        ? 'the owner'
        : `${printable(job.title, 60) || 'the person in this chat'} (a guest of the owner, not the owner)`;
      const instruction =
        `[Scheduled job "${job.name}", due ${when} ${job.timezone}${late ? ', running late because MONO was offline' : ''}]\n` +
        `${job.prompt}\n\nWrite the message to send to ${audience} now.`;
      const result = await assistant.respond({
        conversation: job.conversation,
        channel,
        chatId,
        isOwner,
        messages: [{ role: 'user', content: instruction }],
        recallQuery: job.prompt,
        signal: this.#stop.signal,
      });
      if (result.usage) await recordUsage(db, result.usage, result.calls);
      const answer = [
        result.text || job.prompt,
        ...(result.awaiting.length > 0 ? [confirmationPrompt(result.awaiting, result.untrusted.seen)] : []),
      ].join('\n\n');
      const text = late ? `(Late — I was offline at ${when}.)\n${answer}` : answer;
      // The answer and the run's success are one transaction: a crash leaves either both or neither.
      const message = await recordOutbound(
        db,
        {
          channel,
          chatId,
          role: 'assistant',
          text,
          ...(result.usage ? { usage: result.usage } : {}),
          toolCalls: result.toolCalls,
          untrusted: result.untrusted.found,
        },
        settleRunStatement(run, performance.now() - started),
      );
      this.deps.deliver(message, chatId);
    } catch (error) {
      // Stopping: the run stays 'running' and runs again at the next start.
      if (this.#stop.signal.aborted) return;
      if (error instanceof BudgetExceededError) {
        const notice = await assistant.budgetNotice(error.state).catch(() => undefined);
        if (notice) await assistant.notifyOwner(notice).catch(() => false);
        return await finish(false, `Skipped: the ${error.state.period} budget cap is reached.`).catch(
          () => {},
        );
      }
      const reason = error instanceof Error ? error.message : String(error);
      log.error({ job: String(job.id), reason }, 'job failed');
      await finish(false, reason).catch(() => {});
    }
  }
}
