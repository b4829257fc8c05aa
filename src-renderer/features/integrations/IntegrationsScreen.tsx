// Integrations: the agent's instructions and model (settings the agent applies live) and the credentials of each
// service (kept in the vault, handed to the agent by a restart or over SSH, never shown again).
import { useEffect, useRef, useState } from 'react';
import type { SecretName } from '../../../src-main/ipc/contract.ts';
import { Icon } from '../../components/icons.tsx';
import { Badge, Button, Card, ErrorState, Field, PageHeader, Spinner } from '../../components/ui.tsx';
import { errorMessage } from '../../lib/mono.ts';
import { act, loaders } from '../../store/actions.ts';
import { settingValue, useStore } from '../../store/store.ts';
import { SecretForm } from './SecretForm.tsx';
import { SpeechCard } from './SpeechCard.tsx';
import { WhatsAppCard } from './WhatsAppCard.tsx';

export function IntegrationsScreen() {
  const settings = useStore((s) => s.settings);
  const app = useStore((s) => s.app);

  useEffect(() => {
    void loaders.settings();
  }, []);

  const isSet = (name: SecretName) => app?.secrets.find((s) => s.name === name)?.set ?? false;

  return (
    <div className="page">
      <PageHeader
        title="Integrations"
        subtitle="Changes reach your agent right away — no restart, no redeploy."
      />
      {settings.status === 'loading' && <Spinner label="Loading settings…" />}
      {settings.status === 'error' && (
        <ErrorState message={settings.error ?? ''} onRetry={() => void loaders.settings()} />
      )}
      {settings.status === 'ready' && (
        <PromptCard value={settingValue(settings.items, 'system_prompt', '')} />
      )}
      <div className="grid-2">
        <Card
          title="Claude"
          actions={
            <Badge tone={isSet('anthropic_api_key') ? 'good' : 'bad'}>
              {isSet('anthropic_api_key') ? 'Connected' : 'No key'}
            </Badge>
          }
        >
          <p className="muted">Model: {app?.wizard.claude?.model ?? 'default'}</p>
          <SecretForm name="anthropic_api_key" label="New API key" placeholder="sk-ant-…" />
        </Card>
        <Card
          title="Telegram"
          actions={
            <Badge tone={isSet('telegram_bot_token') ? 'good' : 'bad'}>
              {isSet('telegram_bot_token') ? 'Connected' : 'No token'}
            </Badge>
          }
        >
          {app?.wizard.telegram && (
            <p className="muted">
              Bot <strong>@{app.wizard.telegram.username}</strong> ·{' '}
              <a href={app.wizard.telegram.link} target="_blank" rel="noreferrer">
                open in Telegram
              </a>
            </p>
          )}
          <SecretForm name="telegram_bot_token" label="New bot token" placeholder="123456789:AA…" />
        </Card>
        <WhatsAppCard />
        <SpeechCard />
        <Card
          title="Stripe"
          actions={
            <Badge tone={isSet('stripe_secret_key') ? 'good' : 'neutral'}>
              {isSet('stripe_secret_key') ? 'Connected' : 'Not set up'}
            </Badge>
          }
        >
          <p className="muted">Your agent tells you about payments, refunds and disputes as they happen.</p>
          <SecretForm name="stripe_secret_key" label="Restricted API key" placeholder="rk_live_…" />
          <SecretForm name="stripe_webhook_secret" label="Webhook signing secret" placeholder="whsec_…" />
        </Card>
      </div>
      <Card title="Webhooks">
        <p className="muted">
          Any service can wake your agent with a signed webhook. Set the shared secret here; the agent rejects
          requests without it.
        </p>
        <SecretForm name="webhook_secret" label="Webhook secret" />
      </Card>
    </div>
  );
}

function PromptCard({ value }: { value: string }) {
  const [draft, setDraft] = useState(value);
  const [state, setState] = useState<'idle' | 'saving' | 'saved'>('idle');
  const edited = useRef(false);
  // A change made elsewhere (another window, the CLI) shows up here unless the owner is typing.
  useEffect(() => {
    if (!edited.current) setDraft(value);
  }, [value]);
  const [error, setError] = useState<string>();
  const save = () => {
    setState('saving');
    setError(undefined);
    act
      .setSetting('system_prompt', draft)
      .then(() => {
        edited.current = false;
        setState('saved');
      })
      .catch((e) => {
        setError(errorMessage(e));
        setState('idle');
      });
  };
  return (
    <Card title="How your agent behaves" className="card-accent">
      <Field
        label="Instructions"
        hint="Who it is, how it speaks, what it must never do. Used from the next message on."
        error={error}
      >
        {(id, note) => (
          <textarea
            id={id}
            aria-describedby={note}
            rows={5}
            value={draft}
            placeholder="You are my personal assistant. Be brief and friendly…"
            onChange={(e) => {
              edited.current = true;
              setDraft(e.target.value);
              setState('idle');
            }}
          />
        )}
      </Field>
      <div className="form-actions">
        {state === 'saved' && (
          <span className="saved" role="status">
            <Icon.Check /> Applied — your agent uses it now
          </span>
        )}
        <Button
          kind="primary"
          busy={state === 'saving'}
          disabled={draft === value && state !== 'idle'}
          onClick={save}
        >
          Save instructions
        </Button>
      </div>
    </Card>
  );
}
