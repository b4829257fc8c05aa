// One message: the person's on the left, the agent's on the right (the other way round in the owner's own chat),
// MONO's notices centred, the owner's own words to a contact marked as theirs; files it carried and web lookups
// behind it; a reply still being written says so; tool calls folded open on demand; a failed message says why and
// offers a retry.
import { memo, useState } from 'react';
import type { MessageRow } from '../../../agent-core/contract/tables.ts';
import { Icon } from '../../components/icons.tsx';
import { clock } from '../../lib/format.ts';
import { act } from '../../store/actions.ts';
import { Attachments, WebLookups } from './Attachments.tsx';

const STATUS_LABEL: Record<string, string> = {
  received: 'waiting',
  processing: 'thinking…',
  answered: '',
  ignored: '',
  streaming: 'writing…',
  pending: 'sending…',
  sent: '',
  failed: 'failed',
};

export const MessageBubble = memo(function MessageBubble({
  message,
  ownChat = false,
}: {
  message: MessageRow;
  /** In the owner's own chat their messages (inbound to MONO) are the ones on the right. */
  ownChat?: boolean;
}) {
  const [retrying, setRetrying] = useState(false);
  const [retryError, setRetryError] = useState<string>();
  const inbound = (message.direction === 'in') !== ownChat;
  const side = message.role === 'notice' ? 'notice' : inbound ? 'in' : 'out';
  const byOwner = message.role === 'owner';
  const failed = message.status === 'failed';
  const status = STATUS_LABEL[message.status] ?? message.status;
  const tools = message.tool_calls?.filter((call) => !call.server) ?? [];

  return (
    <div
      className={`msg msg-${side}${failed ? ' msg-failed' : ''}${byOwner ? ' msg-owner' : ''}`}
      data-testid="message"
      data-role={message.role}
      data-status={message.status}
    >
      <div className="bubble">
        {byOwner && <span className="msg-by">You wrote this</span>}
        <Attachments message={message} />
        {message.tool_calls && <WebLookups calls={message.tool_calls} />}
        {tools.length > 0 && (
          <div className="tools">
            {tools.map((call) => (
              <details key={call.id} className={`tool${call.is_error ? ' tool-error' : ''}`}>
                <summary>
                  <Icon.Tool /> {call.name}
                  {call.is_error && <span className="tool-failed">failed</span>}
                </summary>
                <pre>{JSON.stringify(call.input, null, 2)}</pre>
                {call.result !== undefined && <pre className="tool-result">{stringify(call.result)}</pre>}
              </details>
            ))}
          </div>
        )}
        {(message.text || message.status === 'streaming') && (
          <p className="msg-text">
            {message.text}
            {message.status === 'streaming' && <span className="caret" aria-hidden="true" />}
          </p>
        )}
        <span className="msg-meta">
          {message.answered_by === 'owner' && <span className="msg-status">left to you</span>}
          {status && <span className={`msg-status status-${message.status}`}>{status}</span>}
          {message.fate === 'unknown' && (
            <span
              className="msg-status status-unknown-fate"
              data-testid="unknown-fate"
              title="MONO stopped while sending this reply and sent it again: it may have arrived twice."
            >
              may have arrived twice
            </span>
          )}
          <time>{clock(message.created_at)}</time>
          {message.status === 'sent' && <Icon.Check />}
        </span>
      </div>
      {failed && (
        <div className="msg-failure">
          <Icon.Alert />
          <span>{message.error ?? 'This message could not be handled.'}</span>
          {message.direction === 'out' && (
            <button
              type="button"
              className="link"
              disabled={retrying}
              onClick={() => {
                setRetrying(true);
                act
                  .retry(message.id)
                  .catch((e: Error) => setRetryError(e.message))
                  .finally(() => setRetrying(false));
              }}
            >
              {retrying ? 'Sending again…' : 'Send again'}
            </button>
          )}
          {retryError && <span className="field-error">{retryError}</span>}
        </div>
      )}
    </div>
  );
});

function stringify(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value, null, 2);
}
