// Chat: the owner's own conversation with MONO (the desktop channel), where MONO acts with the owner's full
// powers. Messages show at once and as stored once the agent has them, the reply grows while it is written, and
// what MONO wants confirmed waits above the box as Yes/No buttons.
import { useEffect, useLayoutEffect, useRef } from 'react';
import type { MessageRow } from '../../../agent-core/contract/tables.ts';
import { Icon } from '../../components/icons.tsx';
import { EmptyState, ErrorState, Spinner } from '../../components/ui.tsx';
import { loadChat, retryChat, sendChat } from '../../store/chat-actions.ts';
import { type ChatOutgoing, useStore } from '../../store/store.ts';
import { MessageBubble } from '../conversations/MessageBubble.tsx';
import { Composer } from './Composer.tsx';
import { Confirmations } from './Confirmations.tsx';

export function ChatScreen() {
  const chat = useStore((s) => s.chat);
  const online = useStore((s) => s.sync.state === 'online');
  const mode = useStore((s) => s.app?.mode);
  const scroller = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);

  useEffect(() => {
    if (online && useStore.getState().chat.status !== 'ready') void loadChat();
  }, [online]);

  // Follow the conversation (and a reply as it grows) while the reader is at the bottom.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs whenever what is shown changes
  useLayoutEffect(() => {
    const el = scroller.current;
    if (el && atBottom.current) el.scrollTop = el.scrollHeight;
  }, [chat.items, chat.outbox]);

  function onScroll() {
    const el = scroller.current;
    if (el) atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
  }

  const nothingYet = chat.status === 'ready' && chat.items.length === 0 && chat.outbox.length === 0;
  return (
    <div className="chat" data-testid="chat">
      <header className="thread-head">
        <span className="avatar avatar-mono" aria-hidden="true">
          <Icon.Spark />
        </span>
        <div>
          <strong>Chat with MONO</strong>
          <span className="muted">
            Your own conversation — MONO acts with your full powers here
            {mode === 'vps' ? ', on your VPS' : ''}.
          </span>
        </div>
      </header>
      {chat.status === 'loading' && <Spinner label="Loading your chat…" />}
      {chat.status === 'error' && <ErrorState message={chat.error ?? ''} onRetry={() => void loadChat()} />}
      <div className="chat-scroll" ref={scroller} onScroll={onScroll} data-testid="chat-log">
        {nothingYet && (
          <EmptyState icon={<Icon.Spark />} title="Ask MONO anything">
            Plan your day, look something up, write to someone for you. What needs your go-ahead waits here as
            a question with Yes and No.
          </EmptyState>
        )}
        {chat.items.map((message: MessageRow) => (
          <div className="chat-row" key={message.id}>
            <MessageBubble message={message} ownChat />
          </div>
        ))}
        {chat.outbox.map((item) => (
          <div className="chat-row" key={item.clientId}>
            <Outgoing item={item} />
          </div>
        ))}
      </div>
      <Confirmations />
      <Composer
        label="Message to MONO"
        placeholder="Write to MONO… (Enter sends, Shift+Enter for a new line)"
        onSend={sendChat}
        clearAtOnce
        testId="chat-composer"
      />
    </div>
  );
}

/** A message on its way to the agent: shown as typed until its stored row replaces it. */
function Outgoing({ item }: { item: ChatOutgoing }) {
  const failed = item.state === 'failed';
  return (
    <div className={`msg msg-out${failed ? ' msg-failed' : ''}`} data-testid="message" data-role="outgoing">
      <div className="bubble">
        <p className="msg-text">{item.text}</p>
        <span className="msg-meta">
          <span className="msg-status">{failed ? 'not sent' : 'sending…'}</span>
        </span>
      </div>
      {failed && (
        <div className="msg-failure">
          <Icon.Alert />
          <span>{item.error ?? 'MONO did not get this message.'}</span>
          <button type="button" className="link" onClick={() => void retryChat(item.clientId)}>
            Send again
          </button>
        </div>
      )}
    </div>
  );
}
