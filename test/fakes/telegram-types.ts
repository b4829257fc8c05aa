// Records and inputs of FakeTelegram: what tests read (calls, sent messages, webhook state) and pass in.
import type { Message, Update, UserFromGetMe } from 'grammy/types';
import type { Params } from './telegram-params.ts';

/** Every Bot API request the server received, in arrival order. */
export interface TelegramCall {
  method: string;
  params: Params;
  token: string;
  /** Epoch ms (sub-ms precision) when the request arrived. */
  time: number;
  /** HTTP status of the answer; undefined while the request is still open (a held long poll). */
  status?: number;
  /** The JSON body that was answered. */
  response?: unknown;
}

/** A message the bot successfully sent (what the user would see in the chat). */
export interface SentMessage {
  chat_id: number | string;
  text: string;
  parse_mode?: string;
  reply_to_message_id?: number;
  reply_parameters?: { message_id: number; [key: string]: unknown };
  reply_markup?: unknown;
  message_id: number;
  message: Message;
  token: string;
  time: number;
}

export interface WebhookState {
  url: string;
  secret_token?: string;
  max_connections: number;
  allowed_updates?: string[];
  ip_address?: string;
  last_error_date?: number;
  last_error_message?: string;
}

export interface SendTextInput {
  chatId: number;
  userId: number;
  text: string;
  firstName?: string;
  lastName?: string;
  username?: string;
  languageCode?: string;
}

export interface TelegramErrorBody {
  error_code: number;
  description: string;
  parameters?: { retry_after?: number; migrate_to_chat_id?: number };
}

/** What the Bot API methods (telegram-methods.ts) read and change of the fake's state; FakeTelegram has it. */
export interface BotState {
  readonly updates: Update[];
  webhook: WebhookState | undefined;
  allowedUpdates: string[] | undefined;
  rejectParseMode: boolean;
  /** Files users sent, as getFile answers for them (TelegramFiles). */
  readonly files: {
    getFile(
      fileId: unknown,
    ): { ok: true; result: unknown } | { ok: false; error_code: number; description: string };
  };
  readonly blockedChats: Set<number | string>;
  readonly messages: Map<string, Message>;
  readonly pendingUpdates: number;
  botFor(token: string): UserFromGetMe;
  nextMessageId(chatId: number | string): number;
  chatFor(chatId: number | string): Message['chat'];
  recordSent(entry: SentMessage): void;
  terminatePoll(description: string): void;
  dropPendingUpdates(): void;
}
