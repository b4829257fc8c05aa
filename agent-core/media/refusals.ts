// What MONO tells a sender whose file it did not pass on, one sentence per reason, saying what would work
// instead; and the shorter note Claude reads about such a file when the message had more in it.
import type { RefusalReason } from './limits.ts';

const SENTENCES: Record<RefusalReason, string> = {
  video: "I can't watch videos yet — could you tell me in words what it shows, or send a photo?",
  too_large:
    'That file is too big for me to read (photos up to 3.75 MB, PDFs up to 20 MB, voice notes up to 25 MB) — could you send a smaller one?',
  not_readable:
    "I can't read that kind of file — I read photos, PDFs and plain-text files. Could you send it as a PDF?",
  not_what_it_says:
    "That file isn't what its name or type says (it is not a real image or PDF), so I didn't open it.",
  image_format: "I can't read this image format — could you send it as a normal photo (JPEG or PNG)?",
  too_many_pages:
    'That PDF has more than 100 pages, more than I can read at once — could you send the part that matters?',
  image_too_big: 'That image is more than 8000 pixels on a side — could you send a smaller version?',
  no_stt: "I can't listen to voice notes yet — could you type your message?",
  stt_failed: "I couldn't make out your voice note just now — could you try again, or type it?",
  download_failed: "I couldn't fetch your file — could you send it again?",
  no_disk_room:
    "My server is short of disk space right now, so I couldn't keep your file — could you send it again later?",
};

/** The answer to a message none of whose files could be passed on (one sentence per distinct reason). */
export function refusalText(reasons: readonly string[]): string {
  const known = reasons.filter((reason): reason is RefusalReason => reason in SENTENCES);
  return known.length > 0 ? known.map((reason) => SENTENCES[reason]).join('\n') : SENTENCES.not_readable;
}

/** For Claude, when the message had other content: why this file is not in front of it. */
export function refusalNote(reason: string | undefined): string {
  if (reason === 'video') return 'a video, which you cannot watch';
  if (reason === 'no_stt') return 'a voice note; speech to text is not set up, so you cannot hear it';
  if (reason === 'too_large') return 'too large to pass on';
  if (reason === 'download_failed') return 'could not be fetched';
  if (reason === 'no_disk_room') return 'could not be kept: the server is short of disk space';
  return 'not a kind of file you can read';
}
