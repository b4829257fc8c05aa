// The built agent when something goes wrong that no handler foresaw: an uncaught exception is logged (with every
// configured secret blanked out) before the process exits non-zero for systemd to restart it; running out of file
// descriptors while clients pile up on the HTTP server and the db hub is survived, and both serve again after.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { FakeAnthropic } from '../../fakes/anthropic-server.ts';
import { agentEnv } from '../../helpers/agent-env.ts';
import { AgentProcess, tempDataDir } from '../../helpers/agent-process.ts';
import { RawRpcClient } from '../hub/raw-client.ts';

const anthropic = new FakeAnthropic();
const cleanups: (() => unknown)[] = [];
before(() => anthropic.start());
after(async () => {
  await anthropic.close();
  for (const cleanup of cleanups.reverse()) await cleanup();
});

test('an uncaught exception is logged, secrets blanked, and the agent exits 1', {
  timeout: 60_000,
}, async () => {
  const data = tempDataDir();
  cleanups.push(() => data.remove());
  // A fault nobody catches, thrown from a timer once the agent runs (the test says when, by creating a file),
  // quoting a secret as a careless library might.
  const fault = join(tmpdir(), `mono-uncaught-${process.pid}.mjs`);
  const trigger = join(tmpdir(), `mono-uncaught-${process.pid}.go`);
  writeFileSync(
    fault,
    `import { existsSync } from 'node:fs';\nsetInterval(() => { if (existsSync(${JSON.stringify(trigger)})) throw new Error('socket hang up at https://api.example/?key=' + process.env.ANTHROPIC_API_KEY); }, 50);\n`,
  );
  cleanups.push(() => rmSync(fault, { force: true }));
  cleanups.push(() => rmSync(trigger, { force: true }));
  const env = agentEnv(data.dir, { anthropic }, { NODE_OPTIONS: `--import=${fault}` });
  const agent = await new AgentProcess(env).start();
  writeFileSync(trigger, '');
  const code = await agent.exited();
  assert.equal(code, 1, 'a crash exits non-zero, so systemd restarts the agent');
  const fatal = agent.logs.find((line) => line.level === 60);
  assert.ok(fatal, `a fatal line explains the exit:\n${agent.output()}`);
  assert.match(fatal.msg, /unexpected error: socket hang up/);
  assert.ok(!agent.output().includes(env.ANTHROPIC_API_KEY!), 'the API key never reaches the log');
  assert.match(agent.output(), /key=\[redacted\]/);
});

test('out of file descriptors: HTTP and the db hub refuse what they cannot take and serve again after', {
  timeout: 90_000,
}, async () => {
  const data = tempDataDir();
  cleanups.push(() => data.remove());
  const agent = await new AgentProcess(
    agentEnv(data.dir, { anthropic }, { MONO_HUB_LISTEN: '127.0.0.1:0' }),
  ).start();
  cleanups.push(() => agent.stop());
  const signsIn = async () => {
    const hub = new RawRpcClient(agent.hubAddress!);
    try {
      const signin = await hub.call('signin', [{ user: 'mono', pass: hubPassword, ns: 'mono', db: 'agent' }]);
      if (signin.error) return signin.error.message;
      const answer = await hub.call('query', ['RETURN "hub ok"']);
      return (answer.result as { result: unknown }[] | undefined)?.[0]?.result ?? answer.error?.message;
    } finally {
      await hub.close();
    }
  };
  const hubPassword = JSON.parse(readFileSync(join(data.dir, 'hub-credentials.json'), 'utf8')).password;
  assert.equal(await signsIn(), 'hub ok', 'the hub works before');
  const pid = agent.pid!;
  const inUse = readdirSync(`/proc/${pid}/fd`).length;
  // A little headroom above what the agent holds now (the soft limit), then far more clients than that.
  const soft = /Max open files\s+(\d+)/.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'))?.[1];
  execFileSync('prlimit', [`--pid=${pid}`, `--nofile=${inUse + 16}:`]);
  const hubPort = Number(new URL(agent.hubAddress!).port);
  const httpPort = Number(new URL(agent.httpUrl).port);
  const sockets: Socket[] = [];
  let cutOff = 0;
  const open = (port: number) =>
    new Promise<void>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => resolve());
      socket.on('error', () => resolve());
      socket.on('close', () => {
        cutOff += 1;
        resolve();
      });
      sockets.push(socket);
    });
  for (let round = 0; round < 4; round++) {
    await Promise.all(Array.from({ length: 40 }, (_, i) => open(i % 2 ? hubPort : httpPort)));
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.ok(cutOff > 0, 'the agent really ran out of descriptors and dropped connections');
  for (const socket of sockets) socket.destroy();
  // Back to a normal limit: the agent serves as before, never having exited.
  execFileSync('prlimit', [`--pid=${pid}`, `--nofile=${soft}:`]);
  const health = await agent.health();
  assert.equal(health.status, 200);
  assert.equal(await signsIn(), 'hub ok', 'the hub works after');
  const exited = await Promise.race([
    agent.exited(),
    new Promise((resolve) => setTimeout(() => resolve('running'), 500)),
  ]);
  assert.equal(exited, 'running', `the agent kept running:\n${agent.output().slice(-3000)}`);
  const emfile = agent.logs.filter((line) => JSON.stringify(line).includes('EMFILE'));
  console.log(
    `out of descriptors: ${inUse} in use at start, ${sockets.length} clients, ${cutOff} dropped, ${emfile.length} EMFILE errors logged, agent still up`,
  );
});
