// The dashboard's navigation with live counts (unread, pending pairings) and the agent's state at the bottom.
// Each item is a real link (/server, /jobs…): Back, Reload, "open in new tab" and bookmarks work.
import type { ReactNode } from 'react';
import { Icon } from '../../components/icons.tsx';
import { routePath } from '../../lib/router.ts';
import { go } from '../../store/actions.ts';
import { type Screen, useStore } from '../../store/store.ts';
import { SHORTCUT_KEYS } from './shortcuts.ts';

export const NAV_ITEMS: { screen: Screen; label: string; icon: ReactNode }[] = [
  { screen: 'chat', label: 'Chat with MONO', icon: <Icon.Spark /> },
  { screen: 'conversations', label: 'Conversations', icon: <Icon.Chat /> },
  { screen: 'access', label: 'Contacts & access', icon: <Icon.People /> },
  { screen: 'integrations', label: 'Integrations', icon: <Icon.Plug /> },
  { screen: 'jobs', label: 'Jobs', icon: <Icon.Clock /> },
  { screen: 'usage', label: 'Usage', icon: <Icon.Chart /> },
  { screen: 'server', label: 'Server', icon: <Icon.Server /> },
  { screen: 'fleet', label: 'Fleet', icon: <Icon.Fleet /> },
];

const PILL: Record<string, string> = {
  online: 'Agent online',
  connecting: 'Connecting…',
  unresponsive: 'Not responding',
  offline: 'Agent offline',
};

export function Sidebar({ onShortcuts }: { onShortcuts: () => void }) {
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
        <div className="brand-text">
          <div className="brand-name">MONO</div>
          <div className="brand-sub">{bot ? `@${bot.username}` : 'your agent'}</div>
        </div>
      </div>
      <ul>
        {NAV_ITEMS.map((item, index) => (
          <li key={item.screen}>
            <a
              href={routePath({ screen: item.screen })}
              className={`nav-item${screen === item.screen ? ' nav-active' : ''}`}
              aria-current={screen === item.screen ? 'page' : undefined}
              title={`${item.label} (${SHORTCUT_KEYS.screen}${index + 1})`}
              onClick={(event) => {
                // A plain click stays in the app; Ctrl/Cmd/middle click opens a new tab as links do.
                if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
                event.preventDefault();
                go(item.screen);
              }}
            >
              {item.icon}
              <span className="nav-label">{item.label}</span>
              {(counts[item.screen] ?? 0) > 0 && <span className="nav-count">{counts[item.screen]}</span>}
            </a>
          </li>
        ))}
      </ul>
      <button
        type="button"
        className="nav-item nav-help"
        onClick={onShortcuts}
        title="Keyboard shortcuts (?)"
      >
        <span className="kbd-mark" aria-hidden="true">
          ?
        </span>
        <span className="nav-label">Keyboard shortcuts</span>
      </button>
      <div className={`agent-pill agent-${sync}`} data-testid="agent-state">
        <span className="dot" />
        <div className="agent-pill-text">
          <strong>{PILL[sync] ?? sync}</strong>
          <span>{mode === 'vps' ? 'on your VPS' : 'on this computer'}</span>
        </div>
      </div>
    </nav>
  );
}
