// The one HMAC-SHA256: the signature check for webhooks (WhatsApp's X-Hub-Signature-256, generic hooks), computed
// over the raw body bytes as received and compared in constant time, and the MAC other checks are built on.
import { createHmac } from 'node:crypto';
import { constantTimeEqual } from './constant-time.ts';

const HEX_SHA256 = /^[0-9a-f]{64}$/i;

export function hmacSha256(body: Uint8Array | string, secret: string): Buffer {
  return createHmac('sha256', secret).update(body).digest();
}

export function hmacSha256Hex(body: Uint8Array | string, secret: string): string {
  return hmacSha256(body, secret).toString('hex');
}

/** True when `signatureHex` (64 hex digits, any case, nothing else) is the HMAC-SHA256 of `body` under `secret`. */
export function verifyHmacSha256(body: Uint8Array | string, signatureHex: string, secret: string): boolean {
  if (!HEX_SHA256.test(signatureHex) || secret === '') return false;
  return constantTimeEqual(Buffer.from(signatureHex, 'hex'), Buffer.from(hmacSha256Hex(body, secret), 'hex'));
}
