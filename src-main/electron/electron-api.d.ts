// The part of Electron's API that MONO's shell uses, with Electron's own signatures, for type-checking where
// Electron is not installed. Electron is an optional dependency: its tooling needs Node.js 22.12 or newer, and npm
// skips it on older Node (MONO then runs in the browser). tsconfig.json resolves `electron` to the real
// node_modules/electron/electron.d.ts whenever it is installed, and to this file only when it is not.
/// <reference types="node" />

type Listener = (...args: unknown[]) => void;

export interface Event {
  preventDefault(): void;
}

export interface WebContents {
  send(channel: string, ...args: unknown[]): void;
  on(event: 'will-navigate' | 'will-attach-webview', listener: (event: Event) => void): this;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' } | { action: 'allow' }): void;
}

export interface WebPreferences {
  preload?: string;
  contextIsolation?: boolean;
  sandbox?: boolean;
  nodeIntegration?: boolean;
  nodeIntegrationInWorker?: boolean;
  nodeIntegrationInSubFrames?: boolean;
  webSecurity?: boolean;
  allowRunningInsecureContent?: boolean;
  webviewTag?: boolean;
  navigateOnDragDrop?: boolean;
  spellcheck?: boolean;
  additionalArguments?: string[];
}

export interface BrowserWindowConstructorOptions {
  width?: number;
  height?: number;
  minWidth?: number;
  minHeight?: number;
  show?: boolean;
  title?: string;
  backgroundColor?: string;
  icon?: string;
  autoHideMenuBar?: boolean;
  webPreferences?: WebPreferences;
}

export class BrowserWindow {
  constructor(options?: BrowserWindowConstructorOptions);
  readonly webContents: WebContents;
  show(): void;
  hide(): void;
  focus(): void;
  loadURL(url: string): Promise<void>;
  on(event: 'close', listener: (event: Event) => void): this;
  on(event: 'closed', listener: () => void): this;
  once(event: 'ready-to-show', listener: () => void): this;
}

export interface MenuItemConstructorOptions {
  label?: string;
  type?: 'normal' | 'separator' | 'submenu' | 'checkbox' | 'radio';
  enabled?: boolean;
  click?: (...args: unknown[]) => void;
}

export interface Menu {
  readonly items: unknown[];
}
export const Menu: { buildFromTemplate(template: MenuItemConstructorOptions[]): Menu };

export interface NativeImage {
  isEmpty(): boolean;
}
export const nativeImage: { createFromPath(path: string): NativeImage };

export class Tray {
  constructor(image: NativeImage | string);
  setImage(image: NativeImage | string): void;
  setToolTip(toolTip: string): void;
  setContextMenu(menu: Menu | null): void;
  on(event: 'click', listener: Listener): this;
}

export class Notification {
  constructor(options?: { title?: string; body?: string });
  static isSupported(): boolean;
  show(): void;
}

export interface WebFrameMain {
  readonly url: string;
}

export interface IpcMainInvokeEvent {
  readonly sender: WebContents;
  readonly senderFrame: WebFrameMain | null;
}

export const ipcMain: {
  handle(
    channel: string,
    listener: (event: IpcMainInvokeEvent, ...args: unknown[]) => Promise<unknown> | unknown,
  ): void;
  removeHandler(channel: string): void;
};

export const ipcRenderer: {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (...args: unknown[]) => void): unknown;
};

export const contextBridge: { exposeInMainWorld(apiKey: string, api: unknown): void };

export interface Session {
  setPermissionRequestHandler(
    handler:
      | ((
          webContents: WebContents,
          permission: string,
          callback: (granted: boolean) => void,
          details: unknown,
        ) => void)
      | null,
  ): void;
  setPermissionCheckHandler(
    handler:
      | ((webContents: WebContents | null, permission: string, origin: string, details: unknown) => boolean)
      | null,
  ): void;
  setDevicePermissionHandler(handler: ((details: unknown) => boolean) | null): void;
}
export const session: { readonly defaultSession: Session };

export const protocol: {
  registerSchemesAsPrivileged(
    schemes: {
      scheme: string;
      privileges?: { standard?: boolean; secure?: boolean; supportFetchAPI?: boolean };
    }[],
  ): void;
  handle(scheme: string, handler: (request: Request) => Response | Promise<Response>): void;
};

export const shell: {
  openExternal(url: string): Promise<void>;
  /** Resolves to an error message, or an empty string when the folder or file was opened. */
  openPath(path: string): Promise<string>;
};

export const safeStorage: {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
  getSelectedStorageBackend():
    | 'basic_text'
    | 'gnome_libsecret'
    | 'kwallet'
    | 'kwallet5'
    | 'kwallet6'
    | 'unknown';
};

export interface UtilityProcess extends NodeJS.EventEmitter {
  readonly pid: number | undefined;
  readonly stdout: NodeJS.ReadableStream | null;
  readonly stderr: NodeJS.ReadableStream | null;
  kill(): boolean;
}
export const utilityProcess: {
  fork(
    modulePath: string,
    args?: string[],
    options?: {
      env?: NodeJS.ProcessEnv | Record<string, string>;
      stdio?: string | string[];
      serviceName?: string;
    },
  ): UtilityProcess;
};

export const app: {
  readonly isPackaged: boolean;
  getPath(name: 'userData' | 'home' | 'temp' | 'appData'): string;
  getVersion(): string;
  requestSingleInstanceLock(): boolean;
  quit(): void;
  exit(exitCode?: number): void;
  whenReady(): Promise<void>;
  setLoginItemSettings(settings: { openAtLogin?: boolean }): void;
  on(event: 'second-instance' | 'before-quit', listener: () => void): unknown;
  on(event: 'will-quit', listener: (event: Event) => void): unknown;
  on(event: 'web-contents-created', listener: (event: Event, contents: WebContents) => void): unknown;
};
