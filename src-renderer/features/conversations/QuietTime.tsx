// How long MONO stays quiet in a conversation after the owner wrote in it (the agent's step-in quiet time setting),
// chosen where the owner steps in.
import { useEffect } from 'react';
import {
  DEFAULT_STEP_IN_QUIET_S,
  STEP_IN_QUIET_SETTING,
  stepInQuietSeconds,
} from '../../../agent-core/contract/desktop-chat.ts';
import { useAction } from '../../lib/use-action.ts';
import { act, loaders } from '../../store/actions.ts';
import { settingValue, useStore } from '../../store/store.ts';

const CHOICES_MIN = [2, 5, 10, 30, 60, 120, 240];

function label(seconds: number): string {
  if (seconds % 3600 === 0) return seconds === 3600 ? '1 hour' : `${seconds / 3600} hours`;
  if (seconds % 60 === 0) return seconds === 60 ? '1 minute' : `${seconds / 60} minutes`;
  return `${seconds} seconds`;
}

export function QuietTime() {
  const settings = useStore((s) => s.settings);
  const { busy, error, run } = useAction();
  useEffect(() => {
    if (useStore.getState().settings.status === 'idle') void loaders.settings();
  }, []);
  const current = stepInQuietSeconds(
    settingValue<unknown>(settings.items, STEP_IN_QUIET_SETTING, DEFAULT_STEP_IN_QUIET_S),
  );
  const choices = CHOICES_MIN.map((m) => m * 60);
  if (!choices.includes(current)) choices.push(current);
  choices.sort((a, b) => a - b);
  return (
    <p className="quiet-time">
      <label>
        After you write, MONO stays quiet here for{' '}
        <select
          aria-label="Quiet time after you write"
          value={current}
          disabled={busy || settings.status !== 'ready'}
          onChange={(e) => void run(() => act.setSetting(STEP_IN_QUIET_SETTING, Number(e.target.value)))}
        >
          {choices.map((seconds) => (
            <option key={seconds} value={seconds}>
              {label(seconds)}
            </option>
          ))}
        </select>
      </label>
      {error && <span className="field-error">{error}</span>}
    </p>
  );
}
