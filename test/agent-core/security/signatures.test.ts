// The one constant-time compare and the one HMAC check, against published HMAC-SHA256 vectors (RFC 4231) and
// node:crypto, never against their own output.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { constantTimeEqual } from '../../../agent-core/security/constant-time.ts';
import { hmacSha256Hex, verifyHmacSha256 } from '../../../agent-core/security/hmac.ts';

// RFC 4231, test cases 2 and 4 (key and data as given there).
const RFC4231 = [
  {
    key: Buffer.from('Jefe'),
    data: Buffer.from('what do ya want for nothing?'),
    mac: '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
  },
  {
    key: Buffer.from('0102030405060708090a0b0c0d0e0f10111213141516171819', 'hex'),
    data: Buffer.alloc(50, 0xcd),
    mac: '82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b',
  },
];

test('HMAC-SHA256 matches the RFC 4231 vectors', () => {
  // Both keys are ASCII bytes, so the secret string (used as UTF-8, as senders configure it) is the same key.
  for (const { key, data, mac } of RFC4231) {
    assert.equal(hmacSha256Hex(data, key.toString('ascii')), mac);
    assert.equal(verifyHmacSha256(data, mac, key.toString('ascii')), true);
  }
  assert.equal(
    verifyHmacSha256(RFC4231[0]!.data, RFC4231[0]!.mac.toUpperCase(), 'Jefe'),
    true,
    'hex in any case',
  );
});

test('a signature is refused when one byte of the body, the secret or the MAC differs, or it is not 64 hex', () => {
  const body = Buffer.from('{"event":"paid","amount":100}');
  const secret = 'whsec-test-secret';
  const mac = createHmac('sha256', secret).update(body).digest('hex');
  assert.equal(verifyHmacSha256(body, mac, secret), true);
  assert.equal(verifyHmacSha256(Buffer.from('{"event":"paid","amount":101}'), mac, secret), false);
  assert.equal(verifyHmacSha256(body, mac, `${secret}x`), false);
  const flipped = `${mac.slice(0, 63)}${mac[63] === '0' ? '1' : '0'}`;
  assert.equal(verifyHmacSha256(body, flipped, secret), false);
  for (const bad of ['', mac.slice(0, 62), `${mac}00`, `sha256=${mac}`, `${mac.slice(0, 63)}g`, ` ${mac}`]) {
    assert.equal(verifyHmacSha256(body, bad, secret), false, JSON.stringify(bad));
  }
  assert.equal(
    verifyHmacSha256(body, createHmac('sha256', '').update(body).digest('hex'), ''),
    false,
    'no empty secret',
  );
});

test('constant-time equality: same bytes only, any lengths, never an empty or missing secret', () => {
  assert.equal(constantTimeEqual('tøken', 'tøken'), true);
  assert.equal(constantTimeEqual(Buffer.from('tøken'), Buffer.from('tøken', 'utf8')), true);
  assert.equal(constantTimeEqual('tøken', Buffer.from('tøken')), true, 'a string is compared as UTF-8');
  assert.equal(constantTimeEqual('token', 'tokem'), false);
  assert.equal(constantTimeEqual('token', 'token2'), false);
  assert.equal(constantTimeEqual('', 'token'), false);
  assert.equal(constantTimeEqual(undefined, 'token'), false);
  assert.equal(constantTimeEqual('', ''), false, 'an empty configured secret lets no one in');
  assert.equal(constantTimeEqual('x'.repeat(100_000), 'x'), false);
});
