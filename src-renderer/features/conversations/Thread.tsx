// One conversation, live: a virtualised list (smooth with tens of thousands of messages) that sticks to the
// newest message while you are at the bottom, with day separators, tool calls, failures and retry, and the box
// to step in and answer the contact yourself.
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { ConversationRow, MessageRow } from '../../../agent-core/contract/tables.ts';
import { Icon } from '../../components/icons.tsx';
import { EmptyState, ErrorState, Spinner } from '../../components/ui.tsx';
import { dayLabel, initials, sameDayHere } from '../../lib/format.ts';
import { openThread } from '../../store/actions.ts';
import { useStore } from '../../store/store.ts';
import { MessageBubble } from './MessageBubble.tsx';
import { StepIn } from './StepIn.tsx';

export function Thread({
  title,
  channel,
  conversation: row,
}: {
  title: string;
  channel: string;
  /** The conversation's row, once the list has it: the owner can step in from here. */
  conversation?: ConversationRow;
}) {
  const thread = useStore((s) => s.thread);
  const scroller = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const seen = useRef(0);
  const [unseen, setUnseen] = useState(0);
  const messages = thread.items;

  const virtualizer = useVirtualizer({
    count: messages.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => 76,
    overscan: 8,
    paddingStart: 8,
    paddingEnd: 20,
    scrollPaddingEnd: 20,
    getItemKey: (index) => messages[index]?.id ?? index,
  });

  // Jump to the newest message when a thread opens, and follow new ones while the reader is at the bottom.
  const conversation = thread.conversation;
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when another conversation opens
  useLayoutEffect(() => {
    atBottom.current = true;
    seen.current = 0;
    setUnseen(0);
  }, [conversation]);
  useEffect(() => {
    if (messages.length === 0) return;
    if (atBottom.current) {
      virtualizer.scrollToIndex(messages.length - 1, { align: 'end' });
      seen.current = messages.length;
    } else {
      // Reading older messages: say that new ones arrived instead of pulling the reader away.
      setUnseen(Math.max(0, messages.length - seen.current));
    }
  }, [messages.length, virtualizer]);

  function jumpToLatest() {
    atBottom.current = true;
    seen.current = messages.length;
    setUnseen(0);
    virtualizer.scrollToIndex(messages.length - 1, { align: 'end' });
  }

  function onScroll() {
    const el = scroller.current;
    if (!el) return;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
    if (atBottom.current && unseen > 0) {
      seen.current = messages.length;
      setUnseen(0);
    }
  }

  return (
    <div className="thread">
      <header className="thread-head">
        <span className="avatar">{initials(title || '?')}</span>
        <div>
          <strong>{title}</strong>
          <span className={`channel channel-${channel}`}>{channel}</span>
        </div>
        <span className="thread-count">{messages.length.toLocaleString()} messages</span>
      </header>
      {thread.status === 'loading' && <Spinner label="Loading messages…" />}
      {thread.status === 'error' && (
        <ErrorState
          message={thread.error ?? ''}
          onRetry={() => conversation && void openThread(conversation)}
        />
      )}
      {thread.status === 'ready' && messages.length === 0 && (
        <EmptyState icon={<Icon.Chat />} title="No messages yet" />
      )}
      {unseen > 0 && (
        <button type="button" className="new-messages" onClick={jumpToLatest}>
          {unseen === 1 ? '1 new message' : `${unseen} new messages`} ↓
        </button>
      )}
      <div className="thread-scroll" ref={scroller} onScroll={onScroll} data-testid="thread">
        <div className="thread-inner" style={{ height: virtualizer.getTotalSize() }}>
          {virtualizer.getVirtualItems().map((item) => {
            const message = messages[item.index] as MessageRow;
            const previous = messages[item.index - 1];
            const newDay = !previous || !sameDayHere(previous.created_at, message.created_at);
            return (
              <div
                key={item.key}
                data-index={item.index}
                ref={virtualizer.measureElement}
                className="thread-row"
                style={{ transform: `translateY(${item.start}px)` }}
              >
                {newDay && <div className="day-sep">{dayLabel(message.created_at)}</div>}
                <MessageBubble message={message} />
              </div>
            );
          })}
        </div>
      </div>
      {row && row.channel !== 'desktop' && <StepIn conversation={row} />}
    </div>
  );
}
