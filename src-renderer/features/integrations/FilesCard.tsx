// How long the agent keeps the photos, documents and voice notes people send (a setting it applies live: a shorter
// period deletes older files at once; conversations keep their text and transcripts).
import {
  DEFAULT_RETENTION_DAYS,
  RETENTION_SETTING,
  retentionDays,
} from '../../../agent-core/contract/media-retention.ts';
import { Card } from '../../components/ui.tsx';
import { useAction } from '../../lib/use-action.ts';
import { act } from '../../store/actions.ts';
import { settingValue, useStore } from '../../store/store.ts';

const CHOICES_DAYS = [1, 7, 14, 30, 90, 180, 365];

function label(days: number): string {
  if (days === 365) return '1 year';
  return days === 1 ? '1 day' : `${days} days`;
}

export function FilesCard() {
  const settings = useStore((s) => s.settings);
  const { busy, error, run } = useAction();
  const current = retentionDays(
    settingValue<unknown>(settings.items, RETENTION_SETTING, DEFAULT_RETENTION_DAYS),
  );
  const choices = CHOICES_DAYS.includes(current)
    ? CHOICES_DAYS
    : [...CHOICES_DAYS, current].sort((a, b) => a - b);
  return (
    <Card title="Photos and files">
      <p className="muted">
        Photos, documents and voice notes people send are kept on your agent's disk, then deleted. The
        conversation keeps their text, transcripts and a short description.
      </p>
      <p>
        <label>
          Keep received files for{' '}
          <select
            aria-label="Keep received files for"
            value={current}
            disabled={busy || settings.status !== 'ready'}
            onChange={(e) => void run(() => act.setSetting(RETENTION_SETTING, Number(e.target.value)))}
          >
            {choices.map((days) => (
              <option key={days} value={days}>
                {label(days)}
              </option>
            ))}
          </select>
        </label>
      </p>
      {error && <p className="field-error">{error}</p>}
    </Card>
  );
}
