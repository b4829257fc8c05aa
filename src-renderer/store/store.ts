// The app's one zustand store, made of slices (app + sync, data collections, the open thread, install). Actions
// live in actions.ts and the live-change reducer in live.ts; components only select.
import { create } from 'zustand';
import type { OwnerRow } from '../../agent-core/contract/owners.ts';
import type {
  ActionRow,
  AgentStatusRow,
  ContactRow,
  JobRow,
  JobRunRow,
  MessageRow,
  PairingRow,
  SettingRow,
  UsageRow,
} from '../../agent-core/contract/tables.ts';
import type {
  AgentHealth,
  AppState,
  BackupOverview,
  ConversationHit,
  FleetState,
  InstallState,
  ServerStatus,
  SyncStatus,
  WhatsAppLink,
} from '../../src-main/ipc/contract.ts';
import { parseRoute, type Screen } from '../lib/router.ts';
import { empty, type Loadable } from './types.ts';

export type { Screen };

export interface AppSlice {
  app?: AppState;
  appError?: string;
  bridgeConnected: boolean;
  sync: SyncStatus;
  screen: Screen;
  /** What is wrong with the agent (refused credentials, no owner, not responding…), as main computes it. */
  health: AgentHealth;
}

export interface DataSlice {
  conversations: Loadable<ConversationHit>;
  search: string;
  pairings: Loadable<PairingRow>;
  contacts: Loadable<ContactRow>;
  owners: Loadable<OwnerRow>;
  settings: Loadable<SettingRow>;
  jobs: Loadable<JobRow>;
  usage: Loadable<UsageRow>;
  agentStatus?: AgentStatusRow;
  /** undefined: not loaded; null: the agent has no linked WhatsApp device. */
  whatsappLink?: WhatsAppLink | null;
}

export interface ThreadSlice {
  selected?: string;
  thread: Loadable<MessageRow> & { conversation?: string };
  selectedJob?: string;
  jobRuns: Loadable<JobRunRow>;
}

/** A message typed in the Chat screen, until the agent stored it (then its row shows instead). */
export interface ChatOutgoing {
  clientId: string;
  text: string;
  state: 'sending' | 'sent' | 'failed';
  error?: string;
}

/** The owner's own chat with MONO (the desktop channel). */
export interface ChatSlice {
  chat: Loadable<MessageRow> & {
    /** Its conversation id, as message rows name it (known once loaded). */
    conversation?: string;
    /** Tool calls waiting for the owner's yes or no. */
    actions: ActionRow[];
    outbox: ChatOutgoing[];
  };
}

export interface ServerSlice {
  server?: ServerStatus;
  serverLoading: boolean;
  logs: string[];
  install: InstallState;
  /** Backups, their schedule and the progress of a backup, restore or move (loaded by the Server screen). */
  backups?: BackupOverview;
  /** The fleet rollout running now, or the last one (loaded by the Fleet screen, then live). */
  fleet?: FleetState;
}

export type Store = AppSlice & DataSlice & ThreadSlice & ChatSlice & ServerSlice;

const route = parseRoute(window.location);

export const useStore = create<Store>()(() => ({
  bridgeConnected: true,
  sync: { state: 'connecting', epoch: 0, since: new Date().toISOString(), attempt: 0 },
  screen: route.screen,
  health: { problems: [] },
  // A reload on an open conversation opens it again (refreshVisible loads it once connected).
  selected: route.conversation,
  thread: route.conversation
    ? { status: 'loading' as const, items: [], conversation: route.conversation }
    : empty<MessageRow>(),
  conversations: empty(),
  search: '',
  pairings: empty(),
  contacts: empty(),
  owners: empty(),
  settings: empty(),
  jobs: empty(),
  usage: empty(),
  jobRuns: empty(),
  chat: { ...empty(), actions: [], outbox: [] },
  serverLoading: false,
  logs: [],
  install: { running: false, steps: [], log: [] },
}));

export const setState = useStore.setState;
export const getState = useStore.getState;

export function settingValue<T>(settings: SettingRow[], key: string, fallback: T): T {
  const row = settings.find((s) => s.key === key || s.id === `setting:${key}`);
  return row === undefined || row.value === undefined || row.value === null ? fallback : (row.value as T);
}
