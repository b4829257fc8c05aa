// What reaches the log: a library error that quotes a configured secret (a token in a URL, a password in a
// connection string) is written without it, and a name a stranger chose cannot act on the terminal that shows
// the log (escape sequences, carriage returns, bidirectional overrides) — each line still parses as JSON.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { loadConfig } from '../../../agent-core/config/config.ts';
import { configuredSecrets, createLogger } from '../../../agent-core/log/logger.ts';
import { printable } from '../../../agent-core/log/printable.ts';

const TOKEN = '7000000001:AAHsecretSecretSecretSecretSecret0';
const API_KEY = 'sk-ant-api03-secretkeysecretkeysecretkey';
const HOOK = 'hook-secret-with-"quote"-and\\backslash';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, destination };
}

test('every configured secret is replaced wherever it appears, also inside a library’s error', () => {
  const config = loadConfig({
    TELEGRAM_BOT_TOKEN: TOKEN,
    ANTHROPIC_API_KEY: API_KEY,
    MONO_ALLOW_TELEGRAM: '1',
    MONO_HOOK_SECRET_DEPLOYS: HOOK,
  });
  const secrets = configuredSecrets(config).map((secret) => secret.reveal());
  assert.deepEqual(new Set(secrets), new Set([TOKEN, API_KEY, HOOK]));
  const { lines, destination } = capture();
  const log = createLogger({ destination, secrets: configuredSecrets(config) });
  const error = new Error(`request to https://api.telegram.org/bot${TOKEN}/getMe failed`);
  (error as Error & { cause?: unknown }).cause = new Error(`upstream said: bad key ${API_KEY}`);
  log.error({ err: error, detail: `hmac secret ${HOOK}` }, `failed with ${API_KEY}`);
  assert.equal(lines.length, 1);
  for (const secret of [TOKEN, API_KEY, HOOK, JSON.stringify(HOOK).slice(1, -1)])
    assert.ok(!lines[0]!.includes(secret), `leaked ${secret}`);
  const entry = JSON.parse(lines[0]!);
  assert.match(entry.msg, /failed with \[redacted\]/);
  assert.match(entry.err.message, /bot\[redacted\]\/getMe/);
  assert.match(JSON.stringify(entry.err), /bad key \[redacted\]/, 'the cause too');
});

test('a stranger’s name cannot act on the terminal showing the log; the line is still JSON', () => {
  const { lines, destination } = capture();
  const log = createLogger({ destination });
  const name = 'Ada\u001b[2J\u001b]0;pwned\u0007\r\u009b31m\u202egnp.exe\u0000';
  log.info({ name }, 'message from an unknown sender');
  const line = lines[0]!;
  const unsafe = [...line].filter((char) => {
    const code = char.charCodeAt(0);
    return (
      code < 0x20 ||
      (code >= 0x7f && code <= 0x9f) ||
      (code >= 0x202a && code <= 0x202e) ||
      (code >= 0x2066 && code <= 0x2069)
    );
  });
  assert.deepEqual(unsafe, []);
  assert.equal(JSON.parse(line).name, name, 'escaped, not lost: the log reader sees what was sent');
  assert.equal(printable(name), 'Ada [2J ]0;pwned 31m gnp.exe');
});
