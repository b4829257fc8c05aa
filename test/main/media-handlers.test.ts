// The desktop's speech-to-text settings: the key in the vault and the address/model in prefs reach the agent's
// environment; the Integrations "test" transcribes its own sample through the real client, against the STT fake,
// and a refusal says what to fix without showing the key.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { MethodInput } from '../../src-main/ipc/contract.ts';
import { secretsEnv, settingsEnv } from '../../src-main/services/agent-env.ts';
import { mediaHandlers, sampleWav } from '../../src-main/services/handlers/media-handlers.ts';
import { createPrefsStore } from '../../src-main/services/prefs.ts';
import { createVault } from '../../src-main/services/vault.ts';
import { FAKE_STT_KEY, FakeStt } from '../fakes/stt-server.ts';

const dir = mkdtempSync(join(tmpdir(), 'mono-speech-'));
const stt = new FakeStt();
// No keyring here: the vault is sealed under a passphrase, as in the browser.
const vault = createVault({ file: join(dir, 'vault.json'), platform: 'linux' });
const prefs = createPrefsStore(join(dir, 'desktop.json'));
let applied = 0;
const handlers = mediaHandlers({
  vault,
  prefs,
  sync: { query: async () => [] },
  appState: { publish: () => prefs.appState({} as never) },
  installer: {
    applyAgentEnv: async () => {
      applied++;
      return { applied: 'restarted' };
    },
  },
  // The queue itself is tested with the real agent-config in agent-config-queue.test.ts.
  config: { oneAtATime: (work) => work() },
});

before(async () => {
  await vault.create('a passphrase only this test knows');
  await stt.start();
});
after(async () => {
  await stt.close();
  rmSync(dir, { recursive: true, force: true });
});

test('the test transcribes the one-second sample with the stored key', async () => {
  vault.set('stt_api_key', FAKE_STT_KEY);
  stt.hear(sampleWav(), '');
  const result = await handlers['stt.test']({ url: stt.url, model: 'whisper-1' });
  assert.equal(result.text, '');
  assert.ok(result.ms >= 0);
  const request = stt.requests.at(-1)!;
  assert.equal(request.fileName, 'voice.wav');
  assert.equal(request.bytes.subarray(8, 12).toString('latin1'), 'WAVE');
});

test('a wrong key comes back as what to fix, never as the key', async () => {
  vault.set('stt_api_key', 'sk-not-the-right-one-42');
  const error = await handlers['stt.test']({ url: stt.url, model: 'whisper-1' }).catch((e: Error) => e);
  assert.ok(error instanceof Error);
  assert.match(error.message, /refused the key \(401\)/);
  assert.doesNotMatch(error.message, /sk-not-the-right-one-42/);
});

test('saving puts the address and model in the agent environment, the key beside the other secrets', async () => {
  const settings: MethodInput<'stt.configure'> = {
    url: 'https://api.groq.com/openai/v1',
    model: 'whisper-large-v3',
  };
  assert.deepEqual(await handlers['stt.configure'](settings), { applied: 'restarted' });
  assert.equal(applied, 1);
  const env = { ...settingsEnv(prefs.get()), ...secretsEnv(vault) };
  assert.equal(env.MONO_STT_URL, 'https://api.groq.com/openai/v1');
  assert.equal(env.MONO_STT_MODEL, 'whisper-large-v3');
  assert.equal(env.MONO_STT_API_KEY, 'sk-not-the-right-one-42');
  await handlers['stt.configure'](null);
  assert.equal(settingsEnv(prefs.get()).MONO_STT_URL, undefined, 'turned off');
});
