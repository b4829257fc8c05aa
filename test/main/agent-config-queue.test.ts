// Changes that restart the local agent take turns: saving the voice-notes key and then "Use this service" (or
// Restart on the Server screen) before the agent is back must not kill the key's start, which made its change roll
// back and delete a good key from the vault. Real vault, prefs, supervisor, installer and handlers, wired as in
// app-services.ts; the agent is a stand-in that takes a moment to become ready and logs the key and address it got.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { ServerStatus } from '../../src-main/ipc/contract.ts';
import { createAgentConfig } from '../../src-main/services/agent-config.ts';
import { secretsEnv, settingsEnv } from '../../src-main/services/agent-env.ts';
import {
  type AgentSupervisor,
  createAgentSupervisor,
  nodeSpawnAgent,
} from '../../src-main/services/agent-supervisor.ts';
import { createAppStateView } from '../../src-main/services/app-state.ts';
import { integrationsHandlers } from '../../src-main/services/handlers/integrations-handlers.ts';
import { mediaHandlers } from '../../src-main/services/handlers/media-handlers.ts';
import { serverHandlers } from '../../src-main/services/handlers/server-handlers.ts';
import { createInstallTracker } from '../../src-main/services/install.ts';
import { createInstaller } from '../../src-main/services/installer.ts';
import { createPrefsStore } from '../../src-main/services/prefs.ts';
import { createVault } from '../../src-main/services/vault.ts';
import { eventually } from '../helpers/wait.ts';

const dir = mkdtempSync(join(tmpdir(), 'mono-agent-config-queue-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// Ready after 600 ms, like an agent opening its datastore: long enough for a second change to land mid-start.
const fakeAgent = join(dir, 'agent.mjs');
writeFileSync(
  fakeAgent,
  `setTimeout(() => console.log(JSON.stringify({ level: 30, msg: 'ready', http: '127.0.0.1:1',
     sttKey: process.env.MONO_STT_API_KEY ?? null, sttUrl: process.env.MONO_STT_URL ?? null })), 600);
   process.on('SIGTERM', () => process.exit(0));
   setInterval(() => {}, 1000);`,
);

const KEY = 'sk-voice-notes-key-0123456789';
const SERVICE = { url: 'https://api.groq.com/openai/v1', model: 'whisper-large-v3' };

async function setup(name: string) {
  const sub = mkdtempSync(join(dir, `${name}-`));
  // Where there is no keyring the vault is sealed under a passphrase.
  const vault = createVault({ file: join(sub, 'vault.json'), platform: 'linux' });
  await vault.create('a passphrase for the tests');
  const prefs = createPrefsStore(join(sub, 'desktop.json'));
  prefs.update({ mode: 'local', wizardStep: 'done', hubPort: 1 });
  const agent = createAgentSupervisor({
    spawn: nodeSpawnAgent(),
    agentPath: fakeAgent,
    env: () => ({ PATH: process.env.PATH ?? '', ...settingsEnv(prefs.get()), ...secretsEnv(vault) }),
  });
  const appState = createAppStateView({
    version: '0',
    shell: 'browser',
    vault,
    prefs,
    canLaunchAtLogin: false,
    emit: () => {},
  });
  const installer = createInstaller({
    vault,
    prefs,
    agent,
    sync: { start() {}, kick() {}, status: () => ({ state: 'online', epoch: 1, since: '', attempt: 0 }) },
    install: createInstallTracker(() => {}),
    provision: { deploy: async () => {} },
    appState,
    log: () => {},
  });
  const config = createAgentConfig({ vault, prefs, installer, log: () => {} });
  const handlers = {
    ...integrationsHandlers({ endpoints: {} as never, vault, prefs, appState, config }),
    ...mediaHandlers({ vault, prefs, sync: { query: async () => [] }, appState, installer, config }),
    ...serverHandlers({
      prefs,
      agent,
      provision: {} as never,
      install: createInstallTracker(() => {}),
      installer,
      journal: {} as never,
      pause: {} as never,
      health: {} as never,
      serverStatus: async () => ({ mode: 'local' }) as unknown as ServerStatus,
      openDataFolder: async () => false,
      config,
    }),
  };
  await agent.start();
  return { vault, prefs, agent, handlers };
}

/** The running agent's ready line: what it was started with. */
function runningWith(agent: AgentSupervisor): { sttKey: string | null; sttUrl: string | null } {
  assert.equal(agent.status().state, 'running');
  const ready = agent.logs(100).findLast((line) => line.includes('"ready"'));
  const { sttKey, sttUrl } = JSON.parse(ready ?? '{}');
  return { sttKey, sttUrl };
}

const settled = (promise: Promise<unknown>) =>
  promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error: String(error) }),
  );

test('saving the voice-notes key and then choosing the service before the agent is back keeps the key, and both apply', async () => {
  const { vault, prefs, agent, handlers } = await setup('stt');
  try {
    const saving = settled(handlers['secret.set']({ name: 'stt_api_key', value: KEY }));
    await eventually(() => agent.status().state === 'starting', 'the key restarted the agent');
    const choosing = settled(handlers['stt.configure'](SERVICE));
    const [keySaved, serviceChosen] = await Promise.all([saving, choosing]);

    assert.equal(vault.get('stt_api_key')?.reveal(), KEY, 'the key is still in the vault');
    assert.deepEqual(keySaved, { ok: true, value: { applied: 'restarted' } });
    assert.deepEqual(serviceChosen, { ok: true, value: { applied: 'restarted' } });
    assert.deepEqual(prefs.get().stt, SERVICE);
    assert.deepEqual(runningWith(agent), { sttKey: KEY, sttUrl: SERVICE.url });
  } finally {
    await agent.stop();
  }
});

test('a restart from the Server screen while a new key is starting waits for it, and the key stays', async () => {
  const { vault, agent, handlers } = await setup('restart');
  try {
    const saving = settled(handlers['secret.set']({ name: 'stt_api_key', value: KEY }));
    await eventually(() => agent.status().state === 'starting', 'the key restarted the agent');
    const restarting = settled(handlers['server.restart'](undefined));
    const [keySaved, restarted] = await Promise.all([saving, restarting]);

    assert.equal(vault.get('stt_api_key')?.reveal(), KEY, 'the key is still in the vault');
    assert.deepEqual(keySaved, { ok: true, value: { applied: 'restarted' } });
    assert.deepEqual(restarted, { ok: true, value: { mode: 'local' } });
    assert.equal(runningWith(agent).sttKey, KEY);
  } finally {
    await agent.stop();
  }
});
