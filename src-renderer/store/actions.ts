// Everything the UI asks of MONO, as plain functions over the store: load with loading/error states, change
// through IPC, and re-select what is on screen after every reconnect.
import type { MethodInput, SecretName } from '../../src-main/ipc/contract.ts';
import { errorMessage, mono, onBridgeConnection } from '../lib/mono.ts';
import { onRouteChange, pushRoute, type Route } from '../lib/router.ts';
import { keepOutbox, loadChat } from './chat-actions.ts';
import { applyChange } from './live.ts';
import { getState, type Screen, type Store, setState } from './store.ts';
import { fresher, type Loadable } from './types.ts';

type CollectionKey = 'conversations' | 'pairings' | 'contacts' | 'owners' | 'settings' | 'jobs' | 'usage';

async function load<K extends CollectionKey>(key: K, fetch: () => Promise<Store[K]['items']>): Promise<void> {
  const previous = getState()[key] as Loadable<unknown>;
  setState({
    [key]: { ...previous, status: previous.status === 'ready' ? 'ready' : 'loading' },
  } as Partial<Store>);
  try {
    const items = await fetch();
    setState({ [key]: { status: 'ready', items } } as Partial<Store>);
  } catch (error) {
    setState({ [key]: { ...previous, status: 'error', error: errorMessage(error) } } as Partial<Store>);
  }
}

export const USAGE_DAYS = 30;

export const loaders: Record<CollectionKey, () => Promise<void>> = {
  conversations: () => load('conversations', () => mono.conversation.list({ search: getState().search })),
  pairings: () => load('pairings', () => mono.pairing.list()),
  contacts: () => load('contacts', () => mono.contact.list()),
  owners: () => load('owners', () => mono.owner.list()),
  settings: () => load('settings', () => mono.setting.list()),
  jobs: () => load('jobs', () => mono.job.list()),
  usage: () => load('usage', () => mono.usage.list({ days: USAGE_DAYS })),
};

export async function init(): Promise<() => void> {
  const offs = [
    mono.on('app.state', (app) => setState({ app })),
    mono.on('install.progress', (install) => setState({ install })),
    mono.on('backup.progress', (backups) => setState({ backups })),
    mono.on('fleet.progress', (fleet) => setState({ fleet })),
    mono.on('db.change', applyChange),
    mono.on('server.log', ({ line }) => setState((s) => ({ logs: [...s.logs, line].slice(-2000) }))),
    mono.on('sync.status', (sync) => {
      const before = getState().sync;
      setState({ sync });
      if (sync.state === 'online' && sync.epoch !== before.epoch) void refreshVisible();
    }),
    mono.on('agent.health', (health) => setState({ health })),
    keepOutbox(),
    onBridgeConnection((connected) => {
      setState({ bridgeConnected: connected });
      if (connected)
        void Promise.all([
          loadApp(),
          mono.sync.status().then((sync) => setState({ sync })),
          mono.agent.health().then((health) => setState({ health })),
        ]);
    }),
    onRouteChange(showRoute),
  ];
  await loadApp();
  const [sync, install, health] = await Promise.all([
    mono.sync.status(),
    mono.install.state(),
    mono.agent.health(),
  ]);
  setState({ sync, install, health });
  // Connected already (a reload): what the address asks for (an open conversation) is loaded now.
  if (sync.state === 'online') void refreshVisible();
  return () => {
    for (const off of offs) off();
  };
}

async function loadApp(): Promise<void> {
  try {
    setState({ app: await mono.app.state(), appError: undefined });
  } catch (error) {
    setState({ appError: errorMessage(error) });
  }
}

/** After a (re)connect: select again everything that is on screen (live changes resume by themselves). */
export async function refreshVisible(): Promise<void> {
  const state = getState();
  const jobs: Promise<void>[] = [];
  for (const key of Object.keys(loaders) as CollectionKey[]) {
    if (state[key].status !== 'idle') jobs.push(loaders[key]());
  }
  if (state.thread.conversation) jobs.push(openThread(state.thread.conversation, { quiet: true }));
  if (state.chat.status !== 'idle') jobs.push(loadChat({ quiet: true }));
  if (state.selectedJob) jobs.push(selectJob(state.selectedJob));
  if (state.whatsappLink !== undefined) jobs.push(loadWhatsAppLink());
  await Promise.all(jobs);
}

