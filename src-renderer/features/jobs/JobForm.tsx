// Creating a job: what to do, when (every day at a time, a custom schedule, or once), and which chat gets it.
import { useEffect, useState } from 'react';
import type { ConversationRow } from '../../../agent-core/contract/tables.ts';
import { currentTimeZone } from '../../../agent-core/jobs/local-time.ts';
import { Icon } from '../../components/icons.tsx';
import { Button, Card, Field } from '../../components/ui.tsx';
import { mono } from '../../lib/mono.ts';
import { useAction } from '../../lib/use-action.ts';
import { act } from '../../store/actions.ts';
import { useStore } from '../../store/store.ts';

type When = 'daily' | 'cron' | 'once';

export function JobForm({ onDone }: { onDone: () => void }) {
  // Every conversation, whatever the Conversations screen is searching for.
  const [conversations, setConversations] = useState<ConversationRow[]>(() =>
    useStore.getState().search ? [] : useStore.getState().conversations.items,
  );
  useEffect(() => {
    void mono.conversation
      .list()
      .then(setConversations)
      .catch(() => {});
  }, []);
  const [name, setName] = useState('');
  const [prompt, setPrompt] = useState('');
  const [when, setWhen] = useState<When>('daily');
  const [time, setTime] = useState('08:00');
  const [cron, setCron] = useState('0 8 * * 1-5');
  const [once, setOnce] = useState('');
  const [conversation, setConversation] = useState(conversations[0]?.id ?? '');
  const { busy, error, run } = useAction();

  // The picker's own limit, and the same check before sending: a one-off in the past would never run.
  const earliest = localMinute(new Date());
  const past = when === 'once' && once !== '' && once < earliest;

  function submit(event: React.FormEvent) {
    event.preventDefault();
    void run(async () => {
      if (when === 'once' && once < localMinute(new Date())) {
        throw new Error('This date and time has passed. Choose a moment from now on.');
      }
      const [hour, minute] = time.split(':').map(Number);
      const schedule =
        when === 'once'
          ? { runAt: new Date(once).toISOString() }
          : { cron: when === 'daily' ? `${minute ?? 0} ${hour ?? 8} * * *` : cron };
      await act.createJob({
        name,
        prompt,
        ...schedule,
        timezone: currentTimeZone(),
        conversation: conversation || (conversations[0]?.id ?? ''),
      });
      onDone();
    });
  }

  if (conversations.length === 0) {
    return (
      <Card title="New job">
        <div className="info-box">
          A job sends its result to one of your conversations. Write to your bot once on Telegram, then come
          back here.
        </div>
        <div className="form-actions">
          <Button kind="ghost" onClick={onDone}>
            Close
          </Button>
        </div>
      </Card>
    );
  }

  return (
    <Card title="New job" className="card-accent">
      <form className="form form-grid" onSubmit={submit}>
        <Field label="Name">
          {(id) => (
            <input
              id={id}
              placeholder="Morning briefing"
              value={name}
              onChange={(e) => setName(e.target.value)}
            />
          )}
        </Field>
        <Field label="Send the result to">
          {(id) => (
            <select id={id} value={conversation} onChange={(e) => setConversation(e.target.value)}>
              {conversations.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.title} ({c.channel})
                </option>
              ))}
            </select>
          )}
        </Field>
        <div className="span-all">
          <Field label="What should your agent do?">
            {(id) => (
              <textarea
                id={id}
                rows={3}
                placeholder="Summarise my unread email and today's calendar in five bullet points."
                value={prompt}
                onChange={(e) => setPrompt(e.target.value)}
              />
            )}
          </Field>
        </div>
        <Field label="When">
          {(id) => (
            <select id={id} value={when} onChange={(e) => setWhen(e.target.value as When)}>
              <option value="daily">Every day at…</option>
              <option value="cron">On a custom schedule (cron)</option>
              <option value="once">Once, at…</option>
            </select>
          )}
        </Field>
        {when === 'daily' && (
          <Field label="Time">
            {(id) => <input id={id} type="time" value={time} onChange={(e) => setTime(e.target.value)} />}
          </Field>
        )}
        {when === 'cron' && (
          <Field label="Schedule" hint="minute hour day month weekday — “0 8 * * 1-5” is 8:00 on weekdays.">
            {(id, note) => (
              <input id={id} aria-describedby={note} value={cron} onChange={(e) => setCron(e.target.value)} />
            )}
          </Field>
        )}
        {when === 'once' && (
          <Field
            label="Date and time"
            {...(past && { error: 'This date and time has passed. Choose a moment from now on.' })}
          >
            {(id, note) => (
              <input
                id={id}
                aria-describedby={note}
                type="datetime-local"
                min={earliest}
                value={once}
                onChange={(e) => setOnce(e.target.value)}
              />
            )}
          </Field>
        )}
        {error && (
          <p className="field-error span-all" role="alert">
            <Icon.Alert /> {error}
          </p>
        )}
        <div className="form-actions span-all">
          <Button kind="ghost" onClick={onDone}>
            Cancel
          </Button>
          <Button
            type="submit"
            kind="primary"
            busy={busy}
            disabled={!name.trim() || !prompt.trim() || (when === 'once' && (!once || past))}
          >
            Create job
          </Button>
        </div>
      </form>
    </Card>
  );
}

/** A time as the datetime-local picker writes it, in this computer's zone, to the minute ("2026-03-01T08:30"). */
function localMinute(date: Date): string {
  return new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}
