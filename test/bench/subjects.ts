// The processes the agent bench compares, each started the same way against the same fakes: the bare-Node
// pipeline (the yardstick), MONO's built agent, and — where installed — OpenClaw.
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ALLOCATOR_ENV } from '../../agent-core/config/allocator.ts';
import { preciseNow } from '../fakes/http-util.ts';
import { type PeerFakes, startOpenclaw } from './peers/openclaw.ts';

export interface Running {
  name: string;
  child: ChildProcess;
  /** Where Telegram's webhook updates go (with `X-Telegram-Bot-Api-Secret-Token`). */
  webhookUrl: string;
  readyMs: number;
  /** MONO's db hub, when it was asked to listen on TCP (MONO_HUB_LISTEN). */
  hubUrl?: string;
}

export interface Subject {
  name: string;
  /** Sequential messages for the latency figures (a slow subject gets fewer). */
  latencyMessages: number;
  starts: number;
  /** `env`: more settings for this start (the soak attaches the hub and a memory probe). */
  start(dataDir: string, fakes: PeerFakes, env?: Record<string, string>): Promise<Running>;
}

// NODE_EXTRA_CA_CERTS costs every Node start ~40 ms on this machine: keep it out of the measurement.
export const { NODE_EXTRA_CA_CERTS: _, ...cleanEnv } = process.env;

/** `ownEnv`: what this subject's own launcher sets (MONO's systemd unit and desktop set the allocator's tuning). */
function nodeSubject(name: string, script: string, ownEnv: Readonly<Record<string, string>> = {}): Subject {
  return {
    name,
    latencyMessages: 300,
    starts: 5,
    async start(dataDir, fakes, env = {}) {
      const spawnedAt = preciseNow();
      const child = spawn(process.execPath, [script], {
        env: {
          ...cleanEnv,
          MONO_DATA_DIR: dataDir,
          ANTHROPIC_API_KEY: fakes.anthropicKey,
          ANTHROPIC_BASE_URL: fakes.anthropicUrl,
          TELEGRAM_BOT_TOKEN: fakes.telegramToken,
          TELEGRAM_API_ROOT: fakes.telegramUrl,
          TELEGRAM_WEBHOOK_SECRET: fakes.webhookSecret,
          MONO_ALLOW_TELEGRAM: '*',
          // Everyone may talk; the owner is someone else (with no owner the agent answers only "not set up yet").
          MONO_OWNER_CHAT: 'telegram:1',
          MONO_HTTP_PORT: '0',
          MONO_LOG_LEVEL: 'info',
          ...ownEnv,
          ...env,
        },
        // stderr passes through; a bench may listen to it too (the soak reads its memory probe there).
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stderr!.pipe(process.stderr);
      let hubUrl: string | undefined;
      const url = await new Promise<string>((resolve, reject) => {
        let buffer = '';
        child.stdout!.on('data', (chunk: Buffer) => {
          buffer = (buffer + chunk.toString()).slice(-8192);
          const match = /"http":"([^"]+)"/.exec(buffer);
          hubUrl ??= /"hub":"([^"]+)"/.exec(buffer)?.[1];
          if (match) resolve(`http://${match[1]}`);
        });
        child.once('exit', (code) => reject(new Error(`${name} exited with ${code}`)));
      });
      for (;;) {
        const response = await fetch(`${url}/healthz`).catch(() => undefined);
        if (response?.status === 200) break;
      }
      const webhookUrl = `${url}/telegram`;
      return { name, child, webhookUrl, readyMs: preciseNow() - spawnedAt, ...(hubUrl ? { hubUrl } : {}) };
    },
  };
}

export const BARE_NODE = nodeSubject(
  'bare Node',
  fileURLToPath(new URL('./baseline/bare-pipeline.mjs', import.meta.url)),
);
export const MONO = nodeSubject(
  'MONO',
  fileURLToPath(new URL('../../agent-core/dist/mono-agent.js', import.meta.url)),
  ALLOCATOR_ENV,
);

let peerPort = 19_400;
export const OPENCLAW: Subject = {
  name: 'OpenClaw',
  latencyMessages: 40,
  starts: 2,
  async start(dataDir, fakes) {
    const spawnedAt = preciseNow();
    peerPort += 2;
    const { child, webhookUrl } = await startOpenclaw(dataDir, fakes, peerPort, cleanEnv);
    return { name: 'OpenClaw', child, webhookUrl, readyMs: preciseNow() - spawnedAt };
  },
};

export async function stop(running: Running): Promise<void> {
  if (running.child.exitCode !== null) return;
  const exited = new Promise((resolve) => running.child.once('exit', resolve));
  running.child.kill('SIGTERM');
  const killer = setTimeout(() => running.child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(killer);
}

/** Memory of a process and everything it started (OpenClaw runs helper processes), in MB. */
export function treeMb(pid: number, field: 'VmRSS' | 'RssAnon' | 'RssFile' = 'VmRSS'): number {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {}
  }
  let total = 0;
  const visit = (p: number) => {
    try {
      const status = readFileSync(`/proc/${p}/status`, 'utf8');
      total += Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024;
    } catch {}
    for (const child of children.get(p) ?? []) visit(child);
  };
  visit(pid);
  return total;
}