export function go(screen: Screen): void {
  const { selected } = getState();
  pushRoute(screen === 'conversations' && selected ? { screen, conversation: selected } : { screen });
  setState({ screen });
}

/** Back, Forward, or a link: show that route without adding to the history. */
function showRoute(route: Route): void {
  setState({ screen: route.screen });
  if (route.conversation && route.conversation !== getState().selected) void openThread(route.conversation);
}

export async function openThread(conversation: string, opts: { quiet?: boolean } = {}): Promise<void> {
  if (!opts.quiet && getState().screen === 'conversations')
    pushRoute({ screen: 'conversations', conversation });
  const current = getState().thread;
  setState({
    selected: conversation,
    thread:
      opts.quiet && current.conversation === conversation
        ? current
        : { status: 'loading', items: [], conversation },
  });
  try {
    const loaded = await mono.conversation.messages({ conversation });
    if (getState().selected !== conversation) return;
    // Live changes that arrived while this was read may be newer than what the read saw: keep the newer rows.
    const live = getState().thread;
    const items = live.conversation === conversation ? fresher(loaded, live.items) : loaded;
    setState({ thread: { status: 'ready', items, conversation } });
    void mono.conversation.markRead({ conversation }).catch(() => {});
  } catch (error) {
    setState({ thread: { status: 'error', items: current.items, conversation, error: errorMessage(error) } });
  }
}

export async function selectJob(job: string): Promise<void> {
  setState({ selectedJob: job, jobRuns: { status: 'loading', items: [] } });
  try {
    setState({ jobRuns: { status: 'ready', items: await mono.job.runs({ job }) } });
  } catch (error) {
    setState({ jobRuns: { status: 'error', items: [], error: errorMessage(error) } });
  }
}

/** The server's state; the log tail too when asked (afterwards new lines arrive as events). */
export async function loadServer(opts: { withLogs?: boolean } = {}): Promise<void> {
  setState({ serverLoading: true });
  try {
    const [server, logs] = await Promise.all([
      mono.server.status(),
      opts.withLogs ? mono.server.logs({ limit: 500 }) : Promise.resolve(undefined),
    ]);
    setState({ server, ...(logs && { logs }) });
  } catch (error) {
    setState({
      server: { mode: null, reachable: false, paused: false, channels: {}, error: errorMessage(error) },
    });
  } finally {
    setState({ serverLoading: false });
  }
}

export async function loadWhatsAppLink(): Promise<void> {
  try {
    setState({ whatsappLink: await mono.whatsapp.link() });
  } catch {
    // Offline: the live change brings it once connected.
  }
}

export const act = {
  decidePairing: (id: string, decision: 'approved' | 'denied') => mono.pairing.decide({ id, decision }),
  setAllowed: (id: string, allowed: boolean) => mono.contact.setAllowed({ id, allowed }),
  claimOwner: (mode: 'add' | 'replace') => mono.owner.claim({ mode }),
  removeOwner: (id: string) => mono.owner.remove({ id }),
  setSetting: (key: string, value: string | number | boolean | null | string[]) =>
    mono.setting.set({ key, value }),
  setSecret: (name: SecretName, value: string) => mono.secret.set({ name, value }),
  createJob: (input: MethodInput<'job.create'>) => mono.job.create(input),
  setJobEnabled: (id: string, enabled: boolean) => mono.job.setEnabled({ id, enabled }),
  deleteJob: (id: string) => mono.job.delete({ id }),
  retry: (message: string) => mono.message.retry({ message }),
  pause: async () => setState({ server: await mono.agent.pause() }),
  resume: async () => setState({ server: await mono.agent.resume() }),
  restart: async () => setState({ server: await mono.server.restart() }),
  update: async () => setState({ install: await mono.server.update() }),
  rollback: () => mono.server.rollback(),
};
