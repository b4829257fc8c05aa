// Applies one live change from the agent's datastore to the store, so every screen updates without a reload.
import type { WhatsAppLinkRow } from '../../agent-core/contract/tables.ts';
import type { DbChange, RowChange } from '../../src-main/ipc/db-change.ts';
import { mono } from '../lib/mono.ts';
import { applyChatAction, withoutStored } from './chat-actions.ts';
import { getState, type Store, setState } from './store.ts';
import { isOlder, type Loadable, remove, upsert } from './types.ts';

type Row = { id: string };

function apply<T extends Row>(
  list: Loadable<T>,
  change: RowChange<T>,
  before?: (a: T, b: T) => boolean,
): Loadable<T> {
  if (list.status === 'idle') return list;
  if (change.action === 'DELETE') return { ...list, items: remove(list.items, change.id) };
  const row = { ...(change.row as T), id: change.id };
  // Live notifications can arrive out of order: an older state ("failed") must not undo a newer one ("sent").
  const known = list.items.find((item) => item.id === row.id);
  if (known && isOlder(row, known)) return list;
  return { ...list, items: upsert(list.items, row, before) };
}

const newestFirst =
  <T extends Row>(field: keyof T) =>
  (a: T, b: T) =>
    String(a[field] ?? '') > String(b[field] ?? '');

export function applyChange(change: DbChange): void {
  const state = getState();
  const patch: Partial<Store> = {};
  switch (change.table) {
    case 'conversation': {
      // A row replaces only the fields it carries: a cleared `owner_until` (resumed) must clear it here too.
      const row = change.row && { owner_until: undefined, ...change.row };
      const next = apply(state.conversations, { ...change, row }, newestFirst('last_message_at'));
      // A conversation whose last message changed moves to the top.
      next.items = [...next.items].sort((a, b) =>
        String(b.last_message_at ?? '').localeCompare(String(a.last_message_at ?? '')),
      );
      patch.conversations = next;
      break;
    }
    case 'message': {
      const row = change.row;
      const chat = state.chat;
      if (
        chat.conversation &&
        (row?.conversation === chat.conversation ||
          (change.action === 'DELETE' && chat.items.some((m) => m.id === change.id)))
      ) {
        patch.chat = {
          ...chat,
          ...apply(chat, change, (a, b) => a.created_at < b.created_at),
          // Its row replaces the copy shown while it was on its way.
          outbox: row ? withoutStored(chat.outbox, row) : chat.outbox,
        };
        if (change.action === 'CREATE' && row?.direction === 'in') markReadSoon(chat.conversation);
      }
      if (
        state.thread.conversation &&
        (change.action === 'DELETE' || row?.conversation === state.thread.conversation)
      ) {
        patch.thread = {
          ...apply(state.thread, change, (a, b) => a.created_at < b.created_at),
          conversation: state.thread.conversation,
        };
        // The owner is looking at this thread: a new message there is read already.
        if (change.action === 'CREATE' && row?.direction === 'in') markReadSoon(state.thread.conversation);
      }
      break;
    }
    case 'pairing':
      patch.pairings = apply(state.pairings, change, newestFirst('created_at'));
      break;
    case 'contact':
      patch.contacts = apply(state.contacts, change, newestFirst('created_at'));
      break;
    case 'owner':
      patch.owners = apply(state.owners, change, (a, b) => a.created_at < b.created_at);
      break;
    case 'setting':
      patch.settings = apply(state.settings, change);
      break;
    case 'job':
      patch.jobs = apply(state.jobs, change, newestFirst('created_at'));
      break;
    case 'job_run': {
      if (state.selectedJob && change.row?.job === state.selectedJob) {
        patch.jobRuns = apply(state.jobRuns, change, newestFirst('started_at'));
      }
      break;
    }
    case 'usage':
      patch.usage = apply(state.usage, change, (a, b) => a.day < b.day);
      break;
    case 'agent_status':
      if (change.row) patch.agentStatus = { ...change.row, id: change.id };
      break;
    case 'action':
      applyChatAction(change.id, change.row);
      return;
    case 'whatsapp_link':
      patch.whatsappLink =
        change.action === 'DELETE' ? null : ({ ...change.row, id: change.id } as WhatsAppLinkRow);
      break;
    default:
      return;
  }
  setState(patch);
}

const readTimers = new Map<string, ReturnType<typeof setTimeout>>();
function markReadSoon(conversation: string): void {
  clearTimeout(readTimers.get(conversation));
  readTimers.set(
    conversation,
    setTimeout(() => {
      readTimers.delete(conversation);
      void mono.conversation.markRead({ conversation }).catch(() => {});
    }, 300),
  );
}
