// The bridge's side of the handshake (protocol.ts): a fresh challenge per socket and a constant-time check of
// the page's answer. The key reaches the page once, in the URL fragment (which browsers never send), and never
// travels on a socket or in a request line, so proxy logs, access logs and recorded frames cannot leak it.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { AUTH_CONTEXT } from './protocol.ts';

export function newChallenge(): string {
  return randomBytes(32).toString('base64url');
}

export function authFor(key: string, challenge: string): string {
  return createHmac('sha256', key)
    .update(AUTH_CONTEXT + challenge)
    .digest('base64url');
}

/** True when `answer` is the MAC of this challenge under one of the accepted keys (constant time per key). */
export function verifyAuth(keys: readonly string[], challenge: string, answer: unknown): boolean {
  if (typeof answer !== 'string' || answer.length > 128) return false;
  const given = Buffer.from(answer);
  let ok = false;
  for (const key of keys) {
    const expected = Buffer.from(authFor(key, challenge));
    if (given.length === expected.length && timingSafeEqual(given, expected)) ok = true;
  }
  return ok;
}

export function newBridgeKey(): string {
  return randomBytes(24).toString('base64url');
}
