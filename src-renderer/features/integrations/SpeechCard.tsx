// Speech to text for voice notes: the service's address and model (any OpenAI-compatible one: OpenAI, Groq, a
// self-hosted whisper server), its key (kept in the vault), and a test that transcribes a one-second sample.
import { useEffect, useState } from 'react';
import { Badge, Button, Card, Field } from '../../components/ui.tsx';
import { mono } from '../../lib/mono.ts';
import { useAction } from '../../lib/use-action.ts';
import { useStore } from '../../store/store.ts';
import { SecretForm } from './SecretForm.tsx';

export function SpeechCard() {
  const current = useStore((s) => s.app?.wizard.stt);
  const keySet = useStore(
    (s) => s.app?.secrets.find((secret) => secret.name === 'stt_api_key')?.set ?? false,
  );
  const [url, setUrl] = useState(current?.url ?? '');
  const [model, setModel] = useState(current?.model ?? 'whisper-1');
  const save = useAction();
  const test = useAction();
  const [note, setNote] = useState<string>();
  useEffect(() => {
    if (current) {
      setUrl(current.url);
      setModel(current.model);
    }
  }, [current]);

  const settings = { url: url.trim(), model: model.trim() };
  const apply = () =>
    void save.run(async () => {
      setNote(undefined);
      const { applied } = await mono.stt.configure(settings.url ? settings : null);
      setNote(
        applied === 'restarted'
          ? 'Saved. Your agent restarted and transcribes voice notes now.'
          : applied === 'sent'
            ? 'Saved and sent to your server.'
            : 'Saved.',
      );
    });
  const check = () =>
    void test.run(async () => {
      setNote(undefined);
      const { text, ms } = await mono.stt.test(settings);
      setNote(
        `The service answered in ${ms} ms${text ? `: “${text}”` : ' (the sample is silence, so no words)'}.`,
      );
    });

  return (
    <Card
      title="Voice notes"
      actions={<Badge tone={current ? 'good' : 'neutral'}>{current ? 'Transcribed' : 'Not set up'}</Badge>}
    >
      <p className="muted">
        Your agent reads voice notes as text made by a speech-to-text service: OpenAI
        (https://api.openai.com/v1, whisper-1), Groq (https://api.groq.com/openai/v1, whisper-large-v3-turbo)
        or your own whisper server. Without one, people who send a voice note are asked to type instead.
      </p>
      <Field label="Service address" hint="Up to /v1; MONO adds /audio/transcriptions.">
        {(id, note) => (
          <input
            id={id}
            aria-describedby={note}
            placeholder="https://api.openai.com/v1"
            value={url}
            onChange={(e) => setUrl(e.target.value)}
          />
        )}
      </Field>
      <Field label="Model">
        {(id) => <input id={id} value={model} onChange={(e) => setModel(e.target.value)} />}
      </Field>
      <SecretForm name="stt_api_key" label={keySet ? 'New API key' : 'API key'} placeholder="sk-…" />
      <div className="form-actions">
        {note && (
          <span className="saved" role="status">
            {note}
          </span>
        )}
        <Button busy={test.busy} disabled={!settings.url || !settings.model} onClick={check}>
          Test
        </Button>
        <Button kind="primary" busy={save.busy} disabled={!settings.model} onClick={apply}>
          {settings.url ? 'Use this service' : 'Turn off'}
        </Button>
      </div>
      {(save.error || test.error) && <p className="field-error">{save.error ?? test.error}</p>}
    </Card>
  );
}
