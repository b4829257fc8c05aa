// The dashboard frame: sidebar, offline and fault banners, and the current screen; loads the counts the sidebar shows.
import { useEffect } from 'react';
import { loaders, loadServer } from '../../store/actions.ts';
import { useStore } from '../../store/store.ts';
import { AccessScreen } from '../access/AccessScreen.tsx';
import { ChatScreen } from '../chat/ChatScreen.tsx';
import { ConversationsScreen } from '../conversations/ConversationsScreen.tsx';
import { IntegrationsScreen } from '../integrations/IntegrationsScreen.tsx';
import { JobsScreen } from '../jobs/JobsScreen.tsx';
import { ServerScreen } from '../server/ServerScreen.tsx';
import { UsageScreen } from '../usage/UsageScreen.tsx';
import { FaultBanner } from './FaultBanner.tsx';
import { OfflineBanner } from './OfflineBanner.tsx';
import { Sidebar } from './Sidebar.tsx';

export function Dashboard() {
  const screen = useStore((s) => s.screen);
  const online = useStore((s) => s.sync.state === 'online');

  useEffect(() => {
    if (!online) return;
    if (useStore.getState().conversations.status === 'idle') void loaders.conversations();
    if (useStore.getState().pairings.status === 'idle') void loaders.pairings();
    if (!useStore.getState().server) void loadServer();
  }, [online]);

  return (
    <div className="layout">
      <Sidebar />
      <main className="main">
        <OfflineBanner />
        <FaultBanner />
        <div className="screen" data-screen={screen}>
          {screen === 'chat' && <ChatScreen />}
          {screen === 'conversations' && <ConversationsScreen />}
          {screen === 'access' && <AccessScreen />}
          {screen === 'integrations' && <IntegrationsScreen />}
          {screen === 'jobs' && <JobsScreen />}
          {screen === 'usage' && <UsageScreen />}
          {screen === 'server' && <ServerScreen />}
        </div>
      </main>
    </div>
  );
}
