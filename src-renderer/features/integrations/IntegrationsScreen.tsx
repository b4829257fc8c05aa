// Integrations: the agent's instructions (a setting it applies live), Claude's key and model, and the credentials
// of each service — each checked and tried before it is saved, put back if the agent will not start with it,
// kept in the vault and never shown again. Each card says what the agent last found (credentials rejected…).
import { useEffect, useRef, useState } from 'react';
import type { SecretName } from '../../../src-main/ipc/contract.ts';
import { Icon } from '../../components/icons.tsx';
import { Button, Card, ErrorState, Field, PageHeader, Spinner } from '../../components/ui.tsx';
import { errorMessage } from '../../lib/mono.ts';
import { act, loaders } from '../../store/actions.ts';
import { settingValue, useStore } from '../../store/store.ts';
import { ClaudeCard } from './ClaudeCard.tsx';
import { FilesCard } from './FilesCard.tsx';
import { SecretForm } from './SecretForm.tsx';
import { ServiceBadge, ServiceFix } from './ServiceState.tsx';
import { SpeechCard } from './SpeechCard.tsx';
import { TimeZoneCard } from './TimeZoneCard.tsx';
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
        <ClaudeCard keySet={isSet('anthropic_api_key')} />
        <Card
          title="Telegram"
          actions={
            <ServiceBadge part="telegram" configured={isSet('telegram_bot_token')} missing="No token" />
          }
        >
          <ServiceFix part="telegram" />
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
        <FilesCard />
        <TimeZoneCard />
        <Card
          title="Stripe"
          actions={<ServiceBadge part="stripe" configured={isSet('stripe_webhook_secret')} />}
        >
          <p className="muted">
            Your agent tells you about payments, refunds and disputes as they happen: add an endpoint for{' '}
            <code>/hooks/stripe</code> in Stripe and paste its signing secret here.
          </p>
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
