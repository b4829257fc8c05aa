// The history as Claude gets it: files as image/document blocks with the type found in the file, voice as its
// transcript, only the newest files in full (older ones described, so prompts stay bounded), and the flag that
// says the prompt carries content no one in the conversation wrote.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildMessages, withPrepared } from '../../../agent-core/agent/history-content.ts';
import type { Attachment } from '../../../agent-core/media/attachments.ts';
import type { HistoryTurn } from '../../../agent-core/store/messages.ts';
import { receiptJpeg, samplePdf } from '../../helpers/media-samples.ts';

const stored = new Map<string, Buffer>();
const files = { read: async (name: string) => stored.get(name) };
let n = 0;
const at = () => new Date(Date.UTC(2026, 0, 1, 0, 0, n++));

function photo(name: string): Attachment {
  stored.set(name, receiptJpeg());
  return {
    kind: 'image',
    source: {},
    status: 'ready',
    mime: 'image/jpeg',
    file: name,
    bytes: receiptJpeg().length,
  };
}
const user = (text: string, attachments?: Attachment[]): HistoryTurn => ({
  role: 'user',
  text,
  created_at: at(),
  ...(attachments ? { attachments } : {}),
});
const assistant = (text: string): HistoryTurn => ({ role: 'assistant', text, created_at: at() });

test('a text-only history is the same plain messages as before, and not untrusted', async () => {
  const built = await buildMessages([user('hi'), assistant('hello'), user('how are you?')], { files });
  assert.deepEqual(built.messages, [
    { role: 'user', content: 'hi' },
    { role: 'assistant', content: 'hello' },
    { role: 'user', content: 'how are you?' },
  ]);
  assert.equal(built.untrusted, false);
});

test('a photo with its caption: the image block first, with the media type of the bytes', async () => {
  const built = await buildMessages([user('total?', [photo('a-0.jpg')])], { files });
  const [message] = built.messages;
  assert.ok(Array.isArray(message?.content));
  const [image, caption] = message.content as {
    type: string;
    source?: { media_type: string; data: string };
    text?: string;
  }[];
  assert.equal(image?.type, 'image');
  assert.equal(image?.source?.media_type, 'image/jpeg');
  assert.deepEqual(Buffer.from(image!.source!.data, 'base64'), receiptJpeg());
  assert.deepEqual(caption, { type: 'text', text: 'total?' });
  assert.equal(built.untrusted, true);
});

test('PDFs and text files are documents with their names; voice is its transcript', async () => {
  stored.set('d-0.pdf', samplePdf());
  stored.set('t-0.txt', Buffer.from('milk, eggs'));
  const pdf: Attachment = {
    kind: 'document',
    source: {},
    status: 'ready',
    mime: 'application/pdf',
    file: 'd-0.pdf',
    name: 'bill.pdf',
    bytes: 900,
  };
  const txt: Attachment = {
    kind: 'document',
    source: {},
    status: 'ready',
    mime: 'text/plain',
    file: 't-0.txt',
    name: 'list.txt',
    bytes: 10,
  };
  const voice: Attachment = {
    kind: 'voice',
    source: {},
    status: 'ready',
    mime: 'audio/ogg',
    file: 'v-0.ogg',
    transcript: 'call Bob',
  };
  const built = await buildMessages(
    [user('', [pdf]), assistant('ok'), user('', [txt]), assistant('ok'), user('', [voice])],
    { files },
  );
  const blocks = built.messages.flatMap((m): unknown[] =>
    Array.isArray(m.content) ? m.content : [{ type: 'text', text: m.content }],
  ) as Record<string, unknown>[];
  assert.deepEqual(blocks[0], {
    type: 'document',
    source: { type: 'base64', media_type: 'application/pdf', data: samplePdf().toString('base64') },
    title: 'bill.pdf',
  });
  assert.deepEqual(blocks[2], {
    type: 'document',
    source: { type: 'text', media_type: 'text/plain', data: 'milk, eggs' },
    title: 'list.txt',
  });
  assert.deepEqual(blocks.at(-1), { type: 'text', text: '[voice note, transcribed]: call Bob' });
  assert.equal(built.untrusted, true);
});

test('only the newest files go in full; older ones become one line, so the prompt stays bounded', async () => {
  const turns: HistoryTurn[] = [];
  for (let i = 0; i < 8; i++) turns.push(user(`photo ${i}`, [photo(`h${i}-0.jpg`)]), assistant(`seen ${i}`));
  turns.push(user('and this one?', [photo('h8-0.jpg')]));
  const built = await buildMessages(turns, { files, maxFiles: 3 });
  assert.equal(built.files, 3);
  const images = built.messages
    .flatMap((m) => (Array.isArray(m.content) ? m.content : []))
    .filter((b) => b.type === 'image');
  assert.equal(images.length, 3);
  assert.equal(built.messages[0]!.content, '[photo sent earlier; no longer attached]\n\nphoto 0');
  // The current (last) message always has its file.
  assert.equal((built.messages.at(-1)!.content as { type: string }[])[0]!.type, 'image');
  // And the byte budget bounds it too.
  const tight = await buildMessages(turns, { files, maxBase64Bytes: receiptJpeg().length * 2 });
  assert.equal(tight.files, 1);
});

test('refused, expired and missing files are described, never sent', async () => {
  const video: Attachment = { kind: 'video', source: {}, status: 'refused', reason: 'video' };
  const expired: Attachment = { kind: 'image', source: {}, status: 'expired', name: 'old.png' };
  const missing: Attachment = {
    kind: 'image',
    source: {},
    status: 'ready',
    mime: 'image/jpeg',
    file: 'gone-0.jpg',
    bytes: 10,
  };
  const built = await buildMessages([user('look', [video, expired, missing])], { files });
  assert.deepEqual(
    built.messages[0]!.content,
    [
      '[video: a video, which you cannot watch]',
      '[photo "old.png": deleted after the retention period]',
      '[photo: the file is no longer kept]',
      'look',
    ].join('\n\n'),
  );
  assert.equal(built.untrusted, false);
});

test("the turn's own message gets the files just prepared (its history was read before)", () => {
  const created = at();
  const turns: HistoryTurn[] = [
    user('earlier'),
    {
      role: 'user',
      text: '',
      created_at: created,
      attachments: [{ kind: 'image', source: {}, status: 'pending' }],
    },
  ];
  const ready = [photo('m1-0.jpg')];
  const prepared = withPrepared(turns, { created_at: new Date(created.getTime()) }, ready);
  assert.deepEqual(prepared[1]!.attachments, ready);
  assert.equal(prepared[0]!.attachments, undefined);
  assert.deepEqual(withPrepared(turns, { created_at: at() }, ready), turns);
});
