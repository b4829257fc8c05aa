// The box the owner writes in, to MONO or to a contact: Enter sends, Shift+Enter breaks the line, and what was
// typed stays in the box until it is stored (a failure says why and loses nothing). Sending the same text again
// after a failure reuses its message id, so a message whose answer was lost is not stored twice.
import { type FormEvent, type KeyboardEvent, useRef, useState } from 'react';
import { MAX_CHAT_TEXT } from '../../../agent-core/contract/desktop-chat.ts';
import { Icon } from '../../components/icons.tsx';
import { Button } from '../../components/ui.tsx';
import { useAction } from '../../lib/use-action.ts';

export function Composer(props: {
  label: string;
  placeholder: string;
  /** Resolves once the message is stored; the box empties then. `clientId` is made once per message. */
  onSend: (text: string, clientId: string) => Promise<unknown>;
  disabled?: boolean;
  /** Empties the box as soon as the message is handed over (it shows in the list on its way). */
  clearAtOnce?: boolean;
  testId?: string;
}) {
  const [text, setText] = useState('');
  const attempt = useRef<{ text: string; clientId: string } | undefined>(undefined);
  const { busy, error, run } = useAction();
  const tooLong = text.length > MAX_CHAT_TEXT;
  const empty = text.trim() === '';

  function submit(event?: FormEvent) {
    event?.preventDefault();
    if (empty || tooLong || busy || props.disabled) return;
    const sending = text;
    if (attempt.current?.text !== sending) attempt.current = { text: sending, clientId: crypto.randomUUID() };
    const { clientId } = attempt.current;
    if (props.clearAtOnce) setText('');
    void run(async () => {
      await props.onSend(sending, clientId);
      if (attempt.current?.clientId === clientId) attempt.current = undefined;
      if (!props.clearAtOnce) setText((current) => (current === sending ? '' : current));
    });
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) submit(event);
  }

  return (
    <form className="composer" onSubmit={submit} data-testid={props.testId}>
      <div className="composer-row">
        <textarea
          aria-label={props.label}
          placeholder={props.placeholder}
          value={text}
          rows={Math.min(6, Math.max(1, text.split('\n').length))}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={onKeyDown}
          disabled={props.disabled}
        />
        <Button type="submit" kind="primary" busy={busy} disabled={empty || tooLong || props.disabled}>
          <Icon.Send /> Send
        </Button>
      </div>
      {tooLong && (
        <p className="field-error" role="alert">
          At most {MAX_CHAT_TEXT.toLocaleString('en')} characters in one message — split it in two.
        </p>
      )}
      {error && (
        <p className="field-error" role="alert">
          <Icon.Alert /> {error}
        </p>
      )}
    </form>
  );
}
