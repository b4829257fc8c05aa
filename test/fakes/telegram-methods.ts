// The Bot API methods BotState implements, as plain functions over its state: each returns the
// result or the error Telegram would answer (descriptions copied from the real API's wording).
import type { Message } from 'grammy/types';
import { entityError, visibleLength } from './telegram-format.ts';
import type { Params } from './telegram-params.ts';
import type { BotState, TelegramCall, TelegramErrorBody } from './telegram-types.ts';

export type MethodResult =
  | { kind: 'ok'; result: unknown; description?: string }
  | { kind: 'error'; error: TelegramErrorBody }
  | { kind: 'poll'; limit: number; timeout: number };

type Handler = (fake: BotState, params: Params, token: string, call: TelegramCall) => MethodResult;

const MESSAGE_LIMIT = 4096;
const PARSE_MODES = new Set(['HTML', 'MarkdownV2', 'Markdown']);
const CHAT_ACTIONS = new Set([
  'typing',
  'upload_photo',
  'record_video',
  'upload_video',
  'record_voice',
  'upload_voice',
  'upload_document',
  'choose_sticker',
  'find_location',
  'record_video_note',
  'upload_video_note',
]);

const ok = (result: unknown, description?: string): MethodResult => ({ kind: 'ok', result, description });
const bad = (description: string, error_code = 400): MethodResult => ({
  kind: 'error',
  error: {
    error_code,
    description: `${error_code === 400 ? 'Bad Request' : error_code === 403 ? 'Forbidden' : 'Conflict'}: ${description}`,
  },
});

function chatIdOf(params: Params): number | string | undefined {
  const id = params.chat_id;
  if (typeof id === 'number') return id;
  if (typeof id === 'string' && id !== '') return /^-?\d+$/.test(id) ? Number(id) : id;
  return undefined;
}

/** Checks what Telegram checks before sending text: chat, length, parse mode, blocked user, reply target. */
function checkText(fake: BotState, params: Params): MethodResult | undefined {
  const chatId = chatIdOf(params);
  if (chatId === undefined) return bad('chat_id is empty');
  if (fake.blockedChats.has(chatId)) return bad('bot was blocked by the user', 403);
  const text =
    typeof params.text === 'string' ? params.text : params.text === undefined ? '' : String(params.text);
  if (text.trim() === '') return bad('message text is empty');
  const parseMode = params.parse_mode as string | undefined;
  if (parseMode !== undefined && parseMode !== '') {
    if (!PARSE_MODES.has(parseMode)) return bad('unsupported parse_mode');
    if (fake.rejectParseMode)
      return bad(`can't parse entities: Can't find end of the entity starting at byte offset 0`);
    const problem = entityError(text, parseMode);
    if (problem) return bad(`can't parse entities: ${problem}`);
  }
  if (visibleLength(text, parseMode) > MESSAGE_LIMIT) return bad('message is too long');
  return undefined;
}

function replyTarget(
  fake: BotState,
  chatId: number | string,
  params: Params,
): Message | undefined | MethodResult {
  const replyParameters = params.reply_parameters as
    | { message_id?: number; allow_sending_without_reply?: boolean }
    | undefined;
  const id = replyParameters?.message_id ?? (params.reply_to_message_id as number | undefined);
  if (id === undefined) return undefined;
  const target = fake.messages.get(`${chatId}:${id}`);
  const allowMissing =
    replyParameters?.allow_sending_without_reply ?? params.allow_sending_without_reply === true;
  if (!target && !allowMissing) return bad('message to be replied not found');
  return target;
}

const sendMessage: Handler = (fake, params, token, call) => {
  const problem = checkText(fake, params);
  if (problem) return problem;
  const chatId = chatIdOf(params)!;
  const target = replyTarget(fake, chatId, params);
  if (target && 'kind' in target) return target;
  const text = String(params.text);
  const message = {
    message_id: fake.nextMessageId(chatId),
    from: fake.botFor(token),
    chat: fake.chatFor(chatId),
    date: Math.floor(Date.now() / 1000),
    text,
    ...(target ? { reply_to_message: target } : {}),
    ...(params.reply_markup ? { reply_markup: params.reply_markup } : {}),
  } as Message;
  fake.messages.set(`${chatId}:${message.message_id}`, message);
  fake.recordSent({
    chat_id: chatId,
    text,
    ...(params.parse_mode ? { parse_mode: params.parse_mode as string } : {}),
    ...(params.reply_to_message_id !== undefined
      ? { reply_to_message_id: params.reply_to_message_id as number }
      : {}),
    ...(params.reply_parameters ? { reply_parameters: params.reply_parameters as SentReply } : {}),
    ...(params.reply_markup ? { reply_markup: params.reply_markup } : {}),
    message_id: message.message_id,
    message,
    token,
    time: call.time,
  });
  return ok(message);
};
type SentReply = { message_id: number; [key: string]: unknown };

const editMessageText: Handler = (fake, params) => {
  const problem = checkText(fake, params);
  if (problem) return problem;
  const chatId = chatIdOf(params)!;
  const existing = fake.messages.get(`${chatId}:${params.message_id}`);
  if (!existing) return bad('message to edit not found');
  if (existing.text === params.text) {
    return bad(
      'message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
    );
  }
  const edited = {
    ...existing,
    text: String(params.text),
    edit_date: Math.floor(Date.now() / 1000),
  } as Message;
  fake.messages.set(`${chatId}:${existing.message_id}`, edited);
  return ok(edited);
};

