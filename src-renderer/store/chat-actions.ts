// What the Chat screen and stepping in ask of MONO: load the chat, send to MONO (each message with an id made once,
// so sending it again is safe), answer a confirmation, write to a contact yourself and hand the conversation back.
import type { ActionRow, MessageRow } from '../../agent-core/contract/tables.ts';
import { errorMessage, mono } from '../lib/mono.ts';
import { type ChatOutgoing, getState, setState, useStore } from './store.ts';

const OUTBOX_KEY = 'mono.chat.outbox';

/**
 * Keeps the messages typed in the chat and not yet stored across a reload of the page (in this tab's session
 * storage): they come back offering "Send again" under the same id, so none is lost and none is stored twice.
 */
export function keepOutbox(): () => void {
  let restored: ChatOutgoing[] = [];
  try {
    const saved: unknown = JSON.parse(sessionStorage.getItem(OUTBOX_KEY) ?? '[]');
    if (Array.isArray(saved)) {
      restored = saved
        .filter((item) => typeof item?.clientId === 'string' && typeof item?.text === 'string')
        .map((item) => ({
          clientId: item.clientId,
          text: item.text,
          state: 'failed' as const,
          error: 'The page reloaded before MONO confirmed it had this message.',
        }));
    }
  } catch {
    // Unreadable: nothing to restore.
  }
  const known = new Set(getState().chat.outbox.map((item) => item.clientId));
  const fresh = restored.filter((item) => !known.has(item.clientId));
  if (fresh.length > 0)
    setState((state) => ({ chat: { ...state.chat, outbox: [...fresh, ...state.chat.outbox] } }));
  return useStore.subscribe((state, previous) => {
    if (state.chat.outbox === previous.chat.outbox) return;
    const items = state.chat.outbox.map(({ clientId, text }) => ({ clientId, text }));
    try {
      sessionStorage.setItem(OUTBOX_KEY, JSON.stringify(items));
    } catch {
      // Storage full or off: the messages stay on screen until the page closes.
    }
  });
}

export async function loadChat(opts: { quiet?: boolean } = {}): Promise<void> {
  const current = getState().chat;
  if (!opts.quiet || current.status !== 'ready') setState({ chat: { ...current, status: 'loading' } });
  try {
    const history = await mono.chat.history();
    const stored = new Set(history.messages.map((message) => message.external_id));
    setState((state) => ({
      chat: {
        status: 'ready',
        items: history.messages,
        conversation: history.conversation,
        actions: history.actions,
        // What the agent stored meanwhile shows as its row; the rest stays as typed.
        outbox: state.chat.outbox.filter((item) => !stored.has(item.clientId)),
      },
    }));
    void mono.conversation.markRead({ conversation: history.conversation }).catch(() => {});
  } catch (error) {
    setState((state) => ({ chat: { ...state.chat, status: 'error', error: errorMessage(error) } }));
  }
}

function patchOutbox(clientId: string, patch: Partial<ChatOutgoing>): void {
  setState((state) => ({
    chat: {
      ...state.chat,
      outbox: state.chat.outbox.map((item) => (item.clientId === clientId ? { ...item, ...patch } : item)),
    },
  }));
}

async function deliver(item: ChatOutgoing): Promise<void> {
  patchOutbox(item.clientId, { state: 'sending', error: undefined });
  try {
    await mono.chat.send({ clientId: item.clientId, text: item.text });
    patchOutbox(item.clientId, { state: 'sent' });
  } catch (error) {
    patchOutbox(item.clientId, { state: 'failed', error: errorMessage(error) });
  }
}

/** Sends a message to MONO; it shows at once, and as stored once the agent has it. */
export function sendChat(text: string, clientId: string = crypto.randomUUID()): Promise<void> {
  if (getState().chat.outbox.some((entry) => entry.clientId === clientId)) return retryChat(clientId);
  const item: ChatOutgoing = { clientId, text, state: 'sending' };
  setState((state) => ({ chat: { ...state.chat, outbox: [...state.chat.outbox, item] } }));
  return deliver(item);
}

/** Sends a message that failed again, under the same id (the agent stores it once either way). */
export function retryChat(clientId: string): Promise<void> {
  const item = getState().chat.outbox.find((entry) => entry.clientId === clientId);
  return item ? deliver(item) : Promise.resolve();
}

/** The messages still on their way, once `row` is stored (a chat message's external id is its client id). */
export function withoutStored(outbox: ChatOutgoing[], row: MessageRow): ChatOutgoing[] {
  return row.direction === 'in' ? outbox.filter((item) => item.clientId !== row.external_id) : outbox;
}

/** Keeps the chat's waiting confirmations in step with the `action` table. */
export function applyChatAction(id: string, row: ActionRow | undefined): void {
  const chat = getState().chat;
  if (chat.status === 'idle') return;
  const others = chat.actions.filter((action) => action.id !== id);
  const waiting = row && row.status === 'pending' && row.conversation === chat.conversation;
  setState({ chat: { ...chat, actions: waiting ? [...others, { ...row, id }] : others } });
}

export const stepIn = {
  /** The owner writes to the contact themselves; MONO stays quiet in the conversation for the quiet time. */
  send: (conversation: string, text: string, clientId: string) =>
    mono.chat.stepIn({ conversation, clientId, text }),
  /** MONO answers in the conversation again from the next message on. */
  resume: (conversation: string) => mono.chat.handBack({ conversation }),
};
