// The vault's own cryptography for passphrase protection: a key derived with scrypt (memory-hard, from
// node:crypto) and AES-256-GCM per entry, with the entry's name as associated data so sealed values cannot be
// swapped between names. Parameters read back from disk are bounded, so a damaged file cannot ask for gigabytes.
import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';

export interface KdfParams {
  name: 'scrypt';
  /** CPU/memory cost (a power of two); memory used is 128 · N · r bytes. */
  N: number;
  r: number;
  p: number;
  /** Random per vault, base64. */
  salt: string;
}

/** 2^17 · 8 · 128 B = 128 MiB per derivation (the strong end of today's advice for scrypt), ~0.3–1 s. */
export const SCRYPT_COST = { N: 2 ** 17, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;
const IV_LENGTH = 12;
const TAG_LENGTH = 16;

export function newKdfParams(): KdfParams {
  return { name: 'scrypt', ...SCRYPT_COST, salt: randomBytes(16).toString('base64') };
}

/** Parameters as stored, refused when outside what MONO ever writes (a weak or a memory-bomb setting). */
export function checkKdfParams(value: unknown): KdfParams | undefined {
  const params = value as Partial<KdfParams> | undefined;
  if (params?.name !== 'scrypt' || typeof params.salt !== 'string') return undefined;
  const { N, r, p } = params;
  if (typeof N !== 'number' || typeof r !== 'number' || typeof p !== 'number') return undefined;
  const powerOfTwo = Number.isInteger(Math.log2(N));
  if (!powerOfTwo || N < 2 ** 15 || N > 2 ** 20 || r < 8 || r > 16 || p < 1 || p > 4) return undefined;
  if (Buffer.from(params.salt, 'base64').length < 16) return undefined;
  return { name: 'scrypt', N, r, p, salt: params.salt };
}

export function deriveKey(passphrase: string, params: KdfParams): Promise<Buffer> {
  const { N, r, p } = params;
  return new Promise((resolve, reject) => {
    scrypt(
      passphrase.normalize('NFC'),
      Buffer.from(params.salt, 'base64'),
      KEY_LENGTH,
      { N, r, p, maxmem: 256 * N * r },
      (error, key) => (error ? reject(error) : resolve(key)),
    );
  });
}

/** iv ‖ tag ‖ ciphertext, bound to `context` (e.g. the entry's name). */
export function seal(key: Buffer, plain: string, context: string): Buffer {
  const iv = randomBytes(IV_LENGTH);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

/** Throws when the key is wrong, the context differs, or a byte was changed. */
export function unseal(key: Buffer, sealed: Buffer, context: string): string {
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_LENGTH));
  decipher.setAAD(Buffer.from(context, 'utf8'));
  decipher.setAuthTag(sealed.subarray(IV_LENGTH, IV_LENGTH + TAG_LENGTH));
  return Buffer.concat([decipher.update(sealed.subarray(IV_LENGTH + TAG_LENGTH)), decipher.final()]).toString(
    'utf8',
  );
}

/**
 * Entries written by MONO's former browser mode: AES-256-GCM under a random key kept in a file beside the vault.
 * Read only, to move them under a passphrase; the key file is then destroyed.
 */
export function unsealWithKeyFile(keyFileBytes: Buffer, sealed: Buffer): string {
  const decipher = createDecipheriv('aes-256-gcm', keyFileBytes, sealed.subarray(0, IV_LENGTH));
  decipher.setAuthTag(sealed.subarray(IV_LENGTH, IV_LENGTH + TAG_LENGTH));
  return Buffer.concat([decipher.update(sealed.subarray(IV_LENGTH + TAG_LENGTH)), decipher.final()]).toString(
    'utf8',
  );
}
