// The owner talking to MONO from the desktop, and the owner answering a contact themselves, as SurrealQL over the
// sync connection (the rules are in agent-core/contract/desktop-chat.ts). The desktop only stores: the agent takes
// the chat's messages, and sends the owner's messages like every reply (stored first, sent once, marked).
import { RecordId } from 'surrealdb';
import {
  DESKTOP_CONVERSATION_KEY,
  type DesktopInboxRow,
  STEP_IN_QUIET_SETTING,
  stepInQuietSeconds,
} from '../../agent-core/contract/desktop-chat.ts';
import type { ActionRow, MessageRow } from '../../agent-core/contract/tables.ts';
import type { ChatHistory } from '../ipc/contract.ts';
import { UserError } from '../ipc/dispatch.ts';
import { recordId, type Sync } from './sync.ts';

const CHAT_CONVERSATION = new RecordId('conversation', DESKTOP_CONVERSATION_KEY);
const PREVIEW_LENGTH = 120;

export function createChatData(sync: Pick<Sync, 'query'>) {
  return {
    async history(limit = 300): Promise<ChatHistory> {
      const [messages = [], actions = [], inbox = []] = (await sync.query(
        `SELECT * FROM message WHERE conversation = $conversation ORDER BY created_at DESC LIMIT $limit;
         SELECT * FROM action WHERE conversation = $conversation AND status = 'pending' ORDER BY created_at;
         SELECT * FROM desktop_inbox ORDER BY created_at;`,
        { conversation: CHAT_CONVERSATION, limit },
      )) as [MessageRow[], ActionRow[], DesktopInboxRow[]];
      return { conversation: CHAT_CONVERSATION.toString(), messages: messages.reverse(), actions, inbox };
    },

    /**
     * Stores a message for the agent. `clientId` is made once per message: sending it again (the answer was lost)
     * writes nothing new, and the agent stores it once whatever happens.
     */
    async send(clientId: string, text: string): Promise<{ ok: true }> {
      await sync.query(
        `BEGIN;
         IF (SELECT VALUE id FROM ONLY $id) = NONE { CREATE $id CONTENT { text: $text, created_at: time::now() } };
         COMMIT;`,
        { id: new RecordId('desktop_inbox', clientId), text },
      );
      return { ok: true };
    },

    /**
     * The owner writes to the contact of a conversation: stored as the owner's message, pending, with the request
     * that has the agent send it — and MONO keeps quiet there for the quiet time. Idempotent per `clientId`.
     */
    async stepIn(conversation: string, clientId: string, text: string): Promise<{ ok: true }> {
      const [found] = (await sync.query(
        `RETURN { channel: (SELECT VALUE channel FROM ONLY $conversation), quiet: (SELECT VALUE value FROM ONLY $setting) }`,
        { conversation: recordId(conversation), setting: new RecordId('setting', STEP_IN_QUIET_SETTING) },
      )) as unknown as [{ channel?: string; quiet?: unknown }];
      if (!found?.channel) throw new UserError('This conversation is gone.');
      if (found.channel === 'desktop') throw new UserError('This is your own chat with MONO: write in Chat.');
      await sync.query(
        `BEGIN;
         IF (SELECT VALUE id FROM ONLY $id) = NONE {
           CREATE $id CONTENT { conversation: $conversation, channel: $channel, direction: 'out', role: 'owner',
             text: $text, status: 'pending', created_at: time::now(), updated_at: time::now() };
           CREATE retry_request SET message = $id;
         };
         UPDATE $conversation SET owner_until = time::now() + duration::from_secs($quiet),
           last_message_at = time::now(), last_message_preview = $preview;
         COMMIT;`,
        {
          id: new RecordId('message', clientId),
          conversation: recordId(conversation),
          channel: found.channel,
          text,
          quiet: stepInQuietSeconds(found.quiet),
          preview: text.slice(0, PREVIEW_LENGTH),
        },
      );
      return { ok: true };
    },

    /** MONO answers in the conversation again from the next message on (what came meanwhile stays the owner's). */
    async resume(conversation: string): Promise<{ ok: true }> {
      await sync.query('UPDATE $conversation SET owner_until = NONE', {
        conversation: recordId(conversation),
      });
      return { ok: true };
    },
  };
}

export type ChatData = ReturnType<typeof createChatData>;
