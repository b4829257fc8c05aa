// Meta's webhook signature: X-Hub-Signature-256 = "sha256=" + hex HMAC-SHA256 of the RAW body with the app
// secret. It must be computed over the bytes as received: re-serialised JSON differs (escaped emoji, spacing).
import { createHmac, timingSafeEqual } from 'node:crypto';

export function signBody(body: Uint8Array | string, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(body).digest('hex')}`;
}

export function verifySignature(
  body: Uint8Array | string,
  header: string | undefined,
  appSecret: string,
): boolean {
  if (!header || !/^sha256=[0-9a-fA-F]{64}$/.test(header.trim())) return false;
  const expected = Buffer.from(signBody(body, appSecret).slice('sha256='.length), 'hex');
  const given = Buffer.from(header.trim().slice('sha256='.length), 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
