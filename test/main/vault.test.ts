// The vault: secrets are stored encrypted in a 0600 file, come back only as Secret (printed as [redacted]),
// survive a restart, and are refused when the OS offers no encryption.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { inspect } from 'node:util';
import {
  createKeyFileStorage,
  createVault,
  type SafeStorageLike,
  VaultError,
} from '../../src-main/services/vault.ts';

const dir = mkdtempSync(join(tmpdir(), 'mono-vault-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Shaped like Electron's safeStorage: Buffers in and out, opaque bytes, fails when not available. */
function fakeSafeStorage(available = true): SafeStorageLike & { calls: number } {
  const key = 0x5a;
  return {
    calls: 0,
    isEncryptionAvailable: () => available,
    encryptString(plain) {
      this.calls++;
      if (!available) throw new Error('Encryption is not available.');
      return Buffer.concat([Buffer.from('v10'), Buffer.from(plain, 'utf8').map((b) => b ^ key)]);
    },
    decryptString(encrypted) {
      assert.equal(encrypted.subarray(0, 3).toString(), 'v10');
      return Buffer.from(encrypted.subarray(3).map((b) => b ^ key)).toString('utf8');
    },
  };
}

test('a secret is stored encrypted in a file only the user can read, and comes back redacted', () => {
  const file = join(dir, 'a', 'vault.json');
  const vault = createVault({ file, safeStorage: fakeSafeStorage() });
  vault.set('telegram_bot_token', '123456:AAsecret-token-value');
  const onDisk = readFileSync(file, 'utf8');
  assert.doesNotMatch(onDisk, /AAsecret-token-value/);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const secret = vault.get('telegram_bot_token');
  assert.equal(secret?.reveal(), '123456:AAsecret-token-value');
  assert.equal(String(secret), '[redacted]');
  assert.equal(JSON.stringify({ secret }), '{"secret":"[redacted]"}');
  assert.doesNotMatch(inspect({ secret }), /AAsecret/);
});

test('secrets survive a restart; deleting removes them', () => {
  const file = join(dir, 'b', 'vault.json');
  createVault({ file, safeStorage: fakeSafeStorage() }).set('anthropic_api_key', 'sk-ant-xyz');
  const reopened = createVault({ file, safeStorage: fakeSafeStorage() });
  assert.equal(reopened.get('anthropic_api_key')?.reveal(), 'sk-ant-xyz');
  assert.deepEqual(reopened.names(), ['anthropic_api_key']);
  reopened.delete('anthropic_api_key');
  assert.equal(createVault({ file, safeStorage: fakeSafeStorage() }).has('anthropic_api_key'), false);
});

test('without OS encryption the vault refuses to store instead of writing clear text', () => {
  const file = join(dir, 'c', 'vault.json');
  const storage = fakeSafeStorage(false);
  const vault = createVault({ file, safeStorage: storage });
  assert.throws(() => vault.set('anthropic_api_key', 'sk-ant-xyz'), VaultError);
  assert.equal(storage.calls, 0);
});

test('the key-file storage used without Electron encrypts with a 0600 key and detects tampering', () => {
  const keyFile = join(dir, 'd', 'vault.key');
  const storage = createKeyFileStorage(keyFile);
  const sealed = storage.encryptString('hello secret');
  assert.doesNotMatch(sealed.toString('latin1'), /hello secret/);
  assert.equal(storage.decryptString(sealed), 'hello secret');
  assert.equal(statSync(keyFile).mode & 0o777, 0o600);
  const tampered = Buffer.from(sealed);
  tampered[tampered.length - 1] = (tampered.at(-1) ?? 0) ^ 1;
  assert.throws(() => storage.decryptString(tampered));
  assert.equal(
    createKeyFileStorage(keyFile).decryptString(sealed),
    'hello secret',
    'same key after a restart',
  );
});
