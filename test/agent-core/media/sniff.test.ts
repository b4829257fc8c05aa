// A file is judged by its bytes: real headers of each format, files that lie about their type, and the limits
// Claude sets (image size and pixels, PDF pages, what a voice note must be).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { judge, judgeDeclared, LIMITS } from '../../../agent-core/media/limits.ts';
import {
  imageSize,
  isText,
  oggDurationSeconds,
  pdfPageCount,
  sniff,
} from '../../../agent-core/media/sniff.ts';
import { oggOpus, receiptJpeg, samplePdf, samplePng } from '../../helpers/media-samples.ts';

test('real images are recognised with their size, whatever they are called', () => {
  assert.deepEqual(sniff(receiptJpeg()), { kind: 'image', mime: 'image/jpeg' });
  assert.deepEqual(imageSize(receiptJpeg()), { width: 320, height: 240 });
  assert.deepEqual(sniff(samplePng(7, 5)), { kind: 'image', mime: 'image/png' });
  assert.deepEqual(imageSize(samplePng(7, 5)), { width: 7, height: 5 });
  const gif = Buffer.from('GIF89a\x0a\x00\x14\x00\x00\x00\x00', 'latin1');
  assert.deepEqual(imageSize(gif), { width: 10, height: 20 });
  const webp = Buffer.alloc(30);
  webp.write('RIFF', 0, 'latin1');
  webp.write('WEBPVP8X', 8, 'latin1');
  webp.writeUIntLE(99, 24, 3);
  webp.writeUIntLE(49, 27, 3);
  assert.deepEqual(sniff(webp), { kind: 'image', mime: 'image/webp' });
  assert.deepEqual(imageSize(webp), { width: 100, height: 50 });
});

test('PDFs, plain text, audio and the formats Claude cannot read', () => {
  assert.equal(sniff(samplePdf()).kind, 'pdf');
  assert.equal(pdfPageCount(samplePdf({ pages: 3 })), 3);
  assert.equal(sniff(Buffer.from('Grüße aus Köln\nZeile zwei\n')).kind, 'text');
  // A multi-byte character cut by the end of the head is still text.
  assert.equal(isText(Buffer.from('ab€').subarray(0, 4)), true);
  assert.equal(isText(Buffer.from([0x61, 0x00, 0x62])), false);
  assert.equal(isText(Buffer.from([0xc3, 0x28, 0x41, 0x42])), false, 'invalid UTF-8');
  assert.deepEqual(sniff(oggOpus(2)), { kind: 'audio', mime: 'audio/ogg', extension: 'ogg' });
  assert.equal(sniff(Buffer.from('ID3\x04\x00', 'latin1')).kind, 'audio');
  assert.equal(sniff(Buffer.from('\x00\x00\x00\x20ftypM4A \x00\x00', 'latin1')).kind, 'audio');
  assert.equal(sniff(Buffer.from('\x00\x00\x00\x20ftypisom\x00\x00', 'latin1')).kind, 'video');
  assert.equal(sniff(Buffer.from('\x00\x00\x00\x20ftypheic\x00\x00', 'latin1')).kind, 'image-unsupported');
  assert.equal(sniff(Buffer.from('PK\x03\x04\x14\x00', 'latin1')).kind, 'office');
  assert.equal(
    sniff(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0])).kind,
    'unknown',
  );
});

test('an Ogg voice note says how long it is', () => {
  const seconds = oggDurationSeconds(oggOpus(7.5));
  assert.ok(seconds !== undefined && Math.abs(seconds - 7.5) < 0.05, `got ${seconds}`);
  assert.equal(oggDurationSeconds(Buffer.from('not ogg')), undefined);
});

test('a "photo" or image/* document that is not an image is refused, whatever its name', () => {
  const elf = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]);
  const text = Buffer.from('this is not a jpeg at all');
  assert.deepEqual(judge('image', sniff(elf), elf.length, elf), { ok: false, reason: 'not_what_it_says' });
  assert.deepEqual(judge('document', sniff(text), text.length, text, 'image/jpeg'), {
    ok: false,
    reason: 'not_what_it_says',
  });
  assert.deepEqual(judge('document', sniff(text), text.length, text, 'application/pdf'), {
    ok: false,
    reason: 'not_what_it_says',
  });
  // A voice note must be audio.
  assert.deepEqual(judge('voice', sniff(text), text.length, text), { ok: false, reason: 'not_what_it_says' });
  // The same text as a plain document is fine; an ELF binary is not.
  assert.equal(judge('document', sniff(text), text.length, text, 'text/plain').ok, true);
  assert.deepEqual(judge('document', sniff(elf), elf.length, elf), { ok: false, reason: 'not_readable' });
});

test("Claude's limits: image bytes and pixels, PDF and text size, videos never", () => {
  const jpeg = receiptJpeg();
  assert.deepEqual(judge('image', sniff(jpeg), jpeg.length, jpeg), {
    ok: true,
    mime: 'image/jpeg',
    as: 'image',
    width: 320,
    height: 240,
  });
  assert.deepEqual(judge('image', sniff(jpeg), 5 * 1024 * 1024, jpeg), { ok: false, reason: 'too_large' });
  const wide = samplePng(9000, 1);
  assert.deepEqual(judge('image', sniff(wide), wide.length, wide), { ok: false, reason: 'image_too_big' });
  const pdf = samplePdf();
  assert.equal(judge('document', sniff(pdf), pdf.length, pdf, 'application/pdf').ok, true);
  assert.deepEqual(judge('document', sniff(pdf), LIMITS.pdfBytes + 1, pdf), {
    ok: false,
    reason: 'too_large',
  });
  const text = Buffer.from('notes');
  assert.deepEqual(judge('document', sniff(text), LIMITS.textBytes + 1, text), {
    ok: false,
    reason: 'too_large',
  });
  assert.equal(judgeDeclared('video', 1000), 'video');
  assert.equal(judgeDeclared('document', 30 * 1024 * 1024), 'too_large');
  assert.equal(judgeDeclared('voice', 1000), undefined);
  const mp4 = Buffer.from('\x00\x00\x00\x20ftypisom\x00\x00', 'latin1');
  assert.deepEqual(judge('document', sniff(mp4), mp4.length, mp4), { ok: false, reason: 'video' });
});
