// The one constant-time comparison for secrets a client presents (webhook tokens, signatures, the bridge secret):
// how long it takes says nothing about how much of the secret was guessed, nor how long the secret is.
import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * True when `given` equals `expected`, byte for byte (strings as UTF-8). Both sides are hashed first, so the
 * comparison always runs over 32 bytes whatever their lengths, and an empty or missing value never matches.
 */
export function constantTimeEqual(
  given: string | Uint8Array | undefined,
  expected: string | Uint8Array,
): boolean {
  // An empty secret is a configuration mistake: it must never let anyone in.
  if (given === undefined || byteLength(expected) === 0) return false;
  return timingSafeEqual(digest(given), digest(expected));
}

function digest(value: string | Uint8Array): Buffer {
  return createHash('sha256').update(value).digest();
}

function byteLength(value: string | Uint8Array): number {
  return typeof value === 'string' ? Buffer.byteLength(value) : value.byteLength;
}
