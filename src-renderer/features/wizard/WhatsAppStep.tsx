// Step 3 (optional): WhatsApp through Meta's Cloud API, or skip for now and add it later from Integrations.
import { useState } from 'react';
import { CONTROL_CHARS_MESSAGE, hasControlChars } from '../../../src-main/ipc/input-rules.ts';
import { Icon } from '../../components/icons.tsx';
import { Button, Field, PasswordField } from '../../components/ui.tsx';
import { mono } from '../../lib/mono.ts';
import { useAction } from '../../lib/use-action.ts';
import { useStore } from '../../store/store.ts';
import { suggestVerifyToken, VerifyTokenField, WebhookGuide } from '../integrations/WhatsAppWebhook.tsx';

export function WhatsAppStep() {
  const [choice, setChoice] = useState<'skip' | 'cloud' | 'personal'>('skip');
  const [form, setForm] = useState(() => ({
    phoneNumberId: '',
    accessToken: '',
    appSecret: '',
    verifyToken: suggestVerifyToken(),
  }));
  const local = useStore((s) => s.app?.mode === 'local');
  const [phone, setPhone] = useState('');
  const { busy, error, run } = useAction();

  function save() {
    void run(async () => {
      if (choice === 'cloud') await mono.wizard.saveWhatsApp({ mode: 'cloud', ...form });
      else if (choice === 'personal') await mono.wizard.saveWhatsApp({ mode: 'linked', pairingPhone: phone });
      else await mono.wizard.saveWhatsApp({ mode: 'skip' });
    });
  }

  const set = (key: keyof typeof form) => (e: React.ChangeEvent<HTMLInputElement>) =>
    setForm({ ...form, [key]: e.target.value });

  return (
    <>
      <p className="eyebrow">Step 3 of 6 · optional</p>
      <h1>WhatsApp</h1>
      <p className="lead">
        Your agent can answer on WhatsApp too. You can always add it later from Integrations.
      </p>
      <div className="choices" role="radiogroup" aria-label="WhatsApp">
        <Choice
          checked={choice === 'skip'}
          onSelect={() => setChoice('skip')}
          title="Not now"
          text="Telegram only for now."
        />
        <Choice
          checked={choice === 'cloud'}
          onSelect={() => setChoice('cloud')}
          title="WhatsApp Business (Cloud API)"
          text="A business number through Meta's developer console."
        />
        <Choice
          checked={choice === 'personal'}
          onSelect={() => setChoice('personal')}
          title="My personal number"
          text="Link it like WhatsApp Web, with a code shown in MONO."
        />
      </div>
      {choice === 'cloud' && (
        <div className="form">
          <Field label="Phone number ID" hint="developers.facebook.com → your app → WhatsApp → API Setup.">
            {(id, note) => (
              <input
                id={id}
                aria-describedby={note}
                value={form.phoneNumberId}
                onChange={set('phoneNumberId')}
              />
            )}
          </Field>
          <PasswordField
            label="Permanent access token"
            error={hasControlChars(form.accessToken.trim()) ? CONTROL_CHARS_MESSAGE : undefined}
            value={form.accessToken}
            onChange={(accessToken) => setForm({ ...form, accessToken })}
          />
          <PasswordField
            label="App secret"
            hint="Used to check that webhooks really come from Meta."
            error={hasControlChars(form.appSecret.trim()) ? CONTROL_CHARS_MESSAGE : undefined}
            value={form.appSecret}
            onChange={(appSecret) => setForm({ ...form, appSecret })}
          />
          <VerifyTokenField
            value={form.verifyToken}
            onChange={(verifyToken) => setForm({ ...form, verifyToken })}
          />
          <WebhookGuide local={local} />
        </div>
      )}
      {choice === 'personal' && (
        <div className="form">
          <div className="info-box">
            Once your agent runs, MONO shows a code here and in <strong>Integrations → WhatsApp</strong>: scan
            it with WhatsApp → Linked devices, as for WhatsApp Web.
          </div>
          <Field
            label="Your number (optional)"
            hint="Give it to get an 8-letter code to type instead of a QR to scan."
          >
            {(id, note) => (
              <input
                id={id}
                aria-describedby={note}
                inputMode="tel"
                placeholder="+49 151 12345678"
                value={phone}
                onChange={(e) => setPhone(e.target.value)}
              />
            )}
          </Field>
        </div>
      )}
      {error && (
        <p className="field-error" role="alert">
          <Icon.Alert /> {error}
        </p>
      )}
      <div className="wizard-nav">
        <Button kind="ghost" onClick={() => void mono.wizard.goto({ step: 'telegram' })}>
          Back
        </Button>
        <Button kind="primary" busy={busy} onClick={() => void save()}>
          {choice === 'cloud' ? 'Save and continue' : 'Continue'} <Icon.Arrow />
        </Button>
      </div>
    </>
  );
}

export function Choice(props: {
  checked: boolean;
  onSelect: () => void;
  title: string;
  text: string;
  icon?: React.ReactNode;
}) {
  return (
    // biome-ignore lint/a11y/useSemanticElements: a card-sized radio needs a button; role and aria-checked make it one
    <button
      type="button"
      role="radio"
      aria-checked={props.checked}
      className={`choice${props.checked ? ' choice-on' : ''}`}
      onClick={props.onSelect}
    >
      {props.icon && <span className="choice-icon">{props.icon}</span>}
      <span className="choice-text">
        <strong>{props.title}</strong>
        <span>{props.text}</span>
      </span>
      <span className="radio" aria-hidden="true" />
    </button>
  );
}
