// The local agent supervisor with a real child process standing in for the agent: it finds the HTTP address in
// the "ready" line, keeps the log, restarts a crashed agent, and stops it cleanly.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  type AgentProcessStatus,
  createAgentSupervisor,
  failureReason,
  nodeSpawnAgent,
  readyAddress,
} from '../../src-main/services/agent-supervisor.ts';
import { alive } from '../helpers/process-alive.ts';

const dir = mkdtempSync(join(tmpdir(), 'mono-supervisor-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// Logs like the agent; exits with code 3 when CRASH_AFTER_MS is set, to exercise the restart.
const fakeAgent = join(dir, 'agent.mjs');
writeFileSync(
  fakeAgent,
  `console.log(JSON.stringify({ level: 30, msg: 'starting' }));
   console.log(JSON.stringify({ level: 30, msg: 'ready', http: '127.0.0.1:' + (40000 + (process.pid % 1000)), version: process.env.FAKE_VERSION }));
   if (process.env.CRASH_AFTER_MS) setTimeout(() => process.exit(3), Number(process.env.CRASH_AFTER_MS));
   process.on('SIGTERM', () => { console.log(JSON.stringify({ msg: 'stopping' })); process.exit(0); });
   setInterval(() => {}, 1000);`,
);

test('readyAddress reads the agent ready line in its known shapes', () => {
  assert.equal(readyAddress('{"msg":"ready","http":"127.0.0.1:7420"}'), 'http://127.0.0.1:7420');
  assert.equal(readyAddress('{"msg":"ready","url":"http://127.0.0.1:9/"}'), 'http://127.0.0.1:9');
  assert.equal(readyAddress('{"msg":"ready","http":{"host":"127.0.0.1","port":5}}'), 'http://127.0.0.1:5');
  assert.equal(readyAddress('{"msg":"starting","http":"127.0.0.1:7420"}'), undefined);
  assert.equal(readyAddress('not json'), undefined);
});

test('starts the agent, keeps its log, restarts it after a crash, and stops it', async () => {
  const states: AgentProcessStatus['state'][] = [];
  let crash = true;
  const supervisor = createAgentSupervisor({
    spawn: nodeSpawnAgent(),
    agentPath: fakeAgent,
    env: () => ({
      PATH: process.env.PATH ?? '',
      FAKE_VERSION: '1.2.3',
      ...(crash ? { CRASH_AFTER_MS: '100' } : {}),
    }),
    onState: (s) => states.push(s.state),
  });
  try {
    const first = await supervisor.start();
    assert.equal(first.state, 'running');
    assert.match(first.httpUrl ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);
    const firstPid = first.pid;
    crash = false;
    const deadline = Date.now() + 10_000;
    while (!(supervisor.status().state === 'running' && supervisor.status().pid !== firstPid)) {
      assert.ok(Date.now() < deadline, `no restart; states: ${states.join(',')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(states.includes('crashed'));
    assert.equal(supervisor.status().restarts, 1);
    assert.equal(supervisor.status().lastExit?.code, 3);
    assert.ok(supervisor.logs(100).some((line) => line.includes('"version":"1.2.3"')));
  } finally {
    await supervisor.stop();
  }
  assert.equal(supervisor.status().state, 'stopped');
  assert.ok(
    supervisor.logs(1)[0]?.includes('stopping'),
    `stopped with SIGTERM, not killed: ${supervisor.logs(5).join(' / ')}`,
  );
});

test('an agent that exits while starting fails with its last log lines', async () => {
  const broken = join(dir, 'broken.mjs');
  writeFileSync(broken, `console.error('Missing configuration: set TELEGRAM_BOT_TOKEN'); process.exit(2);`);
  const supervisor = createAgentSupervisor({
    spawn: nodeSpawnAgent(),
    agentPath: broken,
    env: () => ({}),
  });
  await assert.rejects(supervisor.start(), /stopped while starting \(exit 2\)[\s\S]*TELEGRAM_BOT_TOKEN/);
  await supervisor.stop();
});

test('failureReason finds why an agent stopped: fatal line, configuration problems, last error', () => {
  assert.equal(
    failureReason([
      '{"level":30,"msg":"starting"}',
      '{"level":60,"msg":"MONO could not start: Port 7420 on 127.0.0.1 is already in use"}',
    ]),
    'Port 7420 on 127.0.0.1 is already in use',
  );
  assert.equal(
    failureReason([
      'MONO cannot start: the configuration has 2 problem(s):',
      '  - TELEGRAM_BOT_TOKEN does not look like a bot token.',
      '  - MONO_HTTP_PORT must be a port number.',
    ]),
    'TELEGRAM_BOT_TOKEN does not look like a bot token. MONO_HTTP_PORT must be a port number.',
  );
  assert.equal(
    failureReason(['{"level":50,"msg":"telegram polling stopped"}', '{"level":30,"msg":"x"}']),
    'telegram polling stopped',
  );
  assert.equal(failureReason([]), undefined);
});

test('a desktop started after a crash stops the agent the earlier one left running, then starts its own', async () => {
  const pidFile = join(dir, 'agent.pid');
  // What a crashed desktop leaves: its agent, still running, and the pid file naming it.
  const leftover = spawn(process.execPath, [fakeAgent], { stdio: ['ignore', 'pipe', 'ignore'] });
  let said = '';
  leftover.stdout.setEncoding('utf8').on('data', (chunk: string) => (said += chunk));
  const exited = new Promise((resolve) => leftover.once('exit', (code, signal) => resolve(code ?? signal)));
  while (!said.includes('ready')) await new Promise((r) => setTimeout(r, 20));
  writeFileSync(pidFile, `${leftover.pid}\n`);
  const later = createAgentSupervisor({
    spawn: nodeSpawnAgent(),
    agentPath: fakeAgent,
    env: () => ({ PATH: process.env.PATH ?? '' }),
    pidFile,
  });
  try {
    const mine = await later.start();
    assert.notEqual(mine.pid, leftover.pid);
    assert.equal(await exited, 0, 'the leftover agent stopped');
    assert.match(said, /stopping/, 'stopped with SIGTERM, cleanly');
    assert.equal(readFileSync(pidFile, 'utf8').trim(), String(mine.pid));
  } finally {
    await later.stop();
    leftover.kill('SIGKILL');
  }
});

test('a pid file that names an unrelated process is ignored, never signalled', async () => {
  const pidFile = join(dir, 'other.pid');
  const unrelated = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
  writeFileSync(pidFile, `${unrelated.pid}\n`);
  const supervisor = createAgentSupervisor({
    spawn: nodeSpawnAgent(),
    agentPath: fakeAgent,
    env: () => ({ PATH: process.env.PATH ?? '' }),
    pidFile,
  });
  try {
    await supervisor.start();
    assert.doesNotThrow(() => process.kill(unrelated.pid!, 0), 'the unrelated process still runs');
  } finally {
    await supervisor.stop();
    unrelated.kill('SIGKILL');
  }
});

// Hangs before "ready" while HANG is set, ignoring SIGTERM (a stuck start: only SIGKILL ends it).
const hangingAgent = join(dir, 'hanging.mjs');
writeFileSync(
  hangingAgent,
  `if (process.env.HANG) {
     console.log(JSON.stringify({ msg: 'starting', pid: process.pid }));
     process.on('SIGTERM', () => console.log(JSON.stringify({ msg: 'ignoring SIGTERM' })));
     setInterval(() => {}, 1000);
   } else {
     console.log(JSON.stringify({ msg: 'ready', http: '127.0.0.1:45678' }));
     process.on('SIGTERM', () => process.exit(0));
     setInterval(() => {}, 1000);
   }`,
);

test('an agent that never becomes ready is killed at the timeout, and Retry starts a fresh one', {
  timeout: 30_000,
}, async () => {
  let hang = true;
  const pids: number[] = [];
  const supervisor = createAgentSupervisor({
    spawn: (path, env) => {
      const proc = nodeSpawnAgent()(path, env);
      if (proc.pid) pids.push(proc.pid);
      return proc;
    },
    agentPath: hangingAgent,
    env: () => ({ PATH: process.env.PATH ?? '', ...(hang ? { HANG: '1' } : {}) }),
    // Long enough for the healthy retry to start on a busy machine; the stuck one is killed at it all the same.
    startTimeoutMs: 6_000,
    killGraceMs: 500,
  });
  try {
    const began = Date.now();
    await assert.rejects(supervisor.start(), /did not report ready within 6 s and was stopped/);
    assert.ok(Date.now() - began < 10_000);
    assert.equal(supervisor.status().state, 'crashed');
    assert.match(supervisor.status().lastError ?? '', /did not report ready/);
    const first = pids[0] as number;
    const deadline = Date.now() + 5_000;
    while (alive(first)) {
      assert.ok(Date.now() < deadline, 'the stuck child is still running');
      await new Promise((r) => setTimeout(r, 50));
    }
    // Nothing restarts it behind the owner's back: the failed start is over until they retry.
    await new Promise((r) => setTimeout(r, 1_500));
    assert.equal(pids.length, 1);

    hang = false;
    const retried = await supervisor.start();
    assert.equal(retried.state, 'running');
    assert.equal(retried.lastError, undefined);
    assert.equal(pids.length, 2);
  } finally {
    await supervisor.stop();
  }
  for (const pid of pids) assert.equal(alive(pid), false);
});

test('two starts at once share one child', async () => {
  const pids: number[] = [];
  const supervisor = createAgentSupervisor({
    spawn: (path, env) => {
      const proc = nodeSpawnAgent()(path, env);
      if (proc.pid) pids.push(proc.pid);
      return proc;
    },
    agentPath: hangingAgent,
    env: () => ({ PATH: process.env.PATH ?? '' }),
  });
  try {
    const [a, b] = await Promise.all([supervisor.start(), supervisor.start()]);
    assert.equal(a.pid, b.pid);
    assert.equal(pids.length, 1);
  } finally {
    await supervisor.stop();
  }
});
