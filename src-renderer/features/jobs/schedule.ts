// A job's schedule in words ("Every day at 07:30"), from its cron, interval or one-off time.
import type { JobRow } from '../../../agent-core/contract/tables.ts';
import { currentTimeZone } from '../../../agent-core/jobs/local-time.ts';

export function describeSchedule(
  job: Pick<JobRow, 'cron' | 'run_at' | 'interval_s'> & { timezone?: string },
  here = currentTimeZone(),
): string {
  if (job.run_at)
    return `Once, ${new Date(job.run_at).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })}`;
  if (job.interval_s) return `Every ${Math.round(job.interval_s / 60)} min`;
  const cron = job.cron ?? '';
  // A cron's hours are the job's zone's; said with it when this computer's clock is another one.
  const zone = job.timezone && job.timezone !== here ? ` (${job.timezone})` : '';
  const daily = /^(\d{1,2}) (\d{1,2}) \* \* \*$/.exec(cron);
  if (daily) return `Every day at ${daily[2]?.padStart(2, '0')}:${daily[1]?.padStart(2, '0')}${zone}`;
  const weekdays = /^(\d{1,2}) (\d{1,2}) \* \* 1-5$/.exec(cron);
  if (weekdays) return `Weekdays at ${weekdays[2]?.padStart(2, '0')}:${weekdays[1]?.padStart(2, '0')}${zone}`;
  return `Schedule ${cron}${zone}`;
}
