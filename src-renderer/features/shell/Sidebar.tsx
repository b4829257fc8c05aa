// The dashboard's navigation with live counts (unread, pending pairings) and the agent's state at the bottom.
import type { ReactNode } from 'react';
import { Icon } from '../../components/icons.tsx';
import { go } from '../../store/actions.ts';
import { type Screen, useStore } from '../../store/store.ts';

const ITEMS: { screen: Screen; label: string; icon: ReactNode }[] = [
  { screen: 'chat', label: 'Chat with MONO', icon: <Icon.Spark /> },
  { screen: 'conversations', label: 'Conversations', icon: <Icon.Chat /> },
  { screen: 'access', label: 'Contacts & access', icon: <Icon.People /> },
  { screen: 'integrations', label: 'Integrations', icon: <Icon.Plug /> },
  { screen: 'jobs', label: 'Jobs', icon: <Icon.Clock /> },
  { screen: 'usage', label: 'Usage', icon: <Icon.Chart /> },
  { screen: 'server', label: 'Server', icon: <Icon.Server /> },
];

export function Sidebar() {
  const screen = useStore((s) => s.screen);
  const unread = useStore((s) =>
    s.conversations.items.reduce(
      (n, c) => n + (c.id === s.selected || c.channel === 'desktop' ? 0 : (c.unread ?? 0)),
      0,
    ),
  );
  const pending = useStore((s) => s.pairings.items.filter((p) => p.status === 'pending').length);
  const sync = useStore((s) => s.sync.state);
  const bot = useStore((s) => s.app?.wizard.telegram);
  const mode = useStore((s) => s.app?.mode);

  const counts: Partial<Record<Screen, number>> = { conversations: unread, access: pending };
  return (
    <nav className="sidebar" aria-label="Main">
      <div className="brand">
        <div className="brand-mark" aria-hidden="true" />
        <div>
          <div className="brand-name">MONO</div>
          <div className="brand-sub">{bot ? `@${bot.username}` : 'your agent'}</div>
        </div>
      </div>
      <ul>
        {ITEMS.map((item) => (
          <li key={item.screen}>
            <button
              type="button"
              className={`nav-item${screen === item.screen ? ' nav-active' : ''}`}
              aria-current={screen === item.screen ? 'page' : undefined}
              onClick={() => go(item.screen)}
            >
              {item.icon}
              <span>{item.label}</span>
              {(counts[item.screen] ?? 0) > 0 && <span className="nav-count">{counts[item.screen]}</span>}
            </button>
          </li>
        ))}
      </ul>
      <div className={`agent-pill agent-${sync}`} data-testid="agent-state">
        <span className="dot" />
        <div>
          <strong>
            {sync === 'online' ? 'Agent online' : sync === 'connecting' ? 'Connecting…' : 'Agent offline'}
          </strong>
          <span>{mode === 'vps' ? 'on your VPS' : 'on this computer'}</span>
        </div>
      </div>
    </nav>
  );
}
