// Step 2: the Telegram bot token, checked with getMe; shows the bot's name and a link to open it.
import { useState } from 'react';
import { Icon } from '../../components/icons.tsx';
import { Button, PasswordField } from '../../components/ui.tsx';
import { mono } from '../../lib/mono.ts';
import { useAction } from '../../lib/use-action.ts';
import { useStore } from '../../store/store.ts';

export function TelegramStep() {
  const bot = useStore((s) => s.app?.wizard.telegram);
  const [token, setToken] = useState('');
  const { busy, error, run } = useAction();
  const [replacing, setReplacing] = useState(!bot);

  function check(event: React.FormEvent) {
    event.preventDefault();
    void run(async () => {
      await mono.wizard.checkTelegram({ token });
      setToken('');
      setReplacing(false);
    });
  }

  return (
    <>
      <p className="eyebrow">Step 2 of 6</p>
      <h1>Create your Telegram bot</h1>
      <ol className="howto">
        <li>
          In Telegram, open{' '}
          <a href="https://t.me/BotFather" target="_blank" rel="noreferrer">
            <strong>@BotFather</strong>
          </a>{' '}
          and send <code>/newbot</code>.
        </li>
        <li>Pick a name and a username ending in “bot”.</li>
        <li>BotFather answers with a token. Paste it below.</li>
      </ol>
      {bot && !replacing ? (
        <div className="bot-card" data-testid="telegram-ok">
          <div className="avatar avatar-bot">{bot.botName.slice(0, 1).toUpperCase()}</div>
          <div className="bot-meta">
            <strong>{bot.botName}</strong>
            <span>@{bot.username}</span>
          </div>
          <a className="btn btn-secondary btn-small" href={bot.link} target="_blank" rel="noreferrer">
            <Icon.Telegram /> Open in Telegram
          </a>
          <Button kind="ghost" small onClick={() => setReplacing(true)}>
            Change
          </Button>
        </div>
      ) : (
        <form onSubmit={check} className="form">
          <PasswordField
            label="Bot token"
            hint="It looks like 123456789:AAH…"
            error={error}
            autoComplete="off"
            placeholder="123456789:AA…"
            value={token}
            onChange={setToken}
          />
          <div className="form-actions">
            <Button type="submit" kind="primary" busy={busy} disabled={!token.trim()}>
              {busy ? 'Asking Telegram…' : 'Check token'}
            </Button>
          </div>
        </form>
      )}
      <div className="wizard-nav">
        <Button kind="ghost" onClick={() => void mono.wizard.goto({ step: 'claude' })}>
          Back
        </Button>
        {bot && !replacing && (
          <Button kind="primary" onClick={() => void mono.wizard.goto({ step: 'whatsapp' })}>
            Continue <Icon.Arrow />
          </Button>
        )}
      </div>
    </>
  );
}
