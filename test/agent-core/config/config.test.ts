// Configuration from the environment: defaults, every problem reported at once, secrets kept secret.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inspect } from 'node:util';
import { ConfigError, DEFAULT_MODEL, loadConfig } from '../../../agent-core/config/config.ts';

const TOKEN = '123456:ABCdefGHIjklMNOpqrSTUvwxYZ012345';

test('defaults: local data dir, 127.0.0.1:7420, the default model, no channel', () => {
  const config = loadConfig({ HOME: '/home/ada' });
  assert.equal(config.http.host, '127.0.0.1');
  assert.equal(config.http.port, 7420);
  assert.match(config.dataDir, /\.mono\/agent$/);
  assert.equal(config.anthropic.model, DEFAULT_MODEL);
  assert.equal(config.telegram, undefined);
});

test('telegram: token, allowlist, webhook mode', () => {
  const config = loadConfig({
    ANTHROPIC_API_KEY: 'sk-ant-x',
    TELEGRAM_BOT_TOKEN: TOKEN,
    MONO_ALLOW_TELEGRAM: '42, 43',
    TELEGRAM_WEBHOOK_SECRET: 'abc_DEF-1',
    TELEGRAM_API_ROOT: 'http://127.0.0.1:9/',
  });
  assert.equal(config.telegram?.apiRoot, 'http://127.0.0.1:9');
  assert.deepEqual(config.telegram?.allow, { everyone: false, ids: new Set(['42', '43']) });
  assert.equal(config.telegram?.webhookSecret?.reveal(), 'abc_DEF-1');
});

test('every problem is named in one error, without the secret values', () => {
  assert.throws(
    () =>
      loadConfig({
        MONO_HTTP_PORT: '70000',
        TELEGRAM_BOT_TOKEN: 'secret-but-wrong',
        TELEGRAM_WEBHOOK_SECRET: 'has spaces',
        MONO_ALLOW_TELEGRAM: 'ada',
        MONO_DB_URL: 'http://db',
      }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.problems.length, 7, error.message);
      assert.doesNotMatch(error.message, /secret-but-wrong/);
      return true;
    },
  );
});

test('secrets print as [redacted] in logs, JSON and inspect', () => {
  const config = loadConfig({ ANTHROPIC_API_KEY: 'sk-ant-very-secret', TELEGRAM_BOT_TOKEN: TOKEN });
  const printed = [
    JSON.stringify(config),
    inspect(config, { depth: 5 }),
    String(config.anthropic.apiKey),
  ].join('\n');
  assert.doesNotMatch(printed, /sk-ant-very-secret/);
  assert.doesNotMatch(printed, new RegExp(TOKEN));
  assert.equal(config.anthropic.apiKey?.reveal(), 'sk-ant-very-secret');
});

test('voice and web lookups: web tools on unless MONO_WEB_TOOLS=off; STT needs its URL; the key stays secret', () => {
  const plain = loadConfig({});
  assert.equal(plain.media.webTools, true);
  assert.equal(plain.media.stt, undefined);
  assert.equal(loadConfig({ MONO_WEB_TOOLS: 'off' }).media.webTools, false);
  const config = loadConfig({
    MONO_STT_URL: 'https://api.groq.com/openai/v1/',
    MONO_STT_API_KEY: 'gsk_secret_value_123',
    MONO_STT_MODEL: 'whisper-large-v3-turbo',
    MONO_STT_PRICE_PER_MIN: '0.0007',
  });
  assert.equal(config.media.stt?.url, 'https://api.groq.com/openai/v1');
  assert.equal(config.media.stt?.model, 'whisper-large-v3-turbo');
  assert.equal(config.media.stt?.pricePerMinute, 0.0007);
  assert.doesNotMatch(inspect(config), /gsk_secret_value_123/);
  assert.equal(loadConfig({ MONO_STT_URL: 'http://127.0.0.1:9/v1' }).media.stt?.model, 'whisper-1');
  assert.throws(
    () =>
      loadConfig({
        MONO_STT_API_KEY: 'gsk_secret_value_123',
        MONO_WEB_TOOLS: 'maybe',
      }),
    (error: unknown) =>
      error instanceof ConfigError &&
      /MONO_STT_API_KEY is set but MONO_STT_URL is not/.test(error.message) &&
      /MONO_WEB_TOOLS must be on or off/.test(error.message) &&
      !error.message.includes('gsk_secret_value_123'),
  );
  assert.throws(
    () => loadConfig({ MONO_STT_URL: 'https://user:pw@stt.example/v1' }),
    /put the key in MONO_STT_API_KEY/,
  );
});

test('calls to Claude in flight: 8 by default, MONO_CLAUDE_CONCURRENCY to change it, nonsense refused', () => {
  assert.equal(loadConfig({ HOME: '/home/ada' }).faults.claudeConcurrency, 8);
  assert.equal(loadConfig({ HOME: '/home/ada', MONO_CLAUDE_CONCURRENCY: '3' }).faults.claudeConcurrency, 3);
  for (const bad of ['0', '-2', 'lots', '2.5'])
    assert.throws(
      () => loadConfig({ HOME: '/home/ada', MONO_CLAUDE_CONCURRENCY: bad }),
      (error: unknown) =>
        error instanceof ConfigError &&
        /MONO_CLAUDE_CONCURRENCY must be a whole number of at least 1/.test(error.message),
    );
});
