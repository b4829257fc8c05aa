// The pure parts of the WhatsApp Cloud API channel: signatures over raw bytes, payload parsing, configuration.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadWhatsAppCloud, parseWhatsAppAllowlist } from '../../../agent-core/channels/whatsapp/config.ts';
import { markdownToWhatsApp } from '../../../agent-core/channels/whatsapp/format.ts';
import { signBody, verifySignature } from '../../../agent-core/channels/whatsapp/signature.ts';
import { parseWebhook } from '../../../agent-core/channels/whatsapp/webhook.ts';
import { FAKE_WHATSAPP_PHONE_ID as PHONE_ID } from '../../fakes/whatsapp-graph-server.ts';
import * as payloads from '../../fakes/whatsapp-payloads.ts';

describe('webhook signature', () => {
  const secret = 'app-secret';
  test('matches the HMAC of the exact bytes, including non-ASCII text and emoji', () => {
    // Meta escapes nothing: the raw UTF-8 bytes are signed. Re-serialising with \u escapes changes the bytes.
    const raw = Buffer.from('{"text":"Grüße aus Köln 👋🏽"}', 'utf8');
    const header = signBody(raw, secret);
    assert.equal(verifySignature(raw, header, secret), true);
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(raw.toString())).replace(/ü/g, '\\u00fc'));
    assert.equal(verifySignature(reserialised, header, secret), false);
  });
  test('refuses missing, malformed, wrong-secret and tampered signatures', () => {
    const raw = Buffer.from('{"a":1}');
    assert.equal(verifySignature(raw, undefined, secret), false);
    assert.equal(verifySignature(raw, 'sha1=abc', secret), false);
    assert.equal(verifySignature(raw, signBody(raw, 'other'), secret), false);
    assert.equal(verifySignature(Buffer.from('{"a":2}'), signBody(raw, secret), secret), false);
    assert.equal(
      verifySignature(raw, signBody(raw, secret).toUpperCase().replace('SHA256', 'sha256'), secret),
      true,
    );
  });
});

describe('webhook payloads', () => {
  test('a text becomes an InboundMessage with the sender profile name', () => {
    const payload = payloads.textMessage(PHONE_ID, {
      from: '4915112345678',
      text: 'Hallo 😀',
      name: 'Anna',
      id: 'wamid.1',
    });
    const parsed = parseWebhook(payload, PHONE_ID);
    assert.ok(parsed.ok);
    assert.equal(parsed.value.messages.length, 1);
    const [message] = parsed.value.messages;
    assert.equal(message!.channel, 'whatsapp');
    assert.equal(message!.chatId, '4915112345678');
    assert.equal(message!.userId, '4915112345678');
    assert.equal(message!.messageId, 'wamid.1');
    assert.equal(message!.name, 'Anna');
    assert.equal(message!.text, 'Hallo 😀');
    assert.equal(message!.readable, true);
  });
  test('images, documents and voice notes become attachments to fetch; locations stay descriptions', () => {
    const image = parseWebhook(
      payloads.mediaMessage(PHONE_ID, {
        from: '491511',
        type: 'image',
        id: 'w2',
        body: { id: '1234', mime_type: 'image/jpeg', caption: 'my cat' },
      }),
      PHONE_ID,
    );
    assert.ok(image.ok);
    const photo = image.value.messages[0]!;
    assert.deepEqual([photo.text, photo.readable], ['my cat', true]);
    assert.deepEqual(photo.attachments, [
      { kind: 'image', source: { media_id: '1234' }, declared_mime: 'image/jpeg' },
    ]);
    const voice = parseWebhook(
      payloads.mediaMessage(PHONE_ID, { from: '491511', type: 'audio', id: 'w3' }),
      PHONE_ID,
    );
    assert.ok(voice.ok);
    assert.equal(voice.value.messages[0]!.text, '');
    assert.equal(voice.value.messages[0]!.attachments?.[0]?.kind, 'voice');
    const document = parseWebhook(
      payloads.mediaMessage(PHONE_ID, {
        from: '491511',
        type: 'document',
        id: 'w6',
        body: { id: '99', filename: 'bill.pdf', mime_type: 'application/pdf' },
      }),
      PHONE_ID,
    );
    assert.ok(document.ok);
    assert.deepEqual(document.value.messages[0]!.attachments?.[0], {
      kind: 'document',
      source: { media_id: '99' },
      name: 'bill.pdf',
      declared_mime: 'application/pdf',
    });
    // A sticker is a still WebP image Claude can read; an animated one is refused like a video.
    const sticker = (animated: boolean) =>
      parseWebhook(
        payloads.mediaMessage(PHONE_ID, {
          from: '491511',
          type: 'sticker',
          id: animated ? 'w8' : 'w7',
          body: { id: '77', mime_type: 'image/webp', animated },
        }),
        PHONE_ID,
      );
    const still = sticker(false);
    assert.ok(still.ok);
    assert.deepEqual(still.value.messages[0]!.attachments, [
      { kind: 'sticker', source: { media_id: '77' }, declared_mime: 'image/webp' },
    ]);
    const animated = sticker(true);
    assert.ok(animated.ok);
    assert.equal(animated.value.messages[0]!.attachments?.[0]?.kind, 'video');
    // A media id that is not one (a path, a URL) is never fetched: the message stays a description.
    const forged = parseWebhook(
      payloads.mediaMessage(PHONE_ID, { from: '491511', type: 'image', id: 'w7', body: { id: '../../me' } }),
      PHONE_ID,
    );
    assert.ok(forged.ok);
    assert.equal(forged.value.messages[0]!.attachments, undefined);
    assert.equal(forged.value.messages[0]!.readable, false);
    const location = parseWebhook(
      payloads.mediaMessage(PHONE_ID, { from: '491511', type: 'location', id: 'w4' }),
      PHONE_ID,
    );
    assert.ok(location.ok);
    assert.match(location.value.messages[0]!.text, /^\[location\] Alexanderplatz, Berlin 52\.52,13\.405$/);
    const reaction = parseWebhook(
      payloads.mediaMessage(PHONE_ID, {
        from: '491511',
        type: 'reaction',
        id: 'w5',
        body: { message_id: 'x', emoji: '👍' },
      }),
      PHONE_ID,
    );
    assert.ok(reaction.ok);
    assert.equal(reaction.value.messages.length, 0);
  });
  test('failed statuses carry the error code; other numbers and non-WhatsApp bodies are not ours', () => {
    const failed = parseWebhook(
      payloads.failedStatus(PHONE_ID, { id: 'wamid.9', recipient: '4915', code: 131047 }),
      PHONE_ID,
    );
    assert.ok(failed.ok);
    assert.equal(failed.value.statuses[0]!.status, 'failed');
    assert.equal(failed.value.statuses[0]!.errors[0]!.code, 131047);
    const other = parseWebhook(
      payloads.textMessage('999999', { from: '4915', text: 'x', id: 'w' }),
      PHONE_ID,
    );
    assert.ok(other.ok);
    assert.equal(other.value.messages.length, 0);
    assert.equal(parseWebhook({ object: 'page', entry: [] }, PHONE_ID).ok, false);
    assert.equal(parseWebhook('nope', PHONE_ID).ok, false);
  });
});

