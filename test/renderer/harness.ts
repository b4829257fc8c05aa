// The end-to-end stack: the fake Telegram and Anthropic servers, MONO's main-process services behind the local
// bridge (running the real built agent in local mode), and Debian's Chromium driven by playwright-core.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { type BrowserApp, startBrowserApp } from '../../src-main/bridge/browser-app.ts';
import { FakeAnthropic } from '../fakes/anthropic-server.ts';
import { FakeTelegram } from '../fakes/telegram-server.ts';
import { FakeWhatsAppGraph } from '../fakes/whatsapp-graph-server.ts';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const RENDERER_DIR = join(ROOT, 'dist', 'renderer');
export const AGENT_PATH = process.env.MONO_E2E_AGENT ?? join(ROOT, 'agent-core', 'dist', 'mono-agent.js');
/** Tests never write into the checkout: `npm run screenshots` points this at assets/screenshots on purpose. */
export const SCREENSHOTS = process.env.MONO_SCREENSHOTS_DIR ?? join(tmpdir(), 'mono-screenshots');

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.MONO_CHROMIUM ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stat = statSync(path);
    newest = Math.max(newest, stat.isDirectory() ? newestMtime(path) : stat.mtimeMs);
  }
  return newest;
}

/** Builds the renderer when it is missing or older than its sources (one builder at a time across test files). */
export function ensureRendererBuilt(): void {
  const index = join(RENDERER_DIR, 'index.html');
  const fresh = () => existsSync(index) && statSync(index).mtimeMs >= newestMtime(join(ROOT, 'src-renderer'));
  if (fresh()) return;
  const lock = join(ROOT, 'dist', '.renderer-build.lock');
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error('renderer build lock held too long');
      spawnSync('sleep', ['0.2']);
    }
  }
  try {
    if (fresh()) return;
    const vite = join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
    const result = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'error'], {
      cwd: ROOT,
      stdio: 'inherit',
    });
    if (result.status !== 0) throw new Error('vite build failed');
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export interface Stack {
  app: BrowserApp;
  /** Every WebSocket frame between the page and the bridge, both directions, from the first page load on. */
  frames: string[];
  telegram: FakeTelegram;
  anthropic: FakeAnthropic;
  /** Meta's Graph API and webhook side, when the stack was started with `whatsapp: true`. */
  whatsapp?: FakeWhatsAppGraph;
  browser: Browser;
  page: Page;
  dataDir: string;
  close(): Promise<void>;
}

export interface StackOptions {
  /**
   * The owner named in the agent's environment (MONO_OWNER_CHAT), the Telegram user the tests write as; `false`
   * starts an agent nobody owns, to be claimed with a code as a new user does.
   */
  owner?: string | false;
  /** Start the fake WhatsApp Graph API too, for the desktop's checks and the agent (WHATSAPP_GRAPH_URL). */
  whatsapp?: boolean;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const owner = options.owner ?? 'telegram:5551001';
  ensureRendererBuilt();
  if (!existsSync(AGENT_PATH)) throw new Error('The agent is not built: run `npm run build` first.');
  const telegram = new FakeTelegram();
  const anthropic = new FakeAnthropic();
  const dataDir = mkdtempSync(join(tmpdir(), 'mono-e2e-'));
  // Where the desktop records its local agent for the CLI: inside this test's folder, never the user's home.
  process.env.MONO_DESKTOP_AGENT_FILE = join(dataDir, 'desktop-agent.json');
  const frames: string[] = [];
  const cleanups: (() => Promise<unknown> | unknown)[] = [
    () => rmSync(dataDir, { recursive: true, force: true }),
  ];
  try {
    const { url: telegramUrl } = await telegram.start();
    cleanups.unshift(() => telegram.close());
    const { url: anthropicUrl } = await anthropic.start();
    cleanups.unshift(() => anthropic.close());
    const whatsapp = options.whatsapp ? new FakeWhatsAppGraph() : undefined;
    const graphUrl = whatsapp && (await whatsapp.start()).url;
    if (whatsapp) cleanups.unshift(() => whatsapp.close());
    const app = await startBrowserApp({
      version: '0.1.0',
      dataDir,
      rendererDir: RENDERER_DIR,
      agentPath: AGENT_PATH,
      endpoints: {
        telegramApiRoot: telegramUrl,
        anthropicBaseUrl: anthropicUrl,
        model: 'claude-sonnet-5-5',
        ...(graphUrl && { whatsappGraphUrl: graphUrl }),
      },
      // A fast scheduler tick so a job created in a test runs within a second. The owner is named here unless
      // the test claims the agent with a code (StackOptions.owner).
      agentEnv: {
        TELEGRAM_API_ROOT: telegramUrl,
        ANTHROPIC_BASE_URL: anthropicUrl,
        MONO_JOB_TICK_MS: '200',
        ...(graphUrl && { WHATSAPP_GRAPH_URL: graphUrl }),
        ...(owner ? { MONO_OWNER_CHAT: owner } : {}),
      },
      log: (message, error) => {
        if (process.env.MONO_E2E_DEBUG) console.error('[mono]', message, error);
      },
    });
    cleanups.unshift(() => app.close());
    const browser = await launchChromium();
    cleanups.unshift(() => browser.close());
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      deviceScaleFactor: 1,
    });
    const page = await context.newPage();
    page.on('pageerror', (error) => console.error('[page error]', error.message));
    page.on('websocket', (socket) => {
      socket.on('framesent', ({ payload }) => frames.push(String(payload)));
      socket.on('framereceived', ({ payload }) => frames.push(String(payload)));
    });
    await page.goto(app.bridge.openUrl);
    return {
      app,
      frames,
      telegram,
      anthropic,
      ...(whatsapp && { whatsapp }),
      browser,
      page,
      dataDir,
      async close() {
        for (const cleanup of cleanups) await Promise.resolve(cleanup()).catch(() => {});
      },
    };
  } catch (error) {
    for (const cleanup of cleanups) await Promise.resolve(cleanup()).catch(() => {});
    throw error;
  }
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.waitForTimeout(150); // let transitions settle so the picture is not mid-animation
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}
