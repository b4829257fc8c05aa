// The Electron shell's rules, tested without Electron: the fuses the installers are built with, permissions
// denied at request and at check time, tray actions that cannot leave an unhandled rejection, and the local
// agent run as a utility process (modelled on Electron's API with a real child process).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { lockPermissions } from '../../src-main/electron/security.ts';
import { trayAction } from '../../src-main/electron/tray.ts';
import { type ForkUtility, utilitySpawnAgent } from '../../src-main/electron/utility-agent.ts';
import { createAgentSupervisor } from '../../src-main/services/agent-supervisor.ts';
import { ROOT } from '../renderer/harness.ts';

const dir = mkdtempSync(join(tmpdir(), 'mono-electron-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('the installers are built with the fuses that close Node’s escape hatches', () => {
  const yml = readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8');
  const block = /^electronFuses:\n((?: {2}.*\n)+)/m.exec(yml)?.[1] ?? '';
  const fuses = Object.fromEntries(
    block
      .trim()
      .split('\n')
      .map((line) => line.trim().split(/:\s*/) as [string, string]),
  );
  assert.deepEqual(
    {
      runAsNode: fuses.runAsNode,
      enableNodeOptionsEnvironmentVariable: fuses.enableNodeOptionsEnvironmentVariable,
      enableNodeCliInspectArguments: fuses.enableNodeCliInspectArguments,
      enableEmbeddedAsarIntegrityValidation: fuses.enableEmbeddedAsarIntegrityValidation,
      onlyLoadAppFromAsar: fuses.onlyLoadAppFromAsar,
    },
    {
      runAsNode: 'false',
      enableNodeOptionsEnvironmentVariable: 'false',
      enableNodeCliInspectArguments: 'false',
      enableEmbeddedAsarIntegrityValidation: 'true',
      onlyLoadAppFromAsar: 'true',
    },
  );
  // With RunAsNode off nothing may rely on it: no code sets ELECTRON_RUN_AS_NODE.
  const sources = readdirSync(join(ROOT, 'src-main'), { recursive: true })
    .map(String)
    .filter((name) => name.endsWith('.ts'));
  for (const name of sources) {
    const code = readFileSync(join(ROOT, 'src-main', name), 'utf8').replace(/^\s*\/\/.*$/gm, '');
    assert.doesNotMatch(code, /ELECTRON_RUN_AS_NODE/, name);
  }
});

test('every permission is denied, when requested and when checked', () => {
  let request: ((wc: unknown, permission: string, cb: (granted: boolean) => void) => void) | undefined;
  let check: ((wc: unknown, permission: string) => boolean) | undefined;
  let device: ((details: unknown) => boolean) | undefined;
  lockPermissions({
    setPermissionRequestHandler: (h) => {
      request = h;
    },
    setPermissionCheckHandler: (h) => {
      check = h;
    },
    setDevicePermissionHandler: (h) => {
      device = h;
    },
  });
  for (const permission of [
    'media',
    'notifications',
    'clipboard-read',
    'geolocation',
    'openExternal',
    'hid',
  ]) {
    let granted: boolean | undefined;
    request?.({}, permission, (g) => {
      granted = g;
    });
    assert.equal(granted, false, `request ${permission}`);
    assert.equal(check?.({}, permission), false, `check ${permission}`);
  }
  assert.equal(device?.({ deviceType: 'usb' }), false);
});

test('a tray action that fails is reported and never becomes an unhandled rejection', async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  const reported: unknown[] = [];
  try {
    trayAction(
      () => Promise.reject(new Error('update refused')),
      (e) => reported.push(e),
    )();
    trayAction(
      () => {
        throw new Error('thrown before any promise');
      },
      (e) => reported.push(e),
    )();
    await new Promise((r) => setTimeout(r, 50));
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
  assert.deepEqual(
    reported.map((e) => (e as Error).message),
    ['thrown before any promise', 'update refused'],
  );
  assert.deepEqual(unhandled, []);
});

/** Electron's utilityProcess.fork, modelled with a real child: 'spawn', then 'exit' with a code; kill() = SIGTERM. */
const fakeFork: ForkUtility = (modulePath, args, options) => {
  const child = spawn(process.execPath, [modulePath, ...args], {
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const utility = new EventEmitter() as EventEmitter & {
    pid: number | undefined;
    stdout: typeof child.stdout;
    stderr: typeof child.stderr;
    kill(): boolean;
  };
  utility.pid = undefined;
  utility.stdout = child.stdout;
  utility.stderr = child.stderr;
  utility.kill = () => child.kill('SIGTERM');
  child.on('spawn', () => {
    utility.pid = child.pid;
    utility.emit('spawn');
  });
  child.on('exit', (code, signal) => utility.emit('exit', code ?? (signal ? 1 : 0)));
  return utility;
};

test('the supervisor runs the agent as a utility process: ready, stopped, and a stuck start killed', {
  timeout: 30_000,
}, async () => {
  const agent = join(dir, 'agent.mjs');
  writeFileSync(
    agent,
    `if (process.env.STUCK) { process.on('SIGTERM', () => {}); setInterval(() => {}, 1000); }
     else { console.log(JSON.stringify({ msg: 'ready', http: '127.0.0.1:47001' })); process.on('SIGTERM', () => process.exit(0)); setInterval(() => {}, 1000); }`,
  );
  let stuck = false;
  const supervisor = createAgentSupervisor({
    spawn: utilitySpawnAgent(fakeFork),
    agentPath: agent,
    env: () => ({ PATH: process.env.PATH ?? '', ...(stuck ? { STUCK: '1' } : {}) }),
    // Long enough for the stuck agent to have installed its SIGTERM handler even on a busy machine.
    startTimeoutMs: 5_000,
    killGraceMs: 300,
  });
  const running = await supervisor.start();
  assert.equal(running.state, 'running');
  assert.equal(running.httpUrl, 'http://127.0.0.1:47001');
  const pid = running.pid as number;
  await supervisor.stop();
  assert.throws(() => process.kill(pid, 0), 'stopped');

  stuck = true;
  await assert.rejects(supervisor.start(), /did not report ready/);
  const deadline = Date.now() + 5_000;
  while (supervisor.status().lastExit?.signal !== 'SIGKILL') {
    assert.ok(Date.now() < deadline, `not killed: ${JSON.stringify(supervisor.status())}`);
    await new Promise((r) => setTimeout(r, 50));
  }
});
