// Replacing one stored secret: typed once, sent to main, never shown again; says how it reached the agent.
import { useState } from 'react';
import type { SecretName } from '../../../src-main/ipc/contract.ts';
import { Button, Field } from '../../components/ui.tsx';
import { useAction } from '../../lib/use-action.ts';
import { act } from '../../store/actions.ts';

export function SecretForm({
  name,
  label,
  placeholder,
}: {
  name: SecretName;
  label: string;
  placeholder?: string;
}) {
  const [value, setValue] = useState('');
  const { busy, error, run } = useAction();
  const [message, setMessage] = useState<string>();
  const save = () => {
    setMessage(undefined);
    void run(async () => {
      const { applied } = await act.setSecret(name, value);
      setValue('');
      setMessage(
        applied === 'restarted'
          ? 'Saved. Your agent restarted with it.'
          : applied === 'sent'
            ? 'Saved and sent to your server.'
            : 'Saved.',
      );
    });
  };
  return (
    <div className="secret-form">
      <Field label={label} error={error} hint={message}>
        {(id, note) => (
          <div className="input-row">
            <input
              id={id}
              aria-describedby={note}
              type="password"
              autoComplete="off"
              placeholder={placeholder ?? '••••••••'}
              value={value}
              onChange={(e) => setValue(e.target.value)}
            />
            <Button small busy={busy} disabled={!value.trim()} onClick={save}>
              Save
            </Button>
          </div>
        )}
      </Field>
    </div>
  );
}
