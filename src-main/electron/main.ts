import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  app,
  BrowserWindow,
  ipcMain,
  Menu,
  Notification,
  nativeImage,
  protocol,
  safeStorage,
  session,
  shell,
  Tray,
  utilityProcess,
} from 'electron';
import { errorMessage } from '../../agent-core/util/error-message.ts';
import { ipcEventName } from '../ipc/api.ts';
import type { EventName, EventPayloads } from '../ipc/contract.ts';
import { createAppServices } from '../services/app-services.ts';
import { trayInputOf, trayState } from '../services/attention.ts';
import { rendererResponse } from './app-protocol.ts';
import { registerIpc } from './ipc-register.ts';
import {
  APP_ORIGIN,
  isExternalLinkAllowed,
  isTrustedFrameUrl,
  lockPermissions,
  mainWindowOptions,
} from './security.ts';
import { trayAction, trayIconName, trayMenuTemplate } from './tray.ts';
import { utilitySpawnAgent } from './utility-agent.ts';

const here = dirname(fileURLToPath(import.meta.url));
// Electron adds resourcesPath to process: where extraResources (the agent, the icons) are unpacked.
const root = app.isPackaged
  ? (process as NodeJS.Process & { resourcesPath: string }).resourcesPath
  : join(here, '..', '..');
const rendererDir = app.isPackaged ? join(here, '..', 'renderer') : join(root, 'dist', 'renderer');
const assetsDir = join(root, 'assets');
const agentPath = app.isPackaged
  ? join(root, 'agent', 'mono-agent.js')
  : join(root, 'agent-core', 'dist', 'mono-agent.js');

protocol.registerSchemesAsPrivileged([
  { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  let window: BrowserWindow | undefined;
  let tray: Tray | undefined;
  let quitting = false;
  let updating = false;
  let pendingPairings = 0;
  // Log lines never carry a secret: every value the vault holds is replaced, once the services exist.
  let redact = (text: string) => text;

  const services = createAppServices({
    version: app.getVersion(),
    shell: 'electron',
    dataDir: join(app.getPath('userData'), 'data'),
    keyring: safeStorage,
    agentPath,
    // The agent runs as a utility process (Node inside Electron), so the RunAsNode fuse can stay off.
    spawnAgent: utilitySpawnAgent(
      (modulePath, args, options) => utilityProcess.fork(modulePath, args, options),
      (detail) => console.error(`mono: the agent crashed: ${detail}`),
    ),
    endpoints: {
      telegramApiRoot: 'https://api.telegram.org',
      model: process.env.MONO_MODEL ?? 'claude-sonnet-5-5',
    },
    emit: <E extends EventName>(event: E, payload: EventPayloads[E]) => {
      window?.webContents.send(ipcEventName(event), payload);
      if (['sync.status', 'install.progress', 'app.state', 'agent.health'].includes(event)) refreshTray();
      if (event === 'db.change') {
        const table = (payload as EventPayloads['db.change']).table;
        if (table === 'pairing') void countPairings();
        if (table === 'usage' || table === 'setting' || table === 'agent_status') refreshTray();
      }
      if (event === 'install.progress') updating = (payload as EventPayloads['install.progress']).running;
    },
    notify: (notice) => {
      if (Notification.isSupported()) new Notification({ title: notice.title, body: notice.body }).show();
    },
    log: (message, error) => log(message, error),
    setLaunchAtLogin: (enabled) => app.setLoginItemSettings({ openAtLogin: enabled }),
    openPath: (path) => shell.openPath(path),
  });

  redact = (text) => services.vault.redact(text);

  function showWindow(): void {
    if (!window) createWindow();
    window?.show();
    window?.focus();
  }

  function createWindow(): void {
    window = new BrowserWindow(
      mainWindowOptions({
        preload: join(here, 'preload.cjs'),
        icon: join(assetsDir, 'icons', 'icon-512.png'),
      }),
    );
    window.once('ready-to-show', () => window?.show());
    // Closing hides to the tray: the agent keeps working 24/7.
    window.on('close', (event) => {
      if (quitting) return;
      event.preventDefault();
      window?.hide();
    });
    window.on('closed', () => {
      window = undefined;
    });
    window.loadURL(`${APP_ORIGIN}/index.html`).catch((error) => log('the window did not load', error));
  }

  function log(message: string, error?: unknown): void {
    // errorMessage: the SurrealDB SDK throws plain objects with a message, which `instanceof Error` left unsaid.
    console.error(`mono: ${message}`, error === undefined ? '' : redact(errorMessage(error)));
  }

  /** A tray action failed: say so where the owner looks next (the window shows the state and the reason). */
  function trayFailed(error: unknown): void {
    log('a tray action failed', error);
    showWindow();
  }

  function refreshTray(): void {
    if (!tray) return;
    const state = services.appState();
    const { state: current, tooltip } = trayState(trayInputOf(services, { updating, pendingPairings }));
    tray.setImage(nativeImage.createFromPath(join(assetsDir, 'tray', trayIconName(current))));
    tray.setToolTip(tooltip);
    tray.setContextMenu(
      Menu.buildFromTemplate(
        trayMenuTemplate(
          current,
          tooltip,
          { canUpdate: state.mode === 'vps' },
          {
            open: showWindow,
            pause: trayAction(
              () => services.handlers['agent.pause'](undefined).then(refreshTray),
              trayFailed,
            ),
            resume: trayAction(
              () => services.handlers['agent.resume'](undefined).then(refreshTray),
              trayFailed,
            ),
            update: trayAction(() => services.handlers['server.update'](undefined), trayFailed),
            quit: () => {
              quitting = true;
              app.quit();
            },
          },
        ),
      ),
    );
  }

  app.on('second-instance', showWindow);
  app.on('web-contents-created', (_, contents) => {
    contents.on('will-navigate', (event) => event.preventDefault());
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      if (isExternalLinkAllowed(url))
        shell.openExternal(url).catch((error) => log('a link did not open', error));
      return { action: 'deny' };
    });
  });
  app.on('before-quit', () => {
    quitting = true;
  });
  app.on('will-quit', (event) => {
    event.preventDefault();
    services
      .stop()
      .catch((error) => log('stopping failed', error))
      .finally(() => app.exit(0));
  });

  app
    .whenReady()
    .then(start)
    .catch((error) => {
      log('MONO could not start', error);
      app.exit(1);
    });

  async function start(): Promise<void> {
    lockPermissions(session.defaultSession);
    protocol.handle('app', (request) => rendererResponse(rendererDir, request.url));
    registerIpc(
      ipcMain,
      services.handlers,
      (event) => event.sender === window?.webContents && isTrustedFrameUrl(event.senderFrame?.url),
      (method, error) => log(`${method} failed`, error),
    );
    tray = new Tray(nativeImage.createFromPath(join(assetsDir, 'tray', 'tray-offline.png')));
    tray.on('click', showWindow);
    createWindow();
    refreshTray();
    await services.start();
    await countPairings();
  }

  async function countPairings(): Promise<void> {
    const pairings = await services.handlers['pairing.list'](undefined).catch(() => []);
    pendingPairings = pairings.filter((p) => p.status === 'pending').length;
    refreshTray();
  }
}
