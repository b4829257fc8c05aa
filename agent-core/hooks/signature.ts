// Signature checks for generic hooks, over the raw body bytes and in constant time: HMAC-SHA256 (hex, with or
// without a "sha256=" prefix, as GitHub and most senders do) or a bearer token.
import { createHmac, timingSafeEqual } from 'node:crypto';

export function hmacSha256Hex(body: Uint8Array, secret: string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

export function verifyHmac(body: Uint8Array, header: string | undefined, secret: string): boolean {
  if (!header) return false;
  const given = header
    .trim()
    .replace(/^sha256=/i, '')
    .toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(given)) return false;
  return timingSafeEqual(Buffer.from(given, 'hex'), Buffer.from(hmacSha256Hex(body, secret), 'hex'));
}

export function verifyBearer(header: string | undefined, token: string): boolean {
  const match = header ? /^Bearer\s+(.+)$/i.exec(header.trim()) : null;
  if (!match) return false;
  const given = Buffer.from(match[1]!);
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
