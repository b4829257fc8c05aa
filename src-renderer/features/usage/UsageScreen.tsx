// Usage: tokens and cost per day as a chart, today's and this month's totals (web searches and transcribed voice
// notes too), and the budget caps the agent stops at (settings it applies live).
import { useEffect, useState } from 'react';
import {
  DAILY_CAP_SETTING,
  MAX_CAP_USD,
  MONTHLY_CAP_SETTING,
} from '../../../agent-core/contract/budget-caps.ts';
import { Icon } from '../../components/icons.tsx';
import { Button, Card, ErrorState, Field, PageHeader, Spinner } from '../../components/ui.tsx';
import { tokens, usd, utcMidnightHere } from '../../lib/format.ts';
import { useAction } from '../../lib/use-action.ts';
import { act, loaders, USAGE_DAYS } from '../../store/actions.ts';
import { settingValue, useStore } from '../../store/store.ts';
import { audioMinutes, lookupsAndVoice } from './lookups-and-voice.ts';
import { totalsByDay, UsageChart } from './UsageChart.tsx';

export function UsageScreen() {
  const usage = useStore((s) => s.usage);
  const settings = useStore((s) => s.settings);

  useEffect(() => {
    void loaders.usage();
    void loaders.settings();
  }, []);

  const data = totalsByDay(usage.items, USAGE_DAYS);
  const today = data.at(-1);
  const month = new Date().toISOString().slice(0, 7);
  const monthCost = usage.items.filter((r) => r.day.startsWith(month)).reduce((n, r) => n + r.cost_usd, 0);
  const daily = Number(settingValue(settings.items, DAILY_CAP_SETTING, 0)) || undefined;
  const monthly = Number(settingValue(settings.items, MONTHLY_CAP_SETTING, 0)) || undefined;
  const extrasToday = lookupsAndVoice(usage.items, today?.day ?? month);
  const extrasMonth = lookupsAndVoice(usage.items, month);

  return (
    <div className="page">
      <PageHeader
        title="Usage"
        subtitle="What your agent spends on Claude, web searches and voice transcription, per day. Budgets stop it before it costs too much."
      />
      {usage.status === 'loading' && <Spinner label="Loading usage…" />}
      {usage.status === 'error' && (
        <ErrorState message={usage.error ?? ''} onRetry={() => void loaders.usage()} />
      )}
      {((daily !== undefined && (today?.cost ?? 0) >= daily) ||
        (monthly !== undefined && monthCost >= monthly)) && (
        <div className="error-box" role="status" data-testid="budget-reached">
          <Icon.Alert />
          <div>
            <strong>Budget reached</strong>
            <p>
              Your agent answers with a short notice instead of Claude until the budget resets, or you raise
              it below.
            </p>
          </div>
        </div>
      )}
      <div className="stats">
        <Stat
          label="Today"
          value={usd(today?.cost ?? 0)}
          sub={daily ? `of ${usd(daily)} budget` : 'no daily budget'}
        />
        <Stat
          label="This month"
          value={usd(monthCost)}
          sub={monthly ? `of ${usd(monthly)} budget` : 'no monthly budget'}
        />
        <Stat
          label="Tokens today"
          value={tokens((today?.input ?? 0) + (today?.output ?? 0))}
          sub={`${today?.requests ?? 0} requests`}
        />
        <Stat
          label="Last 30 days"
          value={usd(data.reduce((n, d) => n + d.cost, 0))}
          sub={`${tokens(data.reduce((n, d) => n + d.input + d.output, 0))} tokens`}
        />
      </div>
      <div className="stats stats-2" data-testid="lookups-and-voice">
        <Stat
          label="Web searches today"
          value={String(extrasToday.searches)}
          sub={`${usd(extrasToday.searchUsd)} · ${extrasMonth.searches} this month`}
        />
        <Stat
          label="Voice notes transcribed today"
          value={audioMinutes(extrasToday.audioSeconds)}
          sub={`${usd(extrasToday.audioUsd)} · ${audioMinutes(extrasMonth.audioSeconds)} this month`}
        />
      </div>
      <Card title="Cost per day">
        {usage.status === 'ready' && usage.items.length === 0 ? (
          <p className="muted chart-empty">
            No usage yet. Costs appear here after your agent's first answer.
          </p>
        ) : (
          <UsageChart data={data} {...(daily !== undefined && { budget: daily })} />
        )}
      </Card>
      {settings.status === 'ready' && <BudgetCard daily={daily} monthly={monthly} key={settings.status} />}
    </div>
  );
}

