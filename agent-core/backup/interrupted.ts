// Work a running agent had in flight when a backup was read: after the snapshot that agent went on and finished it
// (answered the message, sent the reply, ran the job), so a restored agent must not do it a second time. It is
// marked failed with the reason, where the desktop shows it and the owner can send a reply again if it matters.
import type { Surreal } from 'surrealdb';

export const INTERRUPTED_REASON =
  'in progress when the backup was taken; not redone after the restore (the agent it came from may have finished it)';

/** Per table: which rows were in flight and how they are closed. Tables a datastore lacks are skipped. */
const RULES: { table: string; statement: string }[] = [
  {
    table: 'message',
    statement: `UPDATE message SET status = 'failed', error = $reason, updated_at = time::now()
      WHERE status IN ['received', 'processing', 'pending'] RETURN NONE`,
  },
  {
    table: 'job_run',
    statement: `UPDATE job_run SET status = 'failed', error = $reason, finished_at = time::now()
      WHERE status = 'running' RETURN NONE`,
  },
  {
    table: 'event',
    statement: `UPDATE event SET status = 'failed', error = $reason WHERE status = 'received' RETURN NONE`,
  },
  {
    table: 'mail',
    statement: `UPDATE mail SET status = 'failed', error = $reason WHERE status = 'new' RETURN NONE`,
  },
];

const COUNTS: Record<string, string> = {
  message: `count(SELECT id FROM message WHERE status IN ['received', 'processing', 'pending'])`,
  job_run: `count(SELECT id FROM job_run WHERE status = 'running')`,
  event: `count(SELECT id FROM event WHERE status = 'received')`,
  mail: `count(SELECT id FROM mail WHERE status = 'new')`,
};

/** Closes the in-flight work of a live snapshot; returns how many rows of each table were closed. */
export async function closeInterruptedWork(
  db: Surreal,
  tables: ReadonlySet<string>,
): Promise<Record<string, number>> {
  const rules = RULES.filter((rule) => tables.has(rule.table));
  if (!rules.length) return {};
  const counted = await db
    .query(rules.map((rule) => `RETURN ${COUNTS[rule.table]};`).join('\n'))
    .collect<number[]>();
  await db
    .query(`BEGIN;\n${rules.map((rule) => `${rule.statement};`).join('\n')}\nCOMMIT;`, {
      reason: INTERRUPTED_REASON,
    })
    .collect();
  return Object.fromEntries(rules.map((rule, i) => [rule.table, Number(counted[i] ?? 0)]));
}
