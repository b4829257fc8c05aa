// The interface every chat channel (Telegram, WhatsApp, email, the desktop's chat) implements, and the shape of what it receives.
import type { UntrustedKind } from '../agent/untrusted.ts';
import type { ChannelName, ChannelState } from '../contract/tables.ts';
import type { InboundAttachment, MediaSource } from '../media/attachments.ts';

/** One message as a channel received it, before it is stored. */
export interface InboundMessage {
  channel: ChannelName;
  chatId: string;
  /** The channel's own message id; with chatId it identifies the message for deduplication. */
  messageId: string;
  userId: string;
  name: string;
  username?: string;
  /** The text, or a file's caption (possibly empty); for what the agent cannot read a description like "[location] …". */
  text: string;
  /** False for what the agent acknowledges but cannot answer with the model (locations, contact cards, polls). */
  readable: boolean;
  /** Files that came with the message (photos, documents, voice notes…): fetched after the message is stored. */
  attachments?: InboundAttachment[];
  /**
   * The text carries untrusted content (e.g. `['file']` for a document's text): every turn that sees this message
   * needs the owner's /yes for tools that change state or spend (agent/untrusted.ts).
   */
  untrusted?: UntrustedKind[];
  at: Date;
}

/** A file being fetched from a channel: its bytes as they arrive, and what the channel says about it. */
export interface FetchedMedia {
  body: AsyncIterable<Uint8Array>;
  /** The size the channel announced (checked against the limit before reading). */
  size?: number;
}

/**
 * Where a channel hands what it received. Resolves once the message is stored: only then may the channel
 * acknowledge it. Rejects with InboundRefusedError when the agent takes nothing new right now: the channel leaves
 * the message unacknowledged (the sender delivers it again later) and waits `retryAfterMs` before asking again.
 */
export type Receive = (message: InboundMessage) => Promise<void>;

/** New messages are not taken right now (the disk is nearly full, or memory short); nothing was stored. */
export class InboundRefusedError extends Error {
  constructor(
    readonly reason: 'disk' | 'memory',
    readonly retryAfterMs: number,
  ) {
    super(
      `New messages are refused for now: ${reason === 'disk' ? 'the disk is nearly full' : 'memory is short'}.`,
    );
    this.name = 'InboundRefusedError';
  }
}

export interface Channel {
  readonly name: ChannelName;
  /** The longest text one outgoing message may carry; longer replies are split. */
  readonly maxMessageLength: number;
  /** Replies are shown as they are written: the reply's row holds the text so far while Claude writes it. */
  readonly liveReplies?: boolean;
  start(receive: Receive): Promise<void>;
  /** Stops receiving (in-flight acknowledgements finish first). */
  stop(): Promise<void>;
  /** Sends one part of a reply; resolves to the channel's id for the sent message. */
  send(chatId: string, text: string): Promise<string>;
  /** Shows "typing…" (best effort). */
  typing(chatId: string): Promise<void>;
  state(): { state: ChannelState; detail?: string };
  /**
   * Fetches a file a message carried, through the channel's own API (`source` is what its parser stored).
   * Reads nothing larger than `maxBytes` when the channel announces the size first.
   */
  fetchMedia?(
    source: MediaSource,
    options: { maxBytes: number; signal?: AbortSignal },
  ): Promise<FetchedMedia>;
}

/** A file the channel could not fetch; `expired` when the channel no longer has it (retrying cannot help). */
export class MediaFetchError extends Error {
  constructor(
    message: string,
    readonly expired = false,
    readonly tooLarge = false,
  ) {
    super(message);
    this.name = 'MediaFetchError';
  }
}

/** What a channel knows about a failed send beyond "permanent". */
export interface SendFailure {
  /** No answer from the service at all (network down, DNS, timeout): wait for it to come back. */
  unreachable?: boolean;
  /** The service asked to wait this long before the next message (Telegram's 429 retry_after). */
  retryAfterMs?: number;
  /** The service asked to slow down without saying for how long (WhatsApp's rate-limit codes). */
  throttled?: boolean;
  /** Certain that the message did not go out (the service refused it, or no connection was ever made). */
  notSent?: boolean;
}

/** A send that failed; `permanent` when retrying cannot help (blocked by the user, chat gone). */
export class ChannelSendError extends Error {
  constructor(
    readonly channel: ChannelName,
    message: string,
    readonly permanent: boolean,
    readonly failure: SendFailure = {},
  ) {
    super(message);
    this.name = 'ChannelSendError';
  }
}
