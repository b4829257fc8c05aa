// A job's slot is claimed only while the job is still on: the scheduler reads the due jobs, then claims each one's
// slot, and the owner may cancel a job (or the desktop turn it off) in between. A cancelled job must not run.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RecordId } from 'surrealdb';
import { cancelJob, claimSlot, createJob, dueJobs } from '../../../agent-core/jobs/job-store.ts';
import { datastoreWithSchema } from '../../helpers/schema-datastore.ts';

const store = datastoreWithSchema();

async function runsOf(job: RecordId): Promise<unknown[]> {
  const [rows] = await store.db
    .query<[unknown[]]>('SELECT VALUE id FROM job_run WHERE job = $job', { job })
    .collect();
  return rows;
}

async function dueJob(name: string) {
  const job = await createJob(store.db, {
    name,
    prompt: 'say hello',
    intervalS: 3600,
    timezone: 'UTC',
    conversation: new RecordId('conversation', `telegram_${name}`),
    nextRunAt: new Date(Date.now() - 1000),
  });
  const [due] = (await dueJobs(store.db, new Date())).filter((row) => String(row.id) === String(job.id));
  assert.ok(due, 'the job is due');
  return job;
}

test('a job cancelled after the due jobs were read is not claimed, and no run of it is recorded', async () => {
  const job = await dueJob('cancelled-meanwhile');
  assert.equal(await cancelJob(store.db, String(job.id)), true);
  const slot = new Date(Date.now() - 1000);
  const run = await claimSlot(store.db, job.id, slot, false, new Date(Date.now() + 3_600_000));
  assert.equal(run, undefined, 'the cancelled job would have run');
  assert.deepEqual(await runsOf(job.id), []);
  const [enabled] = await store.db.query<[unknown]>('RETURN $job.enabled', { job: job.id }).collect();
  assert.equal(enabled, false, 'the claim must not turn the job back on');
});

test('a job deleted after the due jobs were read is not claimed', async () => {
  const job = await dueJob('deleted-meanwhile');
  await store.db.query('DELETE $job', { job: job.id }).collect();
  const run = await claimSlot(store.db, job.id, new Date(Date.now() - 1000), false, undefined);
  assert.equal(run, undefined);
  assert.deepEqual(await runsOf(job.id), []);
  const [left] = await store.db.query<[unknown]>('RETURN $job.id', { job: job.id }).collect();
  assert.equal(left, undefined, 'the claim must not bring the deleted job back');
});

test('a job still on is claimed once per slot', async () => {
  const job = await dueJob('still-on');
  const slot = new Date(Date.now() - 1000);
  const next = new Date(Date.now() + 3_600_000);
  const run = await claimSlot(store.db, job.id, slot, false, next);
  assert.ok(run instanceof RecordId, 'the job that is on is claimed');
  assert.equal(await claimSlot(store.db, job.id, slot, false, next), undefined, 'a slot is claimed once');
  assert.equal((await runsOf(job.id)).length, 1);
});
