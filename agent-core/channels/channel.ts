// The interface every chat channel (Telegram, WhatsApp, email) implements, and the shape of what it receives.
import type { UntrustedKind } from '../agent/untrusted.ts';
import type { ChannelName, ChannelState } from '../contract/tables.ts';

/** One message as a channel received it, before it is stored. */
export interface InboundMessage {
  channel: ChannelName;
  chatId: string;
  /** The channel's own message id; with chatId it identifies the message for deduplication. */
  messageId: string;
  userId: string;
  name: string;
  username?: string;
  /** The text; for messages the agent cannot read (photos, voice…) a short description like "[photo]". */
  text: string;
  /** False for media and other messages the agent acknowledges but cannot answer with the model. */
  readable: boolean;
  /**
   * The text carries untrusted content (e.g. `['file']` for a document's text): every turn that sees this message
   * needs the owner's /yes for tools that change state or spend (agent/untrusted.ts).
   */
  untrusted?: UntrustedKind[];
  at: Date;
}

/** Where a channel hands what it received. Resolves once the message is stored: only then may the channel acknowledge it. */
export type Receive = (message: InboundMessage) => Promise<void>;

export interface Channel {
  readonly name: ChannelName;
  /** The longest text one outgoing message may carry; longer replies are split. */
  readonly maxMessageLength: number;
  start(receive: Receive): Promise<void>;
  /** Stops receiving (in-flight acknowledgements finish first). */
  stop(): Promise<void>;
  /** Sends one part of a reply; resolves to the channel's id for the sent message. */
  send(chatId: string, text: string): Promise<string>;
  /** Shows "typing…" (best effort). */
  typing(chatId: string): Promise<void>;
  state(): { state: ChannelState; detail?: string };
}

/** A send that failed; `permanent` when retrying cannot help (blocked by the user, chat gone). */
export class ChannelSendError extends Error {
  constructor(
    readonly channel: ChannelName,
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = 'ChannelSendError';
  }
}
