// Encryption of backup files: a key from the passphrase with scrypt (memory-hard), then AES-256-GCM over chunks
// whose nonces count up and mark the last chunk, so a file cut short, reordered or altered never decrypts.
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  randomBytes,
  scrypt,
  timingSafeEqual,
} from 'node:crypto';
import type { Secret } from '../config/secret.ts';
import { BackupFileError, tampered } from './errors.ts';

export const CIPHER = 'aes-256-gcm';
const TAG_BYTES = 16;

export interface KdfParams {
  name: 'scrypt';
  /** CPU/memory cost (a power of two); memory used is 128 · N · r bytes. */
  N: number;
  r: number;
  p: number;
  /** Base64, 16 random bytes per file. */
  salt: string;
}

/** 2^17 · 8 · 128 bytes = 128 MiB per derivation: OWASP's scrypt recommendation. */
export const DEFAULT_KDF = { N: 2 ** 17, r: 8, p: 1 } as const;

/** A file's header may ask for at most this much work (a crafted header must not exhaust the machine). */
const MAX_KDF_MEMORY = 1024 * 1024 * 1024;

export interface EncryptionInfo {
  cipher: typeof CIPHER;
  kdf: KdfParams;
  /** Base64, 12 random bytes; each chunk's nonce is this with the chunk number and the last-chunk flag mixed in. */
  nonce: string;
  /** Base64, 16 bytes derived from the passphrase: tells a wrong passphrase from a damaged file. */
  check: string;
}

export interface SealingKey {
  key: Buffer;
  info: EncryptionInfo;
}

/** Checks a header's KDF parameters before any work is done with them. */
export function checkKdfParams(kdf: unknown): KdfParams {
  const k = (kdf ?? {}) as Record<string, unknown>;
  const int = (v: unknown, min: number, max: number): v is number =>
    Number.isInteger(v) && (v as number) >= min && (v as number) <= max;
  const { N, r, p, salt } = k;
  const ok =
    k.name === 'scrypt' &&
    int(N, 2 ** 14, 2 ** 30) &&
    (N & (N - 1)) === 0 &&
    int(r, 1, 64) &&
    int(p, 1, 16) &&
    128 * N * r <= MAX_KDF_MEMORY &&
    typeof salt === 'string' &&
    Buffer.from(salt, 'base64').length >= 16;
  if (!ok)
    throw new BackupFileError('header', 'the backup file names key-derivation settings MONO does not accept');
  return { name: 'scrypt', N: N as number, r: r as number, p: p as number, salt: salt as string };
}

async function derive(passphrase: Secret, kdf: KdfParams): Promise<{ key: Buffer; check: Buffer }> {
  const bytes = await new Promise<Buffer>((resolve, reject) =>
    scrypt(
      Buffer.from(passphrase.reveal().normalize('NFC'), 'utf8'),
      Buffer.from(kdf.salt, 'base64'),
      64,
      { N: kdf.N, r: kdf.r, p: kdf.p, maxmem: 128 * kdf.N * kdf.r + 1024 * 1024 },
      (error, key) => (error ? reject(error) : resolve(key)),
    ),
  );
  const check = createHash('sha256').update('mono-backup key check').update(bytes.subarray(32)).digest();
  return { key: bytes.subarray(0, 32), check: check.subarray(0, 16) };
}

/** A new key for a new file (fresh salt and nonce). */
export async function newSealingKey(
  passphrase: Secret,
  cost: { N: number; r: number; p: number } = DEFAULT_KDF,
): Promise<SealingKey> {
  const kdf: KdfParams = { name: 'scrypt', ...cost, salt: randomBytes(16).toString('base64') };
  const { key, check } = await derive(passphrase, kdf);
  return {
    key,
    info: { cipher: CIPHER, kdf, nonce: randomBytes(12).toString('base64'), check: check.toString('base64') },
  };
}

/** The key of an existing file; a wrong passphrase is told apart from a damaged file by the check value. */
export async function openingKey(passphrase: Secret, info: EncryptionInfo): Promise<Buffer> {
  const { key, check } = await derive(passphrase, info.kdf);
  const expected = Buffer.from(info.check, 'base64');
  if (expected.length !== check.length || !timingSafeEqual(expected, check))
    throw new BackupFileError('passphrase', 'the passphrase is wrong for this backup file');
  return key;
}

export function checkEncryptionInfo(value: unknown): EncryptionInfo {
  const e = value as Partial<EncryptionInfo> | undefined;
  if (!e || e.cipher !== CIPHER)
    throw new BackupFileError('header', `the backup file is encrypted with a cipher MONO does not know`);
  const nonce = typeof e.nonce === 'string' ? Buffer.from(e.nonce, 'base64') : undefined;
  const check = typeof e.check === 'string' ? Buffer.from(e.check, 'base64') : undefined;
  if (nonce?.length !== 12 || check?.length !== 16)
    throw new BackupFileError('header', 'the backup file has a malformed encryption header');
  return { cipher: CIPHER, kdf: checkKdfParams(e.kdf), nonce: e.nonce!, check: e.check! };
}

/** Chunk n's nonce: the file's nonce with n in its last 8 bytes and the last-chunk flag in its first. */
function chunkNonce(base: Buffer, index: number, last: boolean): Buffer {
  const nonce = Buffer.from(base);
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(index));
  for (let i = 0; i < 8; i++) nonce[4 + i]! ^= counter[i]!;
  if (last) nonce[0]! ^= 0x80;
  return nonce;
}

export function sealChunk(
  key: Buffer,
  info: EncryptionInfo,
  aad: Buffer,
  index: number,
  last: boolean,
  plain: Buffer,
): Buffer {
  const cipher = createCipheriv(CIPHER, key, chunkNonce(Buffer.from(info.nonce, 'base64'), index, last));
  cipher.setAAD(aad);
  return Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
}

export function openChunk(
  key: Buffer,
  info: EncryptionInfo,
  aad: Buffer,
  index: number,
  last: boolean,
  sealed: Buffer,
): Buffer {
  if (sealed.length < TAG_BYTES) throw tampered(`chunk ${index + 1} is too short`);
  const decipher = createDecipheriv(CIPHER, key, chunkNonce(Buffer.from(info.nonce, 'base64'), index, last));
  decipher.setAAD(aad);
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw tampered(`chunk ${index + 1} does not authenticate`);
  }
}
