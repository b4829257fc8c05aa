// The dashboard frame: sidebar, the banners (connection, pause, faults, what is wrong), and the current screen;
// loads the counts the sidebar shows and listens for the keyboard shortcuts.
import { useCallback, useEffect, useState } from 'react';
import { loaders, loadServer } from '../../store/actions.ts';
import { useStore } from '../../store/store.ts';
import { AccessScreen } from '../access/AccessScreen.tsx';
import { ChatScreen } from '../chat/ChatScreen.tsx';
import { ConversationsScreen } from '../conversations/ConversationsScreen.tsx';
import { FleetScreen } from '../fleet/FleetScreen.tsx';
import { IntegrationsScreen } from '../integrations/IntegrationsScreen.tsx';
import { JobsScreen } from '../jobs/JobsScreen.tsx';
import { ServerScreen } from '../server/ServerScreen.tsx';
import { UsageScreen } from '../usage/UsageScreen.tsx';
import { FaultBanner } from './FaultBanner.tsx';
import { HealthBanner } from './HealthBanner.tsx';
import { OfflineBanner } from './OfflineBanner.tsx';
import { ShortcutsHelp } from './ShortcutsHelp.tsx';
import { Sidebar } from './Sidebar.tsx';
import { useShortcuts } from './shortcuts.ts';

export function Dashboard() {
  const screen = useStore((s) => s.screen);
  const online = useStore((s) => s.sync.state === 'online');
  const [help, setHelp] = useState(false);
  const openHelp = useCallback(() => setHelp(true), []);
  useShortcuts(openHelp);

  useEffect(() => {
    if (!online) return;
    if (useStore.getState().conversations.status === 'idle') void loaders.conversations();
    if (useStore.getState().pairings.status === 'idle') void loaders.pairings();
    if (!useStore.getState().server) void loadServer();
  }, [online]);

  return (
    <div className="layout">
      <Sidebar onShortcuts={openHelp} />
      <main className="main">
        <OfflineBanner />
        <FaultBanner />
        <HealthBanner />
        <div className="screen" data-screen={screen}>
          {screen === 'chat' && <ChatScreen />}
          {screen === 'conversations' && <ConversationsScreen />}
          {screen === 'access' && <AccessScreen />}
          {screen === 'integrations' && <IntegrationsScreen />}
          {screen === 'jobs' && <JobsScreen />}
          {screen === 'usage' && <UsageScreen />}
          {screen === 'server' && <ServerScreen />}
          {screen === 'fleet' && <FleetScreen />}
        </div>
      </main>
      {help && <ShortcutsHelp onClose={() => setHelp(false)} />}
    </div>
  );
}
