// Step 1: the Claude API key, checked with a real one-token call before it is kept.
import { useState } from 'react';
import { CONTROL_CHARS_MESSAGE, hasControlChars } from '../../../src-main/ipc/input-rules.ts';
import { Icon } from '../../components/icons.tsx';
import { Button, PasswordField } from '../../components/ui.tsx';
import { mono } from '../../lib/mono.ts';
import { useAction } from '../../lib/use-action.ts';
import { useStore } from '../../store/store.ts';

export function ClaudeStep() {
  const verified = useStore((s) => s.app?.wizard.claude);
  const [apiKey, setApiKey] = useState('');
  const { busy, error, run } = useAction();
  const [replacing, setReplacing] = useState(!verified);

  function check(event: React.FormEvent) {
    event.preventDefault();
    void run(async () => {
      await mono.wizard.checkClaude({ apiKey });
      setApiKey('');
      setReplacing(false);
    });
  }

  return (
    <>
      <p className="eyebrow">Step 1 of 6</p>
      <h1>Connect Claude</h1>
      <p className="lead">
        Your agent thinks with Claude. Create an API key at{' '}
        <a href="https://console.anthropic.com/settings/keys" target="_blank" rel="noreferrer">
          <strong>console.anthropic.com → API Keys</strong>
        </a>{' '}
        and paste it here. MONO checks it with a tiny request and keeps it encrypted on this computer.
      </p>
      {verified && !replacing ? (
        <div className="success-box" data-testid="claude-ok">
          <Icon.Check />
          <div>
            <strong>Claude is connected</strong>
            <span>Your agent will use {verified.model}.</span>
          </div>
          <Button kind="ghost" small onClick={() => setReplacing(true)}>
            Use another key
          </Button>
        </div>
      ) : (
        <form onSubmit={check} className="form">
          <PasswordField
            label="Claude API key"
            hint="It starts with sk-ant-. You will not see it again after this step."
            error={hasControlChars(apiKey.trim()) ? CONTROL_CHARS_MESSAGE : error}
            autoComplete="off"
            placeholder="sk-ant-…"
            value={apiKey}
            onChange={setApiKey}
          />
          <div className="form-actions">
            <Button
              type="submit"
              kind="primary"
              busy={busy}
              disabled={!apiKey.trim() || hasControlChars(apiKey.trim())}
            >
              {busy ? 'Checking with Claude…' : 'Check key'}
            </Button>
          </div>
        </form>
      )}
      {verified && !replacing && (
        <div className="wizard-nav">
          <span />
          <Button kind="primary" onClick={() => void mono.wizard.goto({ step: 'telegram' })}>
            Continue <Icon.Arrow />
          </Button>
        </div>
      )}
    </>
  );
}
