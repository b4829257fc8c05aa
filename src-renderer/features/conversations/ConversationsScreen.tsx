// Conversations: the list (search over names and message text, channel, last message, unread) beside the live
// thread of the one selected.
import { useEffect, useRef, useState } from 'react';
import { Icon } from '../../components/icons.tsx';
import { EmptyState, ErrorState, Spinner } from '../../components/ui.tsx';
import { initials, timeAgo } from '../../lib/format.ts';
import { loaders, openThread } from '../../store/actions.ts';
import { setState, useStore } from '../../store/store.ts';
import { Thread } from './Thread.tsx';

export function ConversationsScreen() {
  const all = useStore((s) => s.conversations);
  // The owner's own chat with MONO has its own screen.
  const conversations = { ...all, items: all.items.filter((c) => c.channel !== 'desktop') };
  const selected = useStore((s) => s.selected);
  const search = useStore((s) => s.search);
  const bot = useStore((s) => s.app?.wizard.telegram);
  const [query, setQuery] = useState(search);

  // Typing settles for 200 ms before the search runs; leaving the screen sooner still runs it (never a stale list).
  const pending = useRef(query);
  pending.current = query;
  useEffect(() => {
    const timer = setTimeout(() => runSearch(query), 200);
    return () => clearTimeout(timer);
  }, [query]);
  useEffect(() => () => runSearch(pending.current), []);

  const current = conversations.items.find((c) => c.id === selected);

  return (
    <div className="conversations">
      <section className="conv-list" aria-label="Conversations">
        <div className="conv-search">
          <Icon.Search />
          <input
            type="search"
            placeholder="Search names and messages"
            aria-label="Search conversations"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
          />
        </div>
        {conversations.status === 'loading' && <Spinner label="Loading conversations…" />}
        {conversations.status === 'error' && (
          <ErrorState message={conversations.error ?? ''} onRetry={() => void loaders.conversations()} />
        )}
        {conversations.status === 'ready' && conversations.items.length === 0 && (
          <EmptyState icon={<Icon.Chat />} title={search ? 'No matches' : 'No conversations yet'}>
            {search
              ? `Nothing matches “${search}”.`
              : bot
                ? `Send a message to @${bot.username} on Telegram — it shows up here as it happens.`
                : 'When someone writes to your agent, the conversation shows up here.'}
          </EmptyState>
        )}
        {search && conversations.status === 'ready' && (
          <p className="conv-note">
            Searched names, and the latest messages of your 50 most recent conversations.
          </p>
        )}
        <ul>
          {conversations.items.map((c) => (
            <li key={c.id}>
              <button
                type="button"
                className={`conv-item${c.id === selected ? ' conv-active' : ''}`}
                onClick={() => void openThread(c.id)}
                data-testid="conversation-item"
              >
                <span className="avatar">{initials(c.title)}</span>
                <span className="conv-body">
                  <span className="conv-top">
                    <strong>{c.title}</strong>
                    <time>{timeAgo(c.last_message_at)}</time>
                  </span>
                  <span className="conv-bottom">
                    <span className={`channel channel-${c.channel}`}>{c.channel}</span>
                    <span className="conv-preview" data-testid={c.match ? 'search-hit' : undefined}>
                      {c.match ? (
                        <Highlight text={c.match.text} query={search} />
                      ) : (
                        (c.last_message_preview ?? '')
                      )}
                    </span>
                    {c.unread > 0 && c.id !== selected && <span className="unread">{c.unread}</span>}
                  </span>
                </span>
              </button>
            </li>
          ))}
        </ul>
      </section>
      <section className="thread-pane" aria-label="Thread">
        {current || selected ? (
          <Thread
            title={current?.title ?? ''}
            channel={current?.channel ?? 'telegram'}
            conversation={current}
          />
        ) : (
          <EmptyState icon={<Icon.Chat />} title="Pick a conversation">
            Messages and your agent's replies appear here live, with the tools it used.
          </EmptyState>
        )}
      </section>
    </div>
  );
}

function runSearch(query: string): void {
  if (query === useStore.getState().search) return;
  setState({ search: query });
  void loaders.conversations();
}

/** The matched words in a message, with a little of what surrounds them. */
function Highlight({ text, query }: { text: string; query: string }) {
  const at = text.toLowerCase().indexOf(query.trim().toLowerCase());
  if (at < 0) return <>{text}</>;
  const start = Math.max(0, at - 24);
  const end = at + query.trim().length;
  return (
    <>
      {start > 0 && '…'}
      {text.slice(start, at)}
      <mark>{text.slice(at, end)}</mark>
      {text.slice(end)}
    </>
  );
}
