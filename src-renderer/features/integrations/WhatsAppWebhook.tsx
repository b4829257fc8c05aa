// WhatsApp Cloud API's webhook as Meta's App Dashboard asks for it: the callback URL the agent answers on, and a
// verify token chosen here so the owner can type it into Meta (main stores it and never sends it back).
import { useState } from 'react';
import {
  CONTROL_CHARS_MESSAGE,
  hasControlChars,
  VERIFY_TOKEN_LENGTH,
  VERIFY_TOKEN_MESSAGE,
} from '../../../src-main/ipc/input-rules.ts';
import { DEFAULT_HTTP_PORT } from '../../../src-main/provision/layout.ts';
import { Button, Field } from '../../components/ui.tsx';
import { useAction } from '../../lib/use-action.ts';
import { act } from '../../store/actions.ts';

/** Where the agent answers Meta: GET for the subscription check, POST for messages. */
const WEBHOOK_PATH = '/whatsapp';

/** A fresh suggestion: 18 random bytes as URL-safe base64 (24 characters, nothing to escape anywhere). */
export function suggestVerifyToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(18));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_');
}

/** What is wrong with a verify token as typed, by the rules main applies too. */
export function verifyTokenProblem(value: string): string | undefined {
  const token = value.trim();
  if (hasControlChars(token)) return CONTROL_CHARS_MESSAGE;
  if (token.length < VERIFY_TOKEN_LENGTH.min || token.length > VERIFY_TOKEN_LENGTH.max)
    return VERIFY_TOKEN_MESSAGE;
  return undefined;
}

/** Meta's webhook form, field by field, with the agent's own path and port. */
export function WebhookGuide({ local }: { local: boolean }) {
  return (
    <div className="info-box" data-testid="whatsapp-webhook-guide">
      In Meta's App Dashboard → WhatsApp → Configuration → Webhook, set the <strong>Callback URL</strong> to a
      public <code>https://</code> address ending in <code>{WEBHOOK_PATH}</code> that reaches your agent's
      HTTP port <strong>{DEFAULT_HTTP_PORT}</strong> (the agent listens on 127.0.0.1 there: put an HTTPS
      reverse proxy such as Caddy in front of it). Enter the <strong>Verify token</strong> from MONO, then
      subscribe the <strong>messages</strong> field.
      {local && ' An agent on this computer has no public address: Meta can only reach one on a VPS.'}
    </div>
  );
}

/** The token shown in full (the owner copies it into Meta), with a Copy button. */
export function VerifyTokenField({ value, onChange }: { value: string; onChange: (value: string) => void }) {
  const [copied, setCopied] = useState<string>();
  const copy = (input: HTMLInputElement | null) => {
    navigator.clipboard.writeText(value.trim()).then(
      () => setCopied("Copied — paste it into Meta's webhook form."),
      () => {
        // No clipboard here (a page without permission): leave it selected for the owner to copy.
        input?.select();
        setCopied('Selected — copy it with Ctrl+C (⌘C on a Mac).');
      },
    );
  };
  return (
    <Field
      label="Verify token"
      hint={copied ?? "Paste it into Meta's webhook form. MONO keeps it and does not show it again."}
      error={verifyTokenProblem(value)}
    >
      {(id, note) => (
        <div className="input-row">
          <input
            id={id}
            aria-describedby={note}
            autoComplete="off"
            spellCheck={false}
            value={value}
            onChange={(e) => {
              setCopied(undefined);
              onChange(e.target.value);
            }}
          />
          <Button small onClick={() => copy(document.getElementById(id) as HTMLInputElement | null)}>
            Copy
          </Button>
        </div>
      )}
    </Field>
  );
}

/** Integrations: says whether a verify token is stored and sets a new one (which Meta must then be told). */
export function VerifyTokenSetting({ isSet }: { isSet: boolean }) {
  const [token, setToken] = useState<string>();
  const [message, setMessage] = useState<string>();
  const { busy, error, run } = useAction();
  const editing = token !== undefined || !isSet;
  const value = token ?? '';
  const save = (event: React.FormEvent) => {
    event.preventDefault();
    void run(async () => {
      await act.setSecret('whatsapp_verify_token', value.trim());
      setToken(undefined);
      setMessage("Saved. Enter the same verify token in Meta's webhook form and click Verify and save.");
    });
  };
  if (!editing) {
    return (
      <div className="form-actions">
        <p className="muted" data-testid="whatsapp-verify-token">
          {message ?? 'A verify token is set. It is not shown again; a new one means updating Meta too.'}
        </p>
        <Button small onClick={() => setToken(suggestVerifyToken())}>
          Set a new verify token
        </Button>
      </div>
    );
  }
  return (
    <form className="secret-form" onSubmit={save}>
      <VerifyTokenField value={token ?? ''} onChange={setToken} />
      {error && <p className="field-error">{error}</p>}
      <div className="form-actions">
        <Button small type="submit" busy={busy} disabled={verifyTokenProblem(value) !== undefined}>
          Save verify token
        </Button>
        {isSet && (
          <Button small kind="ghost" onClick={() => setToken(undefined)}>
            Keep the current one
          </Button>
        )}
      </div>
    </form>
  );
}
