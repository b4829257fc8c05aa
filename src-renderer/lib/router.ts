// Routes in the URL: each screen has its own path (/server, /jobs…) and an open conversation its query
// (?c=conversation:…), so Back, Reload and links land where the owner was. Paths are one level deep: the build's
// relative asset paths hold on every route, in the browser and in Electron's app:// alike.
export const SCREENS = [
  'chat',
  'conversations',
  'access',
  'integrations',
  'jobs',
  'usage',
  'server',
  'fleet',
] as const;
export type Screen = (typeof SCREENS)[number];

export interface Route {
  screen: Screen;
  /** The open conversation (Conversations only). */
  conversation?: string;
}

export function parseRoute(location: { pathname: string; search: string }): Route {
  const name = location.pathname.split('/').filter(Boolean).at(-1) ?? '';
  const screen = (SCREENS as readonly string[]).includes(name) ? (name as Screen) : 'conversations';
  const conversation = new URLSearchParams(location.search).get('c') ?? undefined;
  return screen === 'conversations' && conversation?.startsWith('conversation:')
    ? { screen, conversation }
    : { screen };
}

export function routePath(route: Route): string {
  const query = route.conversation ? `?${new URLSearchParams({ c: route.conversation })}` : '';
  return `/${route.screen}${query}`;
}

/** Records a route in the history (a new entry, or replacing the current one) unless it is already there. */
export function pushRoute(route: Route, options: { replace?: boolean } = {}): void {
  const path = routePath(route);
  if (`${window.location.pathname}${window.location.search}` === path) return;
  if (options.replace) window.history.replaceState(null, '', path);
  else window.history.pushState(null, '', path);
}

/** Back and Forward: the route to show, each time the owner moves through the history. */
export function onRouteChange(handler: (route: Route) => void): () => void {
  const listener = () => handler(parseRoute(window.location));
  window.addEventListener('popstate', listener);
  return () => window.removeEventListener('popstate', listener);
}
