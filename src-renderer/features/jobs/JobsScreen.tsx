// Jobs: scheduled and one-off tasks the agent runs by itself — list, create, pause, delete, and run history.
import { useEffect, useState } from 'react';
import type { JobRow } from '../../../agent-core/contract/tables.ts';
import { Icon } from '../../components/icons.tsx';
import {
  Badge,
  Button,
  Card,
  EmptyState,
  ErrorState,
  PageHeader,
  Spinner,
  Switch,
} from '../../components/ui.tsx';
import { clock, timeAgo } from '../../lib/format.ts';
import { act, loaders, selectJob } from '../../store/actions.ts';
import { useStore } from '../../store/store.ts';
import { JobForm } from './JobForm.tsx';
import { describeSchedule } from './schedule.ts';

export function JobsScreen() {
  const jobs = useStore((s) => s.jobs);
  const selectedJob = useStore((s) => s.selectedJob);
  const [creating, setCreating] = useState(false);

  useEffect(() => {
    void loaders.jobs();
    if (useStore.getState().conversations.status === 'idle') void loaders.conversations();
  }, []);

  return (
    <div className="page">
      <PageHeader
        title="Jobs"
        subtitle="Things your agent does on its own: a morning briefing, a weekly summary, a reminder."
        actions={
          !creating && (
            <Button kind="primary" onClick={() => setCreating(true)}>
              New job
            </Button>
          )
        }
      />
      {creating && <JobForm onDone={() => setCreating(false)} />}
      {jobs.status === 'loading' && <Spinner label="Loading jobs…" />}
      {jobs.status === 'error' && (
        <ErrorState message={jobs.error ?? ''} onRetry={() => void loaders.jobs()} />
      )}
      {jobs.status === 'ready' && jobs.items.length === 0 && !creating && (
        <EmptyState
          icon={<Icon.Clock />}
          title="No jobs yet"
          action={
            <Button kind="primary" onClick={() => setCreating(true)}>
              Create your first job
            </Button>
          }
        >
          Ask your agent to do something every morning, or once at a given time.
        </EmptyState>
      )}
      {jobs.items.length > 0 && (
        <Card>
          <ul className="rows">
            {jobs.items.map((job) => (
              <JobItem key={job.id} job={job} open={selectedJob === job.id} />
            ))}
          </ul>
        </Card>
      )}
    </div>
  );
}

function JobItem({ job, open }: { job: JobRow; open: boolean }) {
  const runs = useStore((s) => s.jobRuns);
  const [confirming, setConfirming] = useState(false);
  // A one-off that has run is finished, not paused.
  const done = Boolean(job.run_at && !job.enabled && job.last_slot);
  return (
    <li className={`job${open ? ' job-open' : ''}`} data-testid="job">
      <div className="row-item">
        <span className={`job-icon${job.enabled ? '' : ' job-paused'}`}>
          <Icon.Clock />
        </span>
        <button type="button" className="row-main row-button" onClick={() => void selectJob(job.id)}>
          <strong>{job.name}</strong>
          <small>
            {describeSchedule(job)}
            {job.enabled && job.next_run_at
              ? ` · next ${new Date(job.next_run_at).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' })}`
              : ''}
          </small>
        </button>
        {done ? (
          <Badge tone="good">done</Badge>
        ) : (
          <>
            {!job.enabled && <Badge>paused</Badge>}
            <Switch
              checked={job.enabled}
              label={`${job.enabled ? 'Pause' : 'Resume'} ${job.name}`}
              onChange={(enabled) => void act.setJobEnabled(job.id, enabled)}
            />
          </>
        )}
        {confirming ? (
          <>
            <Button small kind="danger" onClick={() => void act.deleteJob(job.id)}>
              Delete
            </Button>
            <Button small kind="ghost" onClick={() => setConfirming(false)}>
              Keep
            </Button>
          </>
        ) : (
          <Button small kind="ghost" onClick={() => setConfirming(true)}>
            Delete…
          </Button>
        )}
      </div>
      {open && (
        <div className="job-detail">
          <p className="job-prompt">“{job.prompt}”</p>
          <h3 className="subhead">Run history</h3>
          {runs.status === 'loading' && <Spinner />}
          {runs.status === 'ready' && runs.items.length === 0 && <p className="muted">It has not run yet.</p>}
          <ul className="runs">
            {runs.items.map((run) => (
              <li key={run.id}>
                <Badge tone={run.status === 'ok' ? 'good' : run.status === 'failed' ? 'bad' : 'info'}>
                  {run.status}
                </Badge>
                <span>
                  {timeAgo(run.started_at)} · {clock(run.started_at)}
                </span>
                {run.duration_ms !== undefined && (
                  <span className="muted">{(run.duration_ms / 1000).toFixed(1)} s</span>
                )}
                {run.late && <Badge tone="warn">caught up</Badge>}
                {run.error && <span className="field-error">{run.error}</span>}
              </li>
            ))}
          </ul>
        </div>
      )}
    </li>
  );
}
