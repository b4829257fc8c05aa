// Tools: create, list and cancel scheduled jobs and reminders. Plain language ("tomorrow at 9", "every Monday
// at 8") is turned into a local datetime or a cron expression by Claude, guided by this input schema.
import type { Owner } from '../agent/owner.ts';
import { cancelJob, createJob, listJobs } from '../jobs/job-store.ts';
import { formatLocal, isTimeZone, localToInstant } from '../jobs/local-time.ts';
import { nextSlot, type Schedule, scheduleProblem } from '../jobs/schedule.ts';
import type { AgentTool } from './tool.ts';

export interface JobToolDeps {
  owner: Owner;
  /** Tells the scheduler to look now (a reminder in a minute should not wait for the next tick). */
  wake(): void;
}

export function jobTools(deps: JobToolDeps): AgentTool[] {
  const create: AgentTool = {
    name: 'create_job',
    ownerOnly: true,
    describeAction: (input) => {
      const timezone = str(input.timezone) ?? deps.owner.timezone();
      const when = str(input.run_at)
        ? `once at ${str(input.run_at)} ${timezone}`
        : str(input.cron)
          ? `on the schedule \`${str(input.cron)}\` (${timezone})`
          : `every ${String(input.interval_minutes)} minutes`;
      return `Create the job "${str(input.name) ?? ''}", ${when}, with the instruction:\n\n${str(input.prompt) ?? ''}`;
    },
    description:
      'Schedule a reminder or a recurring job. When it is due, you receive `prompt` as an instruction and your ' +
      'answer is sent to this chat. Give exactly one of run_at (once), cron (recurring at set times) or ' +
      'interval_minutes (recurring every N minutes). Use current_time first if you need today’s date.',
    inputSchema: {
      type: 'object',
      properties: {
        name: { type: 'string', description: 'A short title, e.g. "Call the bank".' },
        prompt: {
          type: 'string',
          description:
            'What to do when due, as an instruction to yourself, e.g. "Remind the owner to call the bank." or ' +
            '"Send the owner an overview of their week."',
        },
        run_at: {
          type: 'string',
          description:
            'For a one-off: local date and time in `timezone`, ISO 8601 without offset, e.g. 2026-11-26T09:00.',
        },
        cron: {
          type: 'string',
          description:
            'For recurring jobs: a five-field cron expression in `timezone`, e.g. "0 8 * * 1" for Mondays at 08:00.',
        },
        interval_minutes: {
          type: 'integer',
          minimum: 1,
          description: 'For recurring jobs: every N minutes.',
        },
        timezone: {
          type: 'string',
          description: "IANA time zone, e.g. Europe/Berlin. Default: the owner's.",
        },
      },
      required: ['name', 'prompt'],
    },
    async run(input, context) {
      const name = str(input.name)?.slice(0, 200);
      const prompt = str(input.prompt)?.slice(0, 4000);
      if (!name || !prompt) return { content: 'Give a name and a prompt.', isError: true };
      const timezone = str(input.timezone) ?? deps.owner.timezone();
      if (!isTimeZone(timezone)) return { content: `Unknown time zone "${timezone}".`, isError: true };
      const runAtText = str(input.run_at);
      const runAt = runAtText ? localToInstant(runAtText, timezone) : undefined;
      if (runAtText && !runAt)
        return {
          content: `run_at "${runAtText}" is not a date and time like 2026-11-26T09:00.`,
          isError: true,
        };
      const minutes = typeof input.interval_minutes === 'number' ? input.interval_minutes : undefined;
      const schedule: Schedule = {
        ...(str(input.cron) ? { cron: str(input.cron)! } : {}),
        ...(minutes !== undefined ? { intervalS: Math.round(minutes * 60) } : {}),
        ...(runAt ? { runAt } : {}),
        timezone,
        createdAt: context.now,
      };
      const problem = scheduleProblem(schedule);
      if (problem) return { content: problem, isError: true };
      const next = runAt ?? nextSlot(schedule, context.now);
      const job = await createJob(context.db, {
        name,
        prompt,
        ...(schedule.cron ? { cron: schedule.cron } : {}),
        ...(schedule.intervalS ? { intervalS: schedule.intervalS } : {}),
        ...(runAt ? { runAt } : {}),
        timezone,
        conversation: context.conversation,
        ...(next ? { nextRunAt: next } : {}),
      });
      deps.wake();
      return {
        content: {
          id: String(job.id),
          name,
          next_run: next ? `${formatLocal(next, timezone)} ${timezone}` : undefined,
          recurring: !runAt,
        },
      };
    },
  };

  const list: AgentTool = {
    name: 'list_jobs',
    ownerOnly: true,
    readOnly: true,
    description: 'List the scheduled jobs and reminders that are still active, with their ids.',
    inputSchema: { type: 'object', properties: {} },
    async run(_input, context) {
      const jobs = await listJobs(context.db);
      return { content: jobs.map(({ id, name, prompt, when }) => ({ id, name, prompt, when })) };
    },
  };

  const cancel: AgentTool = {
    name: 'cancel_job',
    ownerOnly: true,
    describeAction: (input) => `Cancel the job ${str(input.id) ?? '(no id given)'}`,
    description: 'Cancel a scheduled job or reminder by its id (from list_jobs).',
    inputSchema: {
      type: 'object',
      properties: { id: { type: 'string', description: 'The job id, e.g. job:abc123.' } },
      required: ['id'],
    },
    async run(input, context) {
      const id = str(input.id);
      if (!id) return { content: 'Give the job id.', isError: true };
      return (await cancelJob(context.db, id))
        ? { content: `Cancelled ${id}.` }
        : { content: `There is no active job ${id}.`, isError: true };
    },
  };
  return [create, list, cancel];
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() ? value.trim() : undefined;
}
