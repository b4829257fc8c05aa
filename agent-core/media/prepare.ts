// Gets a message's files ready for its turn: fetched through the channel's own API (after the message was
// stored and acknowledged, never on the webhook's path), checked by what they are, kept in the data
// directory, voice transcribed, and the outcome written to the message row. A crash part-way leaves the
// attachments `pending`; the resumed turn fetches them again, and the one reply per message stays one.
import type { RecordId, Surreal } from 'surrealdb';
import { recordSttUsage } from '../budget/usage.ts';
import { type Channel, MediaFetchError } from '../channels/channel.ts';
import type { Logger } from '../log/logger.ts';
import { errorMessage } from '../util/error-message.ts';
import { sleep } from '../util/sleep.ts';
import type { Attachment } from './attachments.ts';
import { EXTENSIONS, type Incoming, type MediaFiles, mediaFileName, TooLargeError } from './files.ts';
import { judge, judgeDeclared, LIMITS, maxBytesFor, type RefusalReason } from './limits.ts';
import { saveAttachments, savePreview } from './media-store.ts';
import { refusalText } from './refusals.ts';
import { oggDurationSeconds, pdfPageCount, sniff } from './sniff.ts';
import { type SttConfig, SttError, transcribe } from './stt.ts';

/** Images up to this size get a copy in the datastore for the desktop (phone photos are well below). */
const PREVIEW_MAX_BYTES = 1536 * 1024;
const FETCH_RETRY_DELAYS_MS = [1000, 4000];

export interface MediaDeps {
  db: Surreal;
  files: MediaFiles;
  log: Logger;
  stt?: SttConfig;
  /** Bytes a received file may take on disk (the disk guard's spare room); absent: no limit but the kind's. */
  spareBytes?: () => number;
  /** Told what each transcription cost, so it counts against the budget's caps at once (the spend ledger). */
  spent?: (usd: number) => void;
  /** The STT request (tests pass none: the real fetch talks to the local fake). */
  fetch?: typeof fetch;
}

export interface PreparedMedia {
  attachments: Attachment[];
  /** What to tell the sender instead of answering: nothing in the message reached Claude. */
  refusal?: string;
}

export class MediaPreparer {
  constructor(private readonly deps: MediaDeps) {}

  get canTranscribe(): boolean {
    return this.deps.stt !== undefined;
  }

  /** Fetches and checks every pending file of the message; files done before (a resumed turn) are kept. */
  async prepare(
    message: { id: RecordId; text: string; attachments?: Attachment[] },
    channel: Channel,
    signal?: AbortSignal,
  ): Promise<PreparedMedia> {
    const before = message.attachments ?? [];
    if (before.length === 0) return { attachments: [] };
    const attachments: Attachment[] = [];
    for (const [index, attachment] of before.entries()) {
      if (attachment.status !== 'pending') {
        attachments.push(attachment);
        continue;
      }
      const done = await this.#one(message.id, index, attachment, channel, signal);
      if (signal?.aborted) return { attachments: before }; // shutting down: the turn resumes at the next start
      attachments.push(done);
    }
    if (attachments.some((a, i) => a !== before[i]))
      await saveAttachments(this.deps.db, message.id, attachments);
    const reasons = [
      ...new Set(attachments.flatMap((a) => (a.reason && a.status !== 'ready' ? [a.reason] : []))),
    ];
    const usable = attachments.some((a) => a.status === 'ready') || message.text.trim() !== '';
    return { attachments, ...(!usable && reasons.length > 0 ? { refusal: refusalText(reasons) } : {}) };
  }

