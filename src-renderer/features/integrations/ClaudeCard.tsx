// Claude: the key (tried before it is saved) and the model the agent answers with, chosen from the models this
// key may use and tried with one tiny request before the agent switches to it.
import { useEffect, useState } from 'react';
import type { ClaudeModel } from '../../../src-main/ipc/contract.ts';
import { Button, Card, Field } from '../../components/ui.tsx';
import { errorMessage, mono } from '../../lib/mono.ts';
import { useAction } from '../../lib/use-action.ts';
import { useStore } from '../../store/store.ts';
import { SecretForm } from './SecretForm.tsx';
import { ServiceBadge, ServiceFix } from './ServiceState.tsx';

export function ClaudeCard({ keySet }: { keySet: boolean }) {
  const current = useStore((s) => s.app?.wizard.claude?.model);
  const [models, setModels] = useState<ClaudeModel[]>();
  const [listError, setListError] = useState<string>();
  const [choice, setChoice] = useState(current ?? '');
  const { busy, error, run } = useAction();
  const [done, setDone] = useState<string>();

  useEffect(() => {
    if (!keySet) return;
    mono.claude
      .models()
      .then(setModels)
      .catch((e) => setListError(errorMessage(e)));
  }, [keySet]);
  useEffect(() => setChoice(current ?? ''), [current]);

  const options = models ?? (current ? [{ id: current, name: current }] : []);
  const apply = (event: React.FormEvent) => {
    event.preventDefault();
    setDone(undefined);
    void run(async () => {
      const { applied } = await mono.claude.setModel({ model: choice });
      setDone(
        applied === 'sent'
          ? 'Your server uses it now.'
          : applied === 'restarted'
            ? 'Your agent uses it now.'
            : 'Saved.',
      );
    });
  };

  return (
    <Card title="Claude" actions={<ServiceBadge part="claude" configured={keySet} missing="No key" />}>
      <ServiceFix part="claude" />
      <form className="secret-form" onSubmit={apply}>
        <Field
          label="Model"
          error={error ?? listError}
          hint={done ?? 'Tried with a one-token request first.'}
        >
          {(id, note) => (
            <div className="input-row">
              <select
                id={id}
                aria-describedby={note}
                value={choice}
                onChange={(e) => setChoice(e.target.value)}
              >
                {options.map((m) => (
                  <option key={m.id} value={m.id}>
                    {m.name === m.id ? m.id : `${m.name} (${m.id})`}
                  </option>
                ))}
              </select>
              <Button small type="submit" busy={busy} disabled={!choice || choice === current}>
                Use this model
              </Button>
            </div>
          )}
        </Field>
      </form>
      <SecretForm name="anthropic_api_key" label="New API key" placeholder="sk-ant-…" />
    </Card>
  );
}
