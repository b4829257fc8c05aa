// Jobs and job runs in the datastore. Claiming a slot is creating its job_run row, unique on (job, slot), in
// the same transaction that moves the job past that slot: a slot runs at most once, across crashes too.
import { type RecordId, StringRecordId, type Surreal } from 'surrealdb';
import { transaction } from '../store/transaction.ts';
import { formatLocal } from './local-time.ts';
import type { Schedule } from './schedule.ts';

export interface JobRecord {
  id: RecordId;
  name: string;
  prompt: string;
  cron?: string;
  interval_s?: number;
  run_at?: Date;
  timezone: string;
  conversation: RecordId;
  chat_id?: string;
  channel?: string;
  /** The conversation's title (the contact's name), read with due jobs. */
  title?: string;
  enabled: boolean;
  next_run_at?: Date;
  last_slot?: Date;
  /** Why the job was turned off without running (e.g. a one-off dated in the past). */
  problem?: string;
  created_at: Date;
}

export function scheduleOf(job: JobRecord): Schedule {
  return {
    ...(job.cron ? { cron: job.cron } : {}),
    ...(job.interval_s ? { intervalS: job.interval_s } : {}),
    ...(job.run_at ? { runAt: new Date(job.run_at) } : {}),
    timezone: job.timezone || 'UTC',
    createdAt: new Date(job.created_at),
  };
}

export interface NewJob {
  name: string;
  prompt: string;
  cron?: string;
  intervalS?: number;
  runAt?: Date;
  timezone: string;
  conversation: RecordId;
  nextRunAt?: Date;
}

export async function createJob(db: Surreal, job: NewJob): Promise<JobRecord> {
  const [rows] = await db
    .query<[JobRecord[]]>(
      `CREATE job CONTENT { name: $name, prompt: $prompt, cron: $cron, interval_s: $interval_s, run_at: $run_at,
         timezone: $timezone, conversation: $conversation, enabled: true, next_run_at: $next_run_at,
         created_at: time::now() }`,
      {
        name: job.name,
        prompt: job.prompt,
        cron: job.cron,
        interval_s: job.intervalS,
        run_at: job.runAt,
        timezone: job.timezone,
        conversation: job.conversation,
        next_run_at: job.nextRunAt,
      },
    )
    .collect();
  return rows[0]!;
}

/** Enabled jobs, soonest first, with a human "when" in each job's own time zone. */
export async function listJobs(
  db: Surreal,
): Promise<{ id: string; name: string; prompt: string; when: string; next_run_at?: Date }[]> {
  const [rows] = await db
    .query<[JobRecord[]]>('SELECT * FROM job WHERE enabled = true ORDER BY next_run_at ASC LIMIT 100')
    .collect();
  return rows.map((job) => ({
    id: String(job.id),
    name: job.name,
    prompt: job.prompt,
    when: describeWhen(job),
    ...(job.next_run_at ? { next_run_at: job.next_run_at } : {}),
  }));
}

function describeWhen(job: JobRecord): string {
  const next = job.next_run_at
    ? `next ${formatLocal(new Date(job.next_run_at), job.timezone)} ${job.timezone}`
    : '';
  // In backticks: the cron asterisks must not turn into Markdown emphasis in the chat.
  if (job.cron) return `cron \`${job.cron}\`${next ? `, ${next}` : ''}`;
  if (job.interval_s) return `every ${Math.round(job.interval_s / 60)} min${next ? `, ${next}` : ''}`;
  return job.run_at ? `once at ${formatLocal(new Date(job.run_at), job.timezone)} ${job.timezone}` : next;
}

