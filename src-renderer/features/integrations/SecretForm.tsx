// Replacing one stored secret: typed once, checked for its format, tried against its service, then applied — and
// put back if the agent will not start with it. Never shown again; says how it reached the agent.
import { useState } from 'react';
import type { SecretName } from '../../../src-main/ipc/contract.ts';
import { Button, PasswordField } from '../../components/ui.tsx';
import { useAction } from '../../lib/use-action.ts';
import { act } from '../../store/actions.ts';

const TESTED: Partial<Record<SecretName, string>> = {
  anthropic_api_key: 'Claude accepted it',
  telegram_bot_token: 'Telegram accepted it',
  whatsapp_access_token: 'WhatsApp accepted it',
};

export function SecretForm({
  name,
  label,
  placeholder,
  hint,
}: {
  name: SecretName;
  label: string;
  placeholder?: string;
  hint?: string;
}) {
  const [value, setValue] = useState('');
  const { busy, error, run } = useAction();
  const [message, setMessage] = useState<string>();
  const save = (event: React.FormEvent) => {
    event.preventDefault();
    setMessage(undefined);
    void run(async () => {
      const { applied } = await act.setSecret(name, value);
      setValue('');
      const tested = TESTED[name] ? `${TESTED[name]}. ` : '';
      setMessage(
        applied === 'restarted'
          ? `${tested}Saved — your agent restarted with it.`
          : applied === 'sent'
            ? `${tested}Saved and sent to your server.`
            : `${tested}Saved.`,
      );
    });
  };
  return (
    <form className="secret-form" onSubmit={save}>
      <PasswordField
        label={label}
        error={error}
        hint={message ?? hint}
        autoComplete="off"
        placeholder={placeholder ?? '••••••••'}
        value={value}
        onChange={setValue}
        action={
          <Button small type="submit" busy={busy} disabled={!value.trim()}>
            {busy ? 'Testing…' : TESTED[name] ? 'Test and save' : 'Save'}
          </Button>
        }
      />
    </form>
  );
}
