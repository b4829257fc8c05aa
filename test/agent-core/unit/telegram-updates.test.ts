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

test('media is acknowledged as unreadable; groups, bots and edits are skipped; garbage is invalid', () => {
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