/** Disables a job by its id ("job:abc" or "abc"); false when there is no such enabled job. */
export async function cancelJob(db: Surreal, id: string): Promise<boolean> {
  const key = id.startsWith('job:') ? id : `job:${id}`;
  if (!/^job:[\w⟨⟩`-]+$/.test(key)) return false;
  const [rows] = await db
    .query<[unknown[]]>('UPDATE $id SET enabled = false WHERE enabled = true RETURN id', {
      id: new StringRecordId(key),
    })
    .collect();
  return rows.length > 0;
}

/** Enabled jobs whose next slot has come, and rows (from the desktop) that have no next slot yet. */
export async function dueJobs(db: Surreal, now: Date): Promise<JobRecord[]> {
  const [rows] = await db
    .query<[JobRecord[]]>(
      `SELECT *, conversation.chat_id AS chat_id, conversation.channel AS channel, conversation.title AS title
       FROM job WHERE enabled = true AND (next_run_at IS NONE OR next_run_at <= $now) LIMIT 200`,
      { now },
    )
    .collect();
  return rows;
}

export async function setNextRun(db: Surreal, job: RecordId, next: Date | undefined) {
  await db
    .query(
      next
        ? 'UPDATE $job SET next_run_at = $next'
        : // Nothing will ever be due (a one-off that ran, or an unusable schedule): keep it, but off.
          'UPDATE $job SET next_run_at = NONE, enabled = false',
      { job, next },
    )
    .collect();
}

/** Turns off a job that can never run as stored, saying why (shown with the job in the desktop). */
export async function disableJob(db: Surreal, job: RecordId, problem: string): Promise<void> {
  await db
    .query('UPDATE $job SET enabled = false, next_run_at = NONE, problem = $problem', {
      job,
      problem: problem.slice(0, 500),
    })
    .collect();
}

/**
 * Claims a slot; undefined when it was claimed before (a crash and restart, or two ticks racing) or the job is no
 * longer on (cancelled or deleted since the due jobs were read).
 */
export async function claimSlot(
  db: Surreal,
  job: RecordId,
  slot: Date,
  late: boolean,
  next: Date | undefined,
): Promise<RecordId | undefined> {
  try {
    return await transaction<RecordId>(
      db,
      // Only while the job is still on: it may have been cancelled or deleted since the due jobs were read.
      `LET $on = $job.enabled = true;
       LET $run = IF $on { (CREATE job_run CONTENT { job: $job, slot: $slot, status: 'running', late: $late,
         started_at: time::now() })[0].id } ELSE { NONE };
       IF $on { UPDATE $job SET last_slot = $slot, next_run_at = $next,
         enabled = IF $next = NONE { false } ELSE { enabled } };
       RETURN $run;`,
      { job, slot, late, next },
    );
  } catch (error) {
    // The unique index refused a second run of this slot; any other failure is a real error.
    const [existing] = await db
      .query<[unknown[]]>('SELECT VALUE id FROM job_run WHERE job = $job AND slot = $slot LIMIT 1', {
        job,
        slot,
      })
      .collect();
    if (existing.length > 0) {
      await setNextRun(db, job, next);
      return undefined;
    }
    throw error;
  }
}

export async function finishRun(
  db: Surreal,
  run: RecordId,
  outcome: { ok: boolean; durationMs: number; error?: string; message?: RecordId },
): Promise<void> {
  await db
    .query(
      `UPDATE $run SET status = $status, finished_at = time::now(), duration_ms = $duration, error = $error,
         message = $message`,
      {
        run,
        status: outcome.ok ? 'ok' : 'failed',
        duration: Math.round(outcome.durationMs),
        error: outcome.error?.slice(0, 2000),
        message: outcome.message,
      },
    )
    .collect();
}

/** The SQL that settles a run as ok in the transaction that stores its answer (see recordOutbound). */
export function settleRunStatement(run: RecordId, durationMs: number) {
  return {
    statement: `UPDATE $run SET status = 'ok', finished_at = time::now(), duration_ms = $duration, message = $created.id;`,
    vars: { run, duration: Math.round(durationMs) },
  };
}

export interface InterruptedRun {
  id: RecordId;
  job: JobRecord;
  slot: Date;
  late: boolean;
  attempts: number;
}

/**
 * Runs a crash left 'running'. Their answer was not stored (it is stored in the transaction that settles the
 * run), so running them again cannot deliver twice; after three attempts they are given up.
 */
export async function interruptedRuns(db: Surreal): Promise<InterruptedRun[]> {
  const [, rows] = await db
    .query<[unknown, InterruptedRun[]]>(
      `UPDATE job_run SET status = 'failed', finished_at = time::now(),
         error = 'Interrupted three times: the agent stopped while this run was in progress.'
         WHERE status = 'running' AND attempts >= 3;
       SELECT id, slot, late, attempts, job.*, job.conversation.chat_id AS chat_id,
         job.conversation.channel AS channel, job.conversation.title AS title FROM job_run
         WHERE status = 'running';`,
    )
    .collect();
  return rows.map((row) => {
    const raw = row as unknown as InterruptedRun & { chat_id?: string; channel?: string; title?: string };
    return {
      ...raw,
      job: { ...raw.job, chat_id: raw.chat_id, channel: raw.channel, title: raw.title } as JobRecord,
    };
  });
}

export async function countAttempt(db: Surreal, run: RecordId): Promise<void> {
  await db.query('UPDATE $run SET attempts += 1', { run }).collect();
}
