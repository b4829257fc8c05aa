// Killing the desktop never leaves its local agent running unowned: the agent sees its supervisor's pipe close and
// stops; a desktop started again right away brings up its own agent on the same data, cleanly.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FakeAnthropic } from '../fakes/anthropic-server.ts';
import { FakeTelegram } from '../fakes/telegram-server.ts';
import { alive } from '../helpers/process-alive.ts';

const DESKTOP = fileURLToPath(new URL('./fixtures/desktop-process.ts', import.meta.url));
const telegram = new FakeTelegram();
const anthropic = new FakeAnthropic();
const dir = mkdtempSync(join(tmpdir(), 'mono-desktop-exit-'));
const children: ChildProcess[] = [];

before(async () => {
  await telegram.start();
  await anthropic.start();
});
after(async () => {
  for (const child of children) child.kill('SIGKILL');
  await telegram.close();
  await anthropic.close();
  rmSync(dir, { recursive: true, force: true });
});

function startDesktop(): Promise<{ child: ChildProcess; agentPid: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', DESKTOP], {
    env: {
      ...process.env,
      DESKTOP_DIR: join(dir, 'desktop'),
      MONO_DESKTOP_AGENT_FILE: join(dir, 'desktop-agent.json'),
      TELEGRAM_API_ROOT: telegram.url,
      ANTHROPIC_BASE_URL: anthropic.url,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stderr?.on('data', (chunk) => (err += chunk));
  return new Promise((resolve, reject) => {
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const line = out.split('\n').find((l) => l.startsWith('{"agentPid"'));
      if (line) resolve({ child, agentPid: (JSON.parse(line) as { agentPid: number }).agentPid });
    });
    child.once('exit', (code) => reject(new Error(`desktop exited (${code}) before its agent ran:\n${err}`)));
  });
}

async function gone(pid: number, ms: number): Promise<number> {
  const started = Date.now();
  while (alive(pid)) {
    if (Date.now() - started > ms) return -1;
    await new Promise((r) => setTimeout(r, 50));
  }
  return Date.now() - started;
}

// Two desktops start in turn (tsx, setup, a vault passphrase, the agent): minutes on a busy machine.
test('kill -9 the desktop: its agent stops by itself, and the next desktop starts its own on the same data', {
  timeout: 300_000,
}, async () => {
  const first = await startDesktop();
  assert.ok(alive(first.agentPid));
  first.child.kill('SIGKILL');
  const waited = await gone(first.agentPid, 10_000);
  assert.ok(waited >= 0, 'the agent still runs 10 s after its desktop was killed');

  // Again, and this time the new desktop starts at once, while the old agent may still be finishing.
  const second = await startDesktop();
  second.child.kill('SIGKILL');
  const third = await startDesktop();
  assert.notEqual(third.agentPid, second.agentPid);
  assert.ok(alive(third.agentPid));
  assert.ok((await gone(second.agentPid, 10_000)) >= 0, 'the earlier agent is gone');
  third.child.kill('SIGKILL');
  assert.ok((await gone(third.agentPid, 10_000)) >= 0);
  console.log(`# agent stopped ${waited} ms after its desktop was killed`);
});
