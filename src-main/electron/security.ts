// The desktop's security rules in one place, as plain data and functions Electron is handed (and tests check):
// the CSP, the locked-down window options, which senders may call IPC, and where navigation may go.
import type { BrowserWindowConstructorOptions } from 'electron';
import { METHOD_NAMES } from '../ipc/contract.ts';

/** The renderer is served from this origin (a custom protocol in Electron; the bridge serves http://127.0.0.1). */
export const APP_ORIGIN = 'app://mono';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self' ws://127.0.0.1:*",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export function mainWindowOptions(paths: { preload: string; icon: string }): BrowserWindowConstructorOptions {
  return {
    width: 1240,
    height: 820,
    minWidth: 800,
    minHeight: 600,
    show: false,
    title: 'MONO',
    backgroundColor: '#0e1116',
    icon: paths.icon,
    autoHideMenuBar: true,
    webPreferences: {
      preload: paths.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: true,
      // The preload builds `window.mono` from these names (it cannot load the contract's schemas).
      additionalArguments: [`--mono-methods=${METHOD_NAMES.join(',')}`],
    },
  };
}

/**
 * No web permission is ever granted (camera, microphone, notifications, clipboard reads, devices…): the UI needs
 * none — notifications come from main, links open in the system browser. Electron asks twice, at request time
 * and in synchronous checks (`navigator.permissions.query`, some features ask before requesting): both say no.
 */
export function isPermissionGranted(_permission: string): boolean {
  return false;
}

/** The part of an Electron session the permission handlers are installed on. */
export interface PermissionSession {
  setPermissionRequestHandler(
    handler: (webContents: unknown, permission: string, callback: (granted: boolean) => void) => void,
  ): void;
  setPermissionCheckHandler(handler: (webContents: unknown, permission: string) => boolean): void;
  setDevicePermissionHandler(handler: (details: unknown) => boolean): void;
}

export function lockPermissions(session: PermissionSession): void {
  session.setPermissionRequestHandler((_, permission, callback) => callback(isPermissionGranted(permission)));
  session.setPermissionCheckHandler((_, permission) => isPermissionGranted(permission));
  session.setDevicePermissionHandler(() => false);
}

/** Only the app's own page (top frame, our origin) may call IPC. */
export function isTrustedFrameUrl(url: string | undefined): boolean {
  if (!url) return false;
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}` === APP_ORIGIN;
  } catch {
    return false;
  }
}

/** Links the user clicks (the bot's t.me link, docs) open in the system browser; nothing else leaves the app. */
export function isExternalLinkAllowed(url: string): boolean {
  try {
    const parsed = new URL(url);
    return (
      parsed.protocol === 'https:' &&
      ['t.me', 'console.anthropic.com', 'developers.facebook.com'].includes(parsed.hostname)
    );
  } catch {
    return false;
  }
}
