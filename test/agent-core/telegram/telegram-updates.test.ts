// Parsing Telegram updates defensively: what is a message, what is skipped, what is refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitMessage } from '../../../agent-core/agent/split.ts';
import { markdownToTelegramHtml } from '../../../agent-core/channels/telegram/format.ts';
import { parseUpdate } from '../../../agent-core/channels/telegram/updates.ts';

const message = (extra: Record<string, unknown>) => ({
  update_id: 7,
  message: {
    message_id: 3,
    date: 1_700_000_000,
    chat: { id: 42, type: 'private' },
    from: { id: 42, is_bot: false, first_name: 'Ada', last_name: 'L', username: 'ada' },
    ...extra,
  },
});

test('a private text message becomes an inbound message', () => {
  const parsed = parseUpdate(message({ text: 'hi 👋' }));
  assert.equal(parsed.kind, 'message');
  if (parsed.kind !== 'message') return;
  assert.deepEqual(
    { ...parsed.message, at: parsed.message.at.toISOString() },
    {
      channel: 'telegram',
      chatId: '42',
      messageId: '3',
      userId: '42',
      name: 'Ada L',
      username: 'ada',
      text: 'hi 👋',
      readable: true,
      at: '2023-11-14T22:13:20.000Z',
    },
  );
});

test('files become attachments: the largest photo that fits, documents, voice; an animated sticker is its emoji', () => {
  const photo = parseUpdate(
    message({
      caption: 'look',
      photo: [
        { file_id: 'small', width: 90, height: 67, file_size: 1200 },
        { file_id: 'big', width: 1280, height: 960, file_size: 180_000 },
        { file_id: 'huge', width: 9000, height: 6750, file_size: 3_000_000 },
        { file_id: 'heavy', width: 2560, height: 1920, file_size: 4_500_000 },
      ],
    }),
  );
  assert.ok(photo.kind === 'message');
  assert.equal(photo.message.text, 'look');
  assert.equal(photo.message.readable, true);
  assert.deepEqual(photo.message.attachments, [{ kind: 'image', source: { file_id: 'big' }, size: 180_000 }]);
  const doc = parseUpdate(
    message({
      document: { file_id: 'd', file_name: 'bill.pdf', mime_type: 'application/pdf', file_size: 9 },
    }),
  );
  assert.ok(doc.kind === 'message');
  assert.deepEqual(doc.message.attachments, [
    {
      kind: 'document',
      source: { file_id: 'd' },
      name: 'bill.pdf',
      declared_mime: 'application/pdf',
      size: 9,
    },
  ]);
  assert.equal(doc.message.text, '');
  const voice = parseUpdate(message({ voice: { file_id: 'v', duration: 3, mime_type: 'audio/ogg' } }));
  assert.ok(voice.kind === 'message');
  assert.deepEqual(voice.message.attachments, [
    { kind: 'voice', source: { file_id: 'v' }, declared_mime: 'audio/ogg', duration_s: 3 },
  ]);
  const sticker = parseUpdate(message({ sticker: { file_id: 's', is_animated: true, emoji: '🎉' } }));
  assert.ok(sticker.kind === 'message');
  assert.equal(sticker.message.text, '[sticker] 🎉');
  assert.equal(sticker.message.attachments, undefined);
  assert.equal(sticker.message.readable, true);
});

test('locations are acknowledged as unreadable; groups, bots and edits are skipped; garbage is invalid', () => {
  const place = parseUpdate(message({ location: { latitude: 1, longitude: 2 } }));
  assert.ok(place.kind === 'message' && !place.message.readable && place.message.text === '[location]');
  const photo = parseUpdate(message({ photo: [{}], caption: 'look' }));
  assert.ok(photo.kind === 'message' && !photo.message.readable && photo.message.text === '[photo] look');
  assert.equal(
    parseUpdate({
      ...message({ text: 'x' }),
      message: { ...message({ text: 'x' }).message, chat: { id: -5, type: 'group' } },
    }).kind,
    'skip',
  );
  assert.equal(
    parseUpdate(message({ text: 'x', from: { id: 9, is_bot: true, first_name: 'B' } })).kind,
    'skip',
  );
  assert.equal(parseUpdate({ update_id: 1, edited_message: {} }).kind, 'skip');
  for (const bad of [
    null,
    5,
    'x',
    [],
    {},
    { update_id: '1' },
    { update_id: 1, message: 'x' },
    { update_id: 1, message: { chat: {} } },
  ]) {
    assert.equal(parseUpdate(bad).kind, 'invalid', JSON.stringify(bad));
  }
});

test('long replies split on paragraph, line and word boundaries within the limit', () => {
  const text = ['a'.repeat(30), 'b'.repeat(30), 'c'.repeat(30)].join('\n\n');
  assert.deepEqual(splitMessage(text, 70), [`${'a'.repeat(30)}\n\n${'b'.repeat(30)}`, 'c'.repeat(30)]);
  const words = 'word '.repeat(100).trim();
  const parts = splitMessage(words, 42);
  assert.ok(parts.every((part) => part.length <= 42 && !part.startsWith(' ') && !part.endsWith(' ')));
  assert.equal(parts.join(' '), words);
  assert.deepEqual(splitMessage('x'.repeat(25), 10), ['x'.repeat(10), 'x'.repeat(10), 'x'.repeat(5)]);
  assert.deepEqual(splitMessage('short', 10), ['short']);
});

test('markdown becomes Telegram HTML with everything else escaped', () => {
  assert.equal(
    markdownToTelegramHtml('**Bold** and *it* <b>x</b> & `a<b` [site](https://x.org/?a=1&b=2)'),
    '<b>Bold</b> and <i>it</i> &lt;b&gt;x&lt;/b&gt; &amp; <code>a&lt;b</code> <a href="https://x.org/?a=1&amp;b=2">site</a>',
  );
  assert.equal(markdownToTelegramHtml('```js\nif (a < b) {}\n```'), '<pre>if (a &lt; b) {}</pre>');
  assert.equal(markdownToTelegramHtml('# Title'), '<b>Title</b>');
});
