// The desktop's secret store: values encrypted with Electron's safeStorage (or, without Electron, a key file
// readable only by the user), kept in one 0600 JSON file, and handed out only as `Secret`s — never to the renderer.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Secret } from '../../agent-core/config/secret.ts';

/** The part of Electron's `safeStorage` the vault uses (so tests and the bridge can pass their own). */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

export interface Vault {
  get(name: string): Secret | undefined;
  has(name: string): boolean;
  set(name: string, value: string): void;
  delete(name: string): void;
  names(): string[];
}

export class VaultError extends Error {
  override name = 'VaultError';
}

export function createVault(deps: { file: string; safeStorage: SafeStorageLike }): Vault {
  const { file, safeStorage } = deps;
  let entries: Record<string, string> = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};

  function save(): void {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(entries, null, 2)}\n`, { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, file);
  }

  return {
    get(name) {
      const stored = entries[name];
      if (stored === undefined) return undefined;
      return new Secret(safeStorage.decryptString(Buffer.from(stored, 'base64')));
    },
    has: (name) => entries[name] !== undefined,
    set(name, value) {
      if (!safeStorage.isEncryptionAvailable()) {
        throw new VaultError('This computer offers no secure storage for secrets (is a keyring running?).');
      }
      entries = { ...entries, [name]: safeStorage.encryptString(value).toString('base64') };
      save();
    },
    delete(name) {
      const { [name]: _gone, ...rest } = entries;
      entries = rest;
      save();
    },
    names: () => Object.keys(entries),
  };
}

/**
 * safeStorage for the browser bridge (no Electron): AES-256-GCM with a random key in a 0600 file beside the
 * vault. Weaker than the OS keychain, but secrets are still never stored in clear text.
 */
export function createKeyFileStorage(keyFile: string): SafeStorageLike {
  function key(): Buffer {
    if (!existsSync(keyFile)) {
      mkdirSync(dirname(keyFile), { recursive: true, mode: 0o700 });
      writeFileSync(keyFile, randomBytes(32), { mode: 0o600 });
    }
    return readFileSync(keyFile);
  }
  return {
    isEncryptionAvailable: () => true,
    encryptString(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key(), iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]);
    },
    decryptString(encrypted) {
      const decipher = createDecipheriv('aes-256-gcm', key(), encrypted.subarray(0, 12));
      decipher.setAuthTag(encrypted.subarray(12, 28));
      return Buffer.concat([decipher.update(encrypted.subarray(28)), decipher.final()]).toString('utf8');
    },
  };
}