  async #one(
    message: RecordId,
    index: number,
    attachment: Attachment,
    channel: Channel,
    signal?: AbortSignal,
  ): Promise<Attachment> {
    const refuse = (reason: RefusalReason, status: Attachment['status'] = 'refused'): Attachment => ({
      ...attachment,
      status,
      reason,
    });
    const declared = judgeDeclared(attachment.kind, attachment.size);
    if (declared) return refuse(declared);
    const audio = attachment.kind === 'voice' || attachment.kind === 'audio';
    if (audio && !this.deps.stt) return refuse('no_stt');
    if (!channel.fetchMedia) return refuse('download_failed', 'failed');
    // A file never takes the room kept for finishing what was acknowledged: past what is spare it is not kept.
    const kindLimit = maxBytesFor(attachment.kind);
    const spare = this.deps.spareBytes?.() ?? kindLimit;
    if (spare <= 0 || (attachment.size ?? 0) > spare) return this.#noRoom(message, refuse, spare);
    const maxBytes = Math.min(kindLimit, spare);

    let incoming: Incoming | undefined;
    try {
      incoming = await this.#fetch(attachment, channel, maxBytes, signal);
    } catch (error) {
      if (error instanceof TooLargeError || (error instanceof MediaFetchError && error.tooLarge)) {
        return maxBytes < kindLimit ? this.#noRoom(message, refuse, spare) : refuse('too_large');
      }
      if (signal?.aborted) return attachment;
      this.deps.log.warn({ message: message.toString(), reason: errorMessage(error) }, 'file fetch failed');
      return refuse('download_failed', 'failed');
    }
    try {
      const sniffed = sniff(incoming.head);
      const verdict = judge(
        attachment.kind,
        sniffed,
        incoming.bytes,
        incoming.head,
        attachment.declared_mime,
      );
      if (!verdict.ok) {
        this.deps.log.info(
          { message: message.toString(), kind: attachment.kind, found: sniffed.mime, reason: verdict.reason },
          'file refused',
        );
        return refuse(verdict.reason);
      }
      const found: Attachment = {
        ...attachment,
        mime: verdict.mime,
        bytes: incoming.bytes,
        ...(verdict.width ? { width: verdict.width, height: verdict.height } : {}),
      };
      if (verdict.as === 'pdf') {
        const pages = pdfPageCount(
          (await this.deps.files.tail(incoming.path, incoming.bytes)) ?? incoming.head,
        );
        if (pages !== undefined && pages > LIMITS.pdfPages) return refuse('too_many_pages');
        if (pages !== undefined) found.pages = pages;
      }
      if (verdict.as === 'audio') {
        const heard = await this.#transcribe(message, index, found, incoming, signal);
        incoming = undefined;
        return heard;
      }
      const name = await this.deps.files.keep(
        incoming,
        mediaFileName(String(message.id), index, EXTENSIONS[verdict.mime] ?? 'bin'),
      );
      incoming = undefined;
      const preview = verdict.as === 'image' && found.bytes! <= PREVIEW_MAX_BYTES;
      if (preview) {
        const data = await this.deps.files.read(name);
        if (data)
          await savePreview(this.deps.db, message, index, {
            mime: verdict.mime,
            data: data.toString('base64'),
          });
      }
      return { ...found, status: 'ready', file: name, ...(preview ? { preview: true } : {}) };
    } finally {
      if (incoming) await this.deps.files.discard(incoming);
    }
  }

  #noRoom(
    message: RecordId,
    refuse: (reason: RefusalReason, status: Attachment['status']) => Attachment,
    spare: number,
  ): Attachment {
    this.deps.log.warn(
      { message: message.toString(), spare_bytes: spare },
      'a received file was not kept: the disk has no room for it above the reserve',
    );
    return refuse('no_disk_room', 'failed');
  }

  /** The channel's download, tried again after a network failure (a file the channel no longer has is not). */
  async #fetch(
    attachment: Attachment,
    channel: Channel,
    maxBytes: number,
    signal?: AbortSignal,
  ): Promise<Incoming> {
    for (let attempt = 0; ; attempt++) {
      try {
        const fetched = await channel.fetchMedia!(attachment.source, {
          maxBytes,
          ...(signal ? { signal } : {}),
        });
        if (fetched.size !== undefined && fetched.size > maxBytes) throw new TooLargeError(maxBytes);
        return await this.deps.files.receive(fetched.body, maxBytes, signal);
      } catch (error) {
        const final =
          error instanceof TooLargeError ||
          (error instanceof MediaFetchError && (error.expired || error.tooLarge)) ||
          signal?.aborted;
        const delay = FETCH_RETRY_DELAYS_MS[attempt];
        if (final || delay === undefined) throw error;
        await sleep(delay, signal);
      }
    }
  }

  /** Voice and audio: what Claude reads is the transcript; the recording is kept like any other file. */
  async #transcribe(
    message: RecordId,
    index: number,
    found: Attachment,
    incoming: Incoming,
    signal?: AbortSignal,
  ): Promise<Attachment> {
    const stt = this.deps.stt!;
    const bytes = await this.deps.files.tail(incoming.path, incoming.bytes);
    const extension = EXTENSIONS[found.mime!] ?? 'ogg';
    let text: string;
    let reported: number | undefined;
    try {
      const transcript = await transcribe(
        stt,
        { bytes, mime: found.mime!, extension },
        { ...(signal ? { signal } : {}), ...(this.deps.fetch ? { fetch: this.deps.fetch } : {}) },
      );
      text = transcript.text;
      reported = transcript.duration_s;
    } catch (error) {
      await this.deps.files.discard(incoming);
      if (signal?.aborted) return found; // shutting down: prepare() keeps the attachment pending
      const reason = error instanceof SttError ? error.message : String(error);
      this.deps.log.warn({ message: message.toString(), reason }, 'speech to text failed');
      return { ...found, status: 'failed', reason: 'stt_failed' };
    }
    const seconds =
      found.duration_s ??
      (found.mime === 'audio/ogg' ? oggDurationSeconds(bytes) : undefined) ??
      reported ??
      // Unknown length: a voice codec's typical 32 kbit/s.
      (incoming.bytes * 8) / 32_000;
    const cost = await recordSttUsage(this.deps.db, stt, seconds);
    this.deps.spent?.(cost);
    const name = await this.deps.files.keep(incoming, mediaFileName(String(message.id), index, extension));
    return {
      ...found,
      status: 'ready',
      file: name,
      duration_s: Math.round(seconds * 10) / 10,
      transcript: text,
    };
  }
}
