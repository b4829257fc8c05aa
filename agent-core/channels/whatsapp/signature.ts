// Meta's webhook signature: X-Hub-Signature-256 = "sha256=" + hex HMAC-SHA256 of the RAW body with the app
// secret. It must be computed over the bytes as received: re-serialised JSON differs (escaped emoji, spacing).
import { hmacSha256Hex, verifyHmacSha256 } from '../../security/hmac.ts';

export function signBody(body: Uint8Array | string, appSecret: string): string {
  return `sha256=${hmacSha256Hex(body, appSecret)}`;
}

export function verifySignature(
  body: Uint8Array | string,
  header: string | undefined,
  appSecret: string,
): boolean {
  if (!header || !/^sha256=[0-9a-fA-F]{64}$/.test(header.trim())) return false;
  return verifyHmacSha256(body, header.trim().slice('sha256='.length), appSecret);
}
