// `mono start` (`npm start`): opens the desktop app when Electron's binary is usable; otherwise serves the same
// UI through the local bridge, runs the local agent, and prints the URL to open.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      browser: { type: 'boolean', default: false },
      port: { type: 'string' },
      'data-dir': { type: 'string' },
    },
  });
  const dataDir = values['data-dir'] ?? process.env.MONO_DESKTOP_DIR ?? join(homedir(), '.mono', 'desktop');
  const portText = values.port ?? process.env.MONO_BRIDGE_PORT;
  const port = portText === undefined ? undefined : Number(portText);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
    console.error(`mono: --port must be a number from 0 to 65535 (got "${portText}").`);
    return 2;
  }
  if (!nodeSupported()) {
    console.error(
      `mono: MONO needs Node.js ${NODE_MIN} (as "engines" in package.json says); this is ${process.versions.node}. Install a current Node.js LTS from https://nodejs.org, then run "npm install" and "npm start" again.`,
    );
    return 1;
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });

  if (!values.browser) {
    const electron = electronBinary(dataDir);
    if (electron) return runElectron(electron);
  }

  if (!ensureBuilt()) return 1;
  const { startBrowserApp } = await import('../../bridge/browser-app.ts');
  const { installLastResort } = await import('../last-resort.ts');
  const { askHidden, canAsk } = await import('../hidden-input.ts');
  const { errorMessage } = await import('../../../agent-core/util/error-message.ts');
  const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version as string;
  let app: Awaited<ReturnType<typeof startBrowserApp>> | undefined;
  installLastResort(process, {
    log: (line) => console.error(line),
    redact: (text) => app?.services.vault.redact(text) ?? text,
    stop: async () => app?.close(),
    exit: (code) => process.exit(code),
  });
  app = await startBrowserApp({
    version,
    dataDir,
    rendererDir: join(root, 'dist', 'renderer'),
    agentPath: join(root, 'agent-core', 'dist', 'mono-agent.js'),
    endpoints: {
      telegramApiRoot: process.env.TELEGRAM_API_ROOT ?? 'https://api.telegram.org',
      model: process.env.MONO_MODEL ?? 'claude-sonnet-5-5',
      ...(process.env.ANTHROPIC_BASE_URL && { anthropicBaseUrl: process.env.ANTHROPIC_BASE_URL }),
    },
    agentEnv: {
      TELEGRAM_API_ROOT: process.env.TELEGRAM_API_ROOT,
      ANTHROPIC_BASE_URL: process.env.ANTHROPIC_BASE_URL,
      MONO_MODEL: process.env.MONO_MODEL,
      MONO_LOG_LEVEL: process.env.MONO_LOG_LEVEL,
    },
    ...(port !== undefined && { port }),
    ...(canAsk() && {
      askPassphrase: (attempt: number) =>
        askHidden(
          attempt === 1
            ? '\n  Your keys are protected by your passphrase. Enter it to start your agent\n  (or press Enter to unlock in the browser instead): '
            : '  That passphrase is not right. Try again: ',
        ).then((typed) => (typed ? typed : undefined)),
    }),
    log: (message, error) =>
      console.error(
        `mono: ${message}${error === undefined ? '' : `: ${app?.services.vault.redact(errorMessage(error)) ?? errorMessage(error)}`}`,
      ),
  });
  console.log(`\n  MONO is running. Open this address in your browser:\n\n    ${app.bridge.openUrl}\n`);
  console.log('  The address stays the same after a restart: bookmark it.');
  if (app.services.vault.status().state === 'locked') {
    console.log('  Your keys are locked: the page asks for your passphrase before your agent starts.');
  }
  console.log('  (Electron is not installed here, so MONO runs as a web page. Press Ctrl+C to stop.)\n');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await app.close();
  return 0;
}

/** The oldest Node.js the app's build tools and libraries accept, in words (package.json's engines.node). */
export const NODE_MIN = '20.19 or newer (on 22: 22.12 or newer)';

/** Whether this Node.js is one package.json's engines.node accepts (^20.19.0 || >=22.12.0). */
export function nodeSupported(version: string = process.versions.node): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  if (major === 20) return minor >= 19;
  if (major === 22) return minor >= 12;
  return major > 22;
}

/** Electron's tooling needs this Node.js or newer; npm skips the optional Electron package on older ones. */
export const ELECTRON_MIN_NODE = [22, 12] as const;

export function nodeRunsElectron(version: string = process.versions.node): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > ELECTRON_MIN_NODE[0] || (major === ELECTRON_MIN_NODE[0] && minor >= ELECTRON_MIN_NODE[1]);
}

/** Electron's binary path if it is there; tries Electron's own installer once per machine when it is not. */
function electronBinary(dataDir: string): string | undefined {
  const require = createRequire(import.meta.url);
  let packageDir: string;
  try {
    packageDir = dirname(require.resolve('electron/package.json'));
  } catch {
    if (!nodeRunsElectron()) {
      console.log(
        `mono: the desktop app (Electron) needs Node.js ${ELECTRON_MIN_NODE.join('.')} or newer (this is ${process.versions.node}); MONO opens in your browser instead.`,
      );
    }
    return undefined;
  }
  const locate = () => {
    try {
      const path = readFileSync(join(packageDir, 'path.txt'), 'utf8').trim();
      const binary = join(packageDir, 'dist', path);
      return existsSync(binary) ? binary : undefined;
    } catch {
      return undefined;
    }
  };
  const found = locate();
  if (found) return found;
  const marker = join(dataDir, '.electron-install-failed');
  if (existsSync(marker)) return undefined;
  console.log('mono: Electron is installed without its binary; trying to download it once…');
  const result = spawnSync(process.execPath, [join(packageDir, 'install.js')], {
    stdio: 'ignore',
    timeout: 60_000,
  });
  const after = result.status === 0 ? locate() : undefined;
  if (!after) {
    writeFileSync(marker, `${new Date().toISOString()}\n`);
    console.log('mono: could not get Electron here; using the browser instead.');
  }
  return after;
}

function runElectron(binary: string): Promise<number> {
  const build = spawnSync(process.execPath, [join(root, 'src-main', 'electron', 'build.mjs')], {
    stdio: 'inherit',
  });
  if (build.status !== 0) return Promise.resolve(1);
  const child = spawn(binary, [root], { stdio: 'inherit' });
  return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 0)));
}

/** The renderer and the agent are built artifacts; build what is missing so `npm start` just works. */
function ensureBuilt(): boolean {
  if (!existsSync(join(root, 'agent-core', 'dist', 'mono-agent.js'))) {
    const result = spawnSync(process.execPath, [join(root, 'agent-core', 'build.mjs')], { stdio: 'inherit' });
    if (result.status !== 0) return false;
  }
  if (!existsSync(join(root, 'dist', 'renderer', 'index.html'))) {
    console.log('mono: building the interface (once)…');
    const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
    const result = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], {
      stdio: 'inherit',
      cwd: root,
    });
    if (result.status !== 0) return false;
  }
  return true;
}
