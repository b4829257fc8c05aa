// Signature checks for generic hooks, over the raw body bytes and in constant time: HMAC-SHA256 (hex, with or
// without a "sha256=" prefix, as GitHub and most senders do) or a bearer token.
import { constantTimeEqual } from '../security/constant-time.ts';
import { verifyHmacSha256 } from '../security/hmac.ts';

export { hmacSha256Hex } from '../security/hmac.ts';

export function verifyHmac(body: Uint8Array, header: string | undefined, secret: string): boolean {
  if (!header) return false;
  const given = header
    .trim()
    .replace(/^sha256=/i, '')
    .toLowerCase();
  return verifyHmacSha256(body, given, secret);
}

export function verifyBearer(header: string | undefined, token: string): boolean {
  const match = header ? /^Bearer\s+(.+)$/i.exec(header.trim()) : null;
  if (!match) return false;
  return constantTimeEqual(match[1]!, token);
}
