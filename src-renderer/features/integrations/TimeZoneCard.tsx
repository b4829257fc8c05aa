// The owner's time zone (the agent's `timezone` setting, applied live): reminders and scheduled jobs set in chat,
// the times the agent tells, /jobs and the budget notice use it. Unset, the agent uses the time zone this computer
// had when MONO was installed or last updated on the server (a VPS itself runs on UTC).

import { currentTimeZone } from '../../../agent-core/jobs/local-time.ts';
import { Card } from '../../components/ui.tsx';
import { timeZoneChoices } from '../../lib/time-zone.ts';
import { useAction } from '../../lib/use-action.ts';
import { act } from '../../store/actions.ts';
import { settingValue, useStore } from '../../store/store.ts';

const TIMEZONE_SETTING = 'timezone';

export function TimeZoneCard() {
  const settings = useStore((s) => s.settings);
  const { busy, error, run } = useAction();
  const here = currentTimeZone();
  const chosen = settingValue<unknown>(settings.items, TIMEZONE_SETTING, null);
  const current = typeof chosen === 'string' && chosen ? chosen : here;
  return (
    <Card title="Time zone">
      <p className="muted">
        Reminders and scheduled jobs you set in chat, and the times your agent tells you, are on this clock.
      </p>
      <p>
        <label>
          Your time zone{' '}
          <select
            aria-label="Your time zone"
            value={current}
            disabled={busy || settings.status !== 'ready'}
            onChange={(e) => void run(() => act.setSetting(TIMEZONE_SETTING, e.target.value))}
          >
            {timeZoneChoices(current).map((zone) => (
              <option key={zone} value={zone}>
                {zone === here ? `${zone} (this computer)` : zone}
              </option>
            ))}
          </select>
        </label>
      </p>
      {error && <p className="field-error">{error}</p>}
    </Card>
  );
}