describe('configuration and formatting', () => {
  test('all four Cloud API settings are needed, each problem named', () => {
    const problems: string[] = [];
    const env: Record<string, string> = { WHATSAPP_TOKEN: 'x' };
    assert.equal(
      loadWhatsAppCloud((n) => env[n], problems),
      undefined,
    );
    assert.match(problems[0]!, /WHATSAPP_PHONE_NUMBER_ID, WHATSAPP_APP_SECRET, WHATSAPP_VERIFY_TOKEN/);
    const full: Record<string, string> = {
      WHATSAPP_TOKEN: 'tok',
      WHATSAPP_PHONE_NUMBER_ID: '123456',
      WHATSAPP_APP_SECRET: 's',
      WHATSAPP_VERIFY_TOKEN: 'v',
      MONO_ALLOW_WHATSAPP: '+49 151 1234567, 4915199',
    };
    const ok: string[] = [];
    const config = loadWhatsAppCloud((n) => full[n], ok);
    assert.deepEqual(ok, []);
    assert.equal(config!.graphUrl, 'https://graph.facebook.com/v23.0');
    assert.equal(String(config!.token), '[redacted]');
    assert.deepEqual(config!.allow, { everyone: false, ids: new Set(['491511234567', '4915199']) });
    const custom = loadWhatsAppCloud((n) => ({ ...full, WHATSAPP_GRAPH_URL: 'http://127.0.0.1:9/' })[n], ok);
    assert.equal(custom!.graphUrl, 'http://127.0.0.1:9/v23.0');
    assert.equal(parseWhatsAppAllowlist('abc'), undefined);
  });
  test('Markdown becomes WhatsApp markup', () => {
    assert.equal(
      markdownToWhatsApp('## Plan\n**bold** and ~~gone~~, [site](https://x.org)\n- one'),
      '*Plan*\n*bold* and ~gone~, site (https://x.org)\n• one',
    );
    assert.equal(markdownToWhatsApp('```ts\nconst a = 1;\n```'), '```const a = 1;\n```');
  });
});