const getUpdates: Handler = (fake, params) => {
  if (fake.webhook) {
    return bad(
      "can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
      409,
    );
  }
  const offset = Number(params.offset ?? 0);
  if (offset > 0) {
    const keepFrom = fake.updates.findIndex((u) => u.update_id >= offset);
    fake.updates.splice(0, keepFrom < 0 ? fake.updates.length : keepFrom);
  } else if (offset < 0) {
    fake.updates.splice(0, Math.max(0, fake.updates.length + offset));
  }
  if (Array.isArray(params.allowed_updates)) fake.allowedUpdates = params.allowed_updates as string[];
  const limit = Math.min(100, Math.max(1, Number(params.limit ?? 100) || 100));
  const timeout = Math.max(0, Number(params.timeout ?? 0) || 0);
  return { kind: 'poll', limit, timeout };
};

const setWebhook: Handler = (fake, params) => {
  const url = String(params.url ?? '');
  if (url === '') return deleteWebhook(fake, params, '', {} as TelegramCall);
  if (!/^https?:\/\//.test(url)) return bad('bad webhook: An HTTPS URL must be provided for webhook');
  const secret = params.secret_token as string | undefined;
  if (secret !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(secret)) {
    return bad('secret token contains unallowed characters');
  }
  if (params.drop_pending_updates === true) fake.dropPendingUpdates();
  const allowed = Array.isArray(params.allowed_updates) ? (params.allowed_updates as string[]) : undefined;
  if (allowed) fake.allowedUpdates = allowed;
  fake.webhook = {
    url,
    ...(secret ? { secret_token: secret } : {}),
    max_connections: Number(params.max_connections ?? 40),
    ...(allowed ? { allowed_updates: allowed } : {}),
    ...(params.ip_address ? { ip_address: String(params.ip_address) } : {}),
  };
  fake.terminatePoll('Conflict: terminated by setWebhook request');
  return ok(true, 'Webhook was set');
};

const deleteWebhook: Handler = (fake, params) => {
  if (params.drop_pending_updates === true) fake.dropPendingUpdates();
  const had = fake.webhook !== undefined;
  fake.webhook = undefined;
  return ok(true, had ? 'Webhook was deleted' : 'Webhook is already deleted');
};

const getWebhookInfo: Handler = (fake) => {
  const webhook = fake.webhook;
  const info: Record<string, unknown> = {
    url: webhook?.url ?? '',
    has_custom_certificate: false,
    pending_update_count: fake.pendingUpdates,
  };
  if (webhook) {
    info.max_connections = webhook.max_connections;
    if (webhook.ip_address) info.ip_address = webhook.ip_address;
    if (webhook.allowed_updates) info.allowed_updates = webhook.allowed_updates;
    if (webhook.last_error_date) {
      info.last_error_date = webhook.last_error_date;
      info.last_error_message = webhook.last_error_message;
    }
  }
  return ok(info);
};

const sendChatAction: Handler = (fake, params) => {
  const chatId = chatIdOf(params);
  if (chatId === undefined) return bad('chat_id is empty');
  if (fake.blockedChats.has(chatId)) return bad('bot was blocked by the user', 403);
  if (!CHAT_ACTIONS.has(String(params.action))) return bad('wrong parameter action in request');
  return ok(true);
};

const getChat: Handler = (fake, params) => {
  const chatId = chatIdOf(params);
  if (chatId === undefined) return bad('chat_id is empty');
  return ok(fake.chatFor(chatId));
};

const returnsTrue: Handler = () => ok(true);

const HANDLERS: Record<string, Handler> = {
  getMe: (fake, _params, token) => ok(fake.botFor(token)),
  getUpdates,
  sendMessage,
  editMessageText,
  sendChatAction,
  setWebhook,
  deleteWebhook,
  getWebhookInfo,
  getChat,
  getMyCommands: () => ok([]),
  getFile: (fake, params) => {
    const answer = fake.files.getFile(params.file_id);
    return answer.ok
      ? ok(answer.result)
      : { kind: 'error', error: { error_code: answer.error_code, description: answer.description } };
  },
  // Methods an agent may call whose only observable effect is `true`.
  setMyCommands: returnsTrue,
  deleteMyCommands: returnsTrue,
  setMyDescription: returnsTrue,
  setMyShortDescription: returnsTrue,
  setMyName: returnsTrue,
  setChatMenuButton: returnsTrue,
  answerCallbackQuery: returnsTrue,
  setMessageReaction: returnsTrue,
  deleteMessage: returnsTrue,
  deleteMessages: returnsTrue,
  pinChatMessage: returnsTrue,
  unpinChatMessage: returnsTrue,
  leaveChat: returnsTrue,
  logOut: returnsTrue,
  close: returnsTrue,
};

const CANONICAL = new Map(Object.keys(HANDLERS).map((name) => [name.toLowerCase(), name]));

/** Telegram method names are case-insensitive; returns the documented spelling, or undefined if unknown. */
export function canonicalMethod(name: string): string | undefined {
  return CANONICAL.get(name.toLowerCase());
}

export function runMethod(
  fake: BotState,
  method: string,
  params: Params,
  token: string,
  call: TelegramCall,
): MethodResult {
  const handler = HANDLERS[method];
  if (!handler) return { kind: 'error', error: { error_code: 404, description: 'Not Found' } };
  return handler(fake, params, token, call);
}
