// The VPS adapter's pure parts: the desktop's target becomes the provisioning module's, secrets become one env
// file (never printed), and provisioning events become the install screen's steps with reason and hint.
import assert from 'node:assert/strict';
import { homedir } from 'node:os';
import { test } from 'node:test';
import { inspect } from 'node:util';
import { Secret } from '../../agent-core/config/secret.ts';
import { readRemoteEnv } from '../../src-main/provision/env-file.ts';
import { envFileFor, toEvent, toTarget } from '../../src-main/services/provision-vps.ts';

test('the VPS target keeps host, port and user, expands ~ in the key path, and never pins a new key itself', () => {
  const target = toTarget({ host: '203.0.113.7', user: 'deploy', port: 2222, keyPath: '~/.ssh/id_ed25519' });
  assert.deepEqual(target, {
    host: '203.0.113.7',
    port: 2222,
    username: 'deploy',
    identity: `${homedir()}/.ssh/id_ed25519`,
  });
  assert.equal('acceptNewHostKey' in target, false, 'a new key is pinned only after the owner compared it');
});

test('secrets become quoted KEY="value" lines for the agent, with the hub user, and never print', () => {
  const env = envFileFor(
    {
      anthropic_api_key: new Secret('sk-ant-abc'),
      telegram_bot_token: new Secret('123:tok'),
      vps_hub_password: new Secret('hubpw'),
      something_else: new Secret('ignored'),
    },
    'mono_desktop',
  );
  assert.equal(
    env.content.reveal(),
    'ANTHROPIC_API_KEY="sk-ant-abc"\nTELEGRAM_BOT_TOKEN="123:tok"\nMONO_DB_PASS="hubpw"\nMONO_DB_USER="mono_desktop"\n',
  );
  assert.doesNotMatch(
    inspect(env.content) + String(env.content) + JSON.stringify(env.content),
    /sk-ant-abc|hubpw/,
  );
  assert.deepEqual(env.channels, ['telegram']);
});

test('a value with quotes, spaces, # and $ reaches the agent exactly as typed', () => {
  const tricky = ' "pass word" # not a comment $HOME `x` \\ ';
  const env = envFileFor({ anthropic_api_key: new Secret(tricky) }, 'mono_desktop', {
    MONO_NOTE: '"quoted"',
  });
  // systemd's EnvironmentFile= inside double quotes: \ escapes " \ ` $, the rest (spaces, #) is literal.
  assert.equal(
    env.content.reveal(),
    'ANTHROPIC_API_KEY=" \\"pass word\\" # not a comment \\$HOME \\`x\\` \\\\ "\nMONO_NOTE="\\"quoted\\""\n',
  );
  assert.deepEqual(readRemoteEnv(env.content.reveal()).values, [tricky, '"quoted"']);
  assert.ok(env.values.includes(tricky), 'the exact value is redacted from what MONO prints');
});

test('a secret with a line break is refused before anything is sent, without showing it', () => {
  assert.throws(
    () => envFileFor({ telegram_bot_token: new Secret('123:tok\nEVIL=1') }, 'mono_desktop'),
    (e: Error) =>
      /TELEGRAM_BOT_TOKEN contains a line break/.test(e.message) && !e.message.includes('123:tok'),
  );
});

test('provisioning events map to install steps; a failure carries its reason and what to do', () => {
  const base = { type: 'step' as const, host: 'root@vps', index: 6, total: 14, time: '2030-01-01T00:00:00Z' };
  assert.deepEqual(toEvent({ ...base, step: 'upload', status: 'start', message: 'Uploading the release' }), {
    step: 'upload',
    status: 'running',
    message: 'Uploading the release',
  });
  assert.equal(
    toEvent({ ...base, step: 'node', status: 'skip', message: 'Node 20 is there' }).status,
    'skipped',
  );
  const failed = toEvent({
    ...base,
    step: 'preflight',
    status: 'fail',
    message: 'Checking the VPS',
    error: {
      name: 'PreflightError',
      step: 'preflight',
      reason: 'glibc 2.31 is too old',
      hint: 'Use Debian 12 or Ubuntu 22.04',
    },
  });
  assert.deepEqual(failed, {
    step: 'preflight',
    status: 'failed',
    message: 'glibc 2.31 is too old. Use Debian 12 or Ubuntu 22.04',
  });
});
