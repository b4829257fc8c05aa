// The vault, from the side of someone who copies the desktop's folder: with a real keyring the entries are sealed
// by it; with Electron's `basic_text` fallback (a fixed, public key) MONO refuses to store anything until the
// owner sets a passphrase; a passphrase vault cannot be read without it; nothing is ever on disk in clear.
import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, pbkdf2Sync, randomBytes, scryptSync } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { inspect } from 'node:util';
import type { KeyringLike } from '../../src-main/services/keyring.ts';
import { createVault, VaultError } from '../../src-main/services/vault.ts';

const root = mkdtempSync(join(tmpdir(), 'mono-vault-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => {
  const dir = join(root, String(++n));
  mkdirSync(dir);
  return dir;
};

const TOKEN = '123456789:AAsecret-token-value-XYZ';
const CLAUDE = 'sk-ant-api03-very-secret-claude-key';
const PASSPHRASE = 'correct horse battery staple';

// Chromium's Linux fallback as Electron ships it: "v10" + AES-128-CBC under PBKDF2-SHA1("peanuts", "saltysalt",
// 1 iteration), IV of 16 spaces — a key anyone can compute. This is what `basic_text` means.
const PEANUTS = pbkdf2Sync('peanuts', 'saltysalt', 1, 16, 'sha1');
function basicTextKeyring(): KeyringLike {
  return {
    isEncryptionAvailable: () => true,
    getSelectedStorageBackend: () => 'basic_text',
    encryptString(plain) {
      const cipher = createCipheriv('aes-128-cbc', PEANUTS, Buffer.alloc(16, ' '));
      return Buffer.concat([Buffer.from('v10'), cipher.update(plain, 'utf8'), cipher.final()]);
    },
    decryptString: (sealed) => attackerDecryptsBasicText(sealed),
  };
}
/** What anyone who copies the file can do with a basic_text entry: no secret needed. */
function attackerDecryptsBasicText(sealed: Buffer): string {
  assert.equal(sealed.subarray(0, 3).toString(), 'v10');
  const decipher = createDecipheriv('aes-128-cbc', PEANUTS, Buffer.alloc(16, ' '));
  return Buffer.concat([decipher.update(sealed.subarray(3)), decipher.final()]).toString('utf8');
}

/** A keyring with a key the file does not hold (as libsecret's would be), on the given backend. */
function realKeyring(backend = 'gnome_libsecret'): KeyringLike {
  const key = randomBytes(16);
  return {
    isEncryptionAvailable: () => true,
    getSelectedStorageBackend: () => backend,
    encryptString(plain) {
      const iv = randomBytes(16);
      const cipher = createCipheriv('aes-128-cbc', key, iv);
      return Buffer.concat([Buffer.from('v11'), iv, cipher.update(plain, 'utf8'), cipher.final()]);
    },
    decryptString(sealed) {
      const decipher = createDecipheriv('aes-128-cbc', key, sealed.subarray(3, 19));
      return Buffer.concat([decipher.update(sealed.subarray(19)), decipher.final()]).toString('utf8');
    },
  };
}

/** Every byte under the folder, as text: no secret may appear in any file, in clear. */
function everythingOnDisk(dir: string): string {
  return readdirSync(dir, { recursive: true })
    .map((name) => join(dir, String(name)))
    .filter((path) => statSync(path).isFile())
    .map((path) => readFileSync(path).toString('latin1'))
    .join('\n');
}

test('with a real keyring the vault uses it, says so, and keeps a 0600 file with nothing in clear', () => {
  const dir = freshDir();
  const file = join(dir, 'vault.json');
  const keyring = realKeyring();
  const vault = createVault({ file, keyring, platform: 'linux' });
  assert.equal(vault.status().state, 'ready');
  assert.equal(vault.status().protection, 'keyring');
  assert.match(vault.status().description, /keyring/);
  vault.set('telegram_bot_token', TOKEN);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.doesNotMatch(everythingOnDisk(dir), /AAsecret-token-value/);
  const secret = createVault({ file, keyring, platform: 'linux' }).get('telegram_bot_token');
  assert.equal(secret?.reveal(), TOKEN);
  assert.equal(String(secret), '[redacted]');
  assert.doesNotMatch(inspect({ secret }), /AAsecret/);
  assert.match(
    createVault({ file, keyring: realKeyring(), platform: 'darwin' }).status().description,
    /Keychain/,
  );
});

test('a basic_text backend (encryption "available", fixed public key) is refused until a passphrase is set', async () => {
  const dir = freshDir();
  const file = join(dir, 'vault.json');
  const vault = createVault({ file, keyring: basicTextKeyring(), platform: 'linux' });
  const status = vault.status();
  assert.equal(status.state, 'setup');
  assert.equal(status.protection, null);
  assert.match(status.problem ?? '', /fixed key that anyone can look up/);
  assert.throws(() => vault.set('telegram_bot_token', TOKEN), VaultError);
  assert.equal(existsSync(file), false, 'nothing written under basic_text');

  await vault.create(PASSPHRASE);
  vault.set('telegram_bot_token', TOKEN);
  assert.equal(vault.status().protection, 'passphrase');
  assert.match(vault.status().description, /passphrase/);
  const onDisk = everythingOnDisk(dir);
  assert.doesNotMatch(onDisk, /AAsecret-token-value/);
  const stored = JSON.parse(readFileSync(file, 'utf8')).entries.telegram_bot_token as string;
  assert.throws(() => attackerDecryptsBasicText(Buffer.from(stored, 'base64')), 'not a basic_text entry');
});

test('keys an older MONO stored under basic_text move under the passphrase, out of the public key’s reach', async () => {
  const dir = freshDir();
  const file = join(dir, 'vault.json');
  const basic = basicTextKeyring();
  const legacy = { telegram_bot_token: basic.encryptString(TOKEN).toString('base64') };
  writeFileSync(file, JSON.stringify(legacy), { mode: 0o600 });
  // The attacker's view of the old file: the token is one public key away.
  assert.equal(attackerDecryptsBasicText(Buffer.from(legacy.telegram_bot_token, 'base64')), TOKEN);

  const vault = createVault({ file, keyring: basic, platform: 'linux' });
  assert.equal(vault.status().state, 'setup');
  assert.equal(vault.status().migrating, true);
  await vault.create(PASSPHRASE);
  assert.equal(vault.get('telegram_bot_token')?.reveal(), TOKEN);
  const entry = JSON.parse(readFileSync(file, 'utf8')).entries.telegram_bot_token as string;
  assert.throws(() => attackerDecryptsBasicText(Buffer.from(entry, 'base64')));
});

test('a passphrase vault cannot be read without the passphrase, and the wrong one is refused', async () => {
  const dir = freshDir();
  const file = join(dir, 'vault.json');
  const first = createVault({ file });
  assert.equal(first.status().state, 'setup', 'no keyring in the browser: a passphrase is needed');
  await assert.rejects(first.create('short'), /at least 10 characters/);
  await first.create(PASSPHRASE);
  first.set('telegram_bot_token', TOKEN);
  first.set('anthropic_api_key', CLAUDE);
  assert.doesNotMatch(everythingOnDisk(dir), /AAsecret-token-value|very-secret-claude/);

  const stored = JSON.parse(readFileSync(file, 'utf8'));
  assert.equal(stored.protection.kdf.name, 'scrypt');
  assert.ok(stored.protection.kdf.N >= 2 ** 17 && stored.protection.kdf.r >= 8, 'memory-hard: ≥ 128 MiB');

  const reopened = createVault({ file });
  assert.equal(reopened.status().state, 'locked');
  assert.equal(reopened.has('telegram_bot_token'), true, 'which keys are set is known while locked');
  assert.throws(() => reopened.get('telegram_bot_token'), /locked/);
  assert.throws(() => reopened.set('telegram_bot_token', 'x'), /locked/);
  await assert.rejects(reopened.unlock('Correct horse battery staple'), /not right/);
  assert.equal(reopened.status().state, 'locked');
  await reopened.unlock(PASSPHRASE);
  assert.equal(reopened.get('anthropic_api_key')?.reveal(), CLAUDE);

  // An attacker with the file and a guess derives a key the same way; the entries do not open with it.
  const { salt, N, r, p } = stored.protection.kdf;
  const guess = scryptSync('password123', Buffer.from(salt, 'base64'), 32, { N, r, p, maxmem: 256 * N * r });
  const sealed = Buffer.from(stored.entries.telegram_bot_token, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', guess, sealed.subarray(0, 12));
  decipher.setAAD(Buffer.from('entry:telegram_bot_token'));
  decipher.setAuthTag(sealed.subarray(12, 28));
  decipher.update(sealed.subarray(28));
  assert.throws(() => decipher.final());
});

test('entries cannot be swapped between names or altered without detection', async () => {
  const dir = freshDir();
  const file = join(dir, 'vault.json');
  const vault = createVault({ file });
  await vault.create(PASSPHRASE);
  vault.set('telegram_bot_token', TOKEN);
  vault.set('webhook_secret', 'whsec-abcdef-123456');
  const stored = JSON.parse(readFileSync(file, 'utf8'));
  stored.entries.webhook_secret = stored.entries.telegram_bot_token;
  writeFileSync(file, JSON.stringify(stored));
  const swapped = createVault({ file });
  await swapped.unlock(PASSPHRASE);
  assert.throws(() => swapped.get('webhook_secret'));
});

test('a damaged file cannot make the vault derive with a weak or memory-bomb setting', () => {
  const dir = freshDir();
  const file = join(dir, 'vault.json');
  for (const N of [2 ** 10, 2 ** 30, 3000]) {
    writeFileSync(
      file,
      JSON.stringify({
        format: 'mono-vault-2',
        protection: {
          kind: 'passphrase',
          kdf: { name: 'scrypt', N, r: 8, p: 1, salt: randomBytes(16).toString('base64') },
          check: 'x',
        },
        entries: {},
      }),
    );
    assert.throws(() => createVault({ file }), /damaged/);
  }
});

test('the key file of the former browser mode is read once, its keys move under the passphrase, and it is destroyed', async () => {
  const dir = freshDir();
  const file = join(dir, 'vault.json');
  const keyFile = join(dir, 'vault.key');
  const key = randomBytes(32);
  writeFileSync(keyFile, key, { mode: 0o600 });
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(CLAUDE, 'utf8'), cipher.final()]);
  writeFileSync(
    file,
    JSON.stringify({ anthropic_api_key: Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64') }),
  );

  const vault = createVault({ file, legacyKeyFile: keyFile });
  assert.equal(vault.status().state, 'setup');
  assert.equal(vault.status().migrating, true);
  assert.throws(() => vault.get('anthropic_api_key'), VaultError);
  await vault.create(PASSPHRASE);
  assert.equal(existsSync(keyFile), false, 'no key beside the vault any more');
  const reopened = createVault({ file, legacyKeyFile: keyFile });
  await reopened.unlock(PASSPHRASE);
  assert.equal(reopened.get('anthropic_api_key')?.reveal(), CLAUDE);
});

test('changing the passphrase re-seals everything; forgetting it starts over without the keys', async () => {
  const dir = freshDir();
  const file = join(dir, 'vault.json');
  const vault = createVault({ file });
  await vault.create(PASSPHRASE);
  vault.set('anthropic_api_key', CLAUDE);
  await assert.rejects(vault.changePassphrase('not the passphrase', 'a brand new passphrase'), /not right/);
  await vault.changePassphrase(PASSPHRASE, 'a brand new passphrase');
  const reopened = createVault({ file });
  await assert.rejects(reopened.unlock(PASSPHRASE), /not right/);
  await reopened.unlock('a brand new passphrase');
  assert.equal(reopened.get('anthropic_api_key')?.reveal(), CLAUDE);

  const forgotten = createVault({ file });
  forgotten.reset();
  assert.equal(forgotten.status().state, 'setup');
  assert.deepEqual(forgotten.names(), []);
  assert.doesNotMatch(everythingOnDisk(dir), /very-secret-claude/);
});

test('keys set or deleted while the passphrase changes are kept, sealed under the new passphrase', async () => {
  const file = join(freshDir(), 'vault.json');
  const vault = createVault({ file });
  await vault.create(PASSPHRASE);
  vault.set('anthropic_api_key', CLAUDE);
  const doomed = Array.from({ length: 200 }, (_, i) => `doomed_${i}`);
  for (const name of doomed) vault.set(name, `value of ${name}`);

  let changing = true;
  const change = vault.changePassphrase(PASSPHRASE, 'a brand new passphrase').finally(() => {
    changing = false;
  });
  // A write every 20 ms for as long as the change runs (two scrypt derivations), as the UI, the first
  // backup or the installer may do: some land after the change has read the entries.
  const added: string[] = [];
  const deleted: string[] = [];
  while (changing) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    if (!changing) break;
    const name = `added_${added.length}`;
    vault.set(name, `value of ${name}`);
    added.push(name);
    const gone = doomed[deleted.length];
    if (gone) {
      vault.delete(gone);
      deleted.push(gone);
    }
  }
  await change;
  assert.ok(added.length >= 2, 'the writes ran while the change did');

  const reopened = createVault({ file });
  await assert.rejects(reopened.unlock(PASSPHRASE), /not right/);
  await reopened.unlock('a brand new passphrase');
  assert.equal(reopened.get('anthropic_api_key')?.reveal(), CLAUDE);
  for (const name of added) assert.equal(reopened.get(name)?.reveal(), `value of ${name}`, name);
  for (const name of deleted) assert.equal(reopened.has(name), false, name);
  for (const name of doomed.slice(deleted.length))
    assert.equal(reopened.get(name)?.reveal(), `value of ${name}`);
  assert.deepEqual(vault.names().sort(), reopened.names().sort());
});

test('forgetting the keys while the passphrase changes is not undone by the change', async () => {
  const file = join(freshDir(), 'vault.json');
  const vault = createVault({ file });
  await vault.create(PASSPHRASE);
  vault.set('anthropic_api_key', CLAUDE);
  const change = vault.changePassphrase(PASSPHRASE, 'a brand new passphrase');
  await new Promise((resolve) => setImmediate(resolve));
  vault.reset();
  await assert.rejects(change, VaultError);
  for (const seen of [vault, createVault({ file })]) {
    assert.equal(seen.status().state, 'setup');
    assert.deepEqual(seen.names(), []);
  }
});

test('a vault sealed by a keyring that is gone says what to do instead of failing oddly', () => {
  const dir = freshDir();
  const file = join(dir, 'vault.json');
  createVault({ file, keyring: realKeyring(), platform: 'linux' }).set('anthropic_api_key', CLAUDE);
  const later = createVault({ file, keyring: basicTextKeyring(), platform: 'linux' });
  assert.equal(later.status().state, 'unavailable');
  assert.match(later.status().problem ?? '', /keyring.*start over with a passphrase/s);
  assert.throws(() => later.get('anthropic_api_key'), VaultError);
});

test('redact replaces every stored value in a text', async () => {
  const vault = createVault({ file: join(freshDir(), 'vault.json') });
  await vault.create(PASSPHRASE);
  vault.set('telegram_bot_token', TOKEN);
  assert.equal(vault.redact(`calling bot${TOKEN}/getMe failed`), 'calling bot[redacted]/getMe failed');
});