function Stat({ label, value, sub }: { label: string; value: string; sub: string }) {
  return (
    <div className="stat">
      <span className="stat-label">{label}</span>
      <strong className="stat-value">{value}</strong>
      <span className="stat-sub">{sub}</span>
    </div>
  );
}

/** A cap as its field shows it: empty for none. */
function shown(capUsd?: number): string {
  return capUsd ? String(capUsd) : '';
}

function BudgetCard({ daily, monthly }: { daily?: number; monthly?: number }) {
  const [form, setForm] = useState({ daily: shown(daily), monthly: shown(monthly) });
  // Only what the owner edited is saved: a cap changed meanwhile in chat (/budget) or another window shows here and
  // is not written back over with the value this card first showed.
  const [edited, setEdited] = useState({ daily: false, monthly: false });
  useEffect(() => {
    setForm((f) => ({
      daily: edited.daily ? f.daily : shown(daily),
      monthly: edited.monthly ? f.monthly : shown(monthly),
    }));
  }, [daily, monthly, edited.daily, edited.monthly]);
  const { busy, error, run } = useAction();
  const [saved, setSaved] = useState(false);
  const parse = (v: string) => (v.trim() === '' ? null : Number(v));
  const invalid = [form.daily, form.monthly].some(
    (v) => v.trim() !== '' && !(/^\d+(\.\d+)?$/.test(v.trim()) && Number(v) <= MAX_CAP_USD),
  );
  const change = (field: 'daily' | 'monthly', value: string) => {
    setForm((f) => ({ ...f, [field]: value }));
    setEdited((e) => ({ ...e, [field]: true }));
    setSaved(false);
  };

  const save = () =>
    void run(async () => {
      await Promise.all([
        edited.daily && act.setSetting(DAILY_CAP_SETTING, parse(form.daily)),
        edited.monthly && act.setSetting(MONTHLY_CAP_SETTING, parse(form.monthly)),
      ]);
      setEdited({ daily: false, monthly: false });
      setSaved(true);
    });

  return (
    <Card title="Budgets">
      <div className="form form-grid">
        <Field
          label="Daily budget (USD)"
          hint={`Leave empty for no limit. Each day starts over at 00:00 UTC (${utcMidnightHere()} here).`}
          error={invalid ? 'Enter an amount like 2.50 (at most 1,000,000).' : undefined}
        >
          {(id, note) => (
            <input
              id={id}
              aria-describedby={note}
              inputMode="decimal"
              placeholder="e.g. 2"
              value={form.daily}
              onChange={(e) => change('daily', e.target.value)}
            />
          )}
        </Field>
        <Field
          label="Monthly budget (USD)"
          hint="When reached, your agent answers with a short notice instead of Claude."
          error={error}
        >
          {(id, note) => (
            <input
              id={id}
              aria-describedby={note}
              inputMode="decimal"
              placeholder="e.g. 40"
              value={form.monthly}
              onChange={(e) => change('monthly', e.target.value)}
            />
          )}
        </Field>
        <div className="form-actions span-all">
          {saved && (
            <span className="saved" role="status">
              <Icon.Check /> Budgets applied
            </span>
          )}
          <Button kind="primary" busy={busy} disabled={invalid} onClick={save}>
            Save budgets
          </Button>
        </div>
      </div>
    </Card>
  );
}
