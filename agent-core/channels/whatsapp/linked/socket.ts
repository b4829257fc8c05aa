// The part of a WhatsApp Web socket (Baileys) the linked-device channel uses. Tests inject a fake with this
// shape; production builds one from Baileys (baileys-socket.ts), loaded only when the linked device is on.
import type { Logger } from '../../../log/logger.ts';

export interface LinkedMessageKey {
  id?: string | null;
  remoteJid?: string | null;
  /** The phone-number JID when remoteJid is a LID (WhatsApp's newer privacy addressing). */
  remoteJidAlt?: string | null;
  fromMe?: boolean | null;
  participant?: string | null;
}

export interface LinkedMessage {
  key: LinkedMessageKey;
  pushName?: string | null;
  messageTimestamp?: number | bigint | { toNumber(): number } | null;
  // The protobuf message: conversation, extendedTextMessage, imageMessage, …
  message?: Record<string, unknown> | null;
}

export interface ConnectionUpdate {
  connection?: 'open' | 'connecting' | 'close';
  qr?: string;
  /** Baileys' Boom error: output.statusCode is a DisconnectReason. */
  lastDisconnect?: { error?: unknown };
}

export interface LinkedSocket {
  onConnection(listener: (update: ConnectionUpdate) => void): void;
  onMessages(listener: (upsert: { messages: LinkedMessage[]; type: string }) => void): void;
  /** Any frame from WhatsApp's server: the watchdog's sign of life. */
  onFrame(listener: () => void): void;
  /** The device is paired (credentials exist): no QR or pairing code is needed. */
  readonly registered: boolean;
  /** The linked account's JID once open (phone-number form), and its LID form when known. */
  readonly userId: string | undefined;
  readonly userLid?: string | undefined;
  requestPairingCode(phone: string): Promise<string>;
  sendText(jid: string, text: string): Promise<string | undefined>;
  markRead(keys: LinkedMessageKey[]): Promise<void>;
  typing(jid: string): Promise<void>;
  /** Closes the connection (the close event follows). */
  end(reason?: Error): void;
}

export type SocketFactory = (input: { authDir: string; log: Logger }) => Promise<LinkedSocket>;

/**
 * Fetches and decrypts a file of a received message from WhatsApp's media servers (no socket needed: the
 * media key stored with the message is enough). `source` is what messages.ts stored.
 */
export type MediaDownloader = (
  source: Record<string, string | number | boolean>,
  options: { signal?: AbortSignal },
) => Promise<AsyncIterable<Uint8Array>>;

/** Baileys' DisconnectReason codes MONO acts on. */
export const DISCONNECT = {
  loggedOut: 401,
  forbidden: 403,
  connectionLost: 408,
  connectionClosed: 428,
  connectionReplaced: 440,
  badSession: 500,
  restartRequired: 515,
} as const;

export function disconnectCode(error: unknown): number | undefined {
  const output = (error as { output?: { statusCode?: unknown } } | undefined)?.output;
  return typeof output?.statusCode === 'number' ? output.statusCode : undefined;
}
