// Long conversations: the history sent to Claude is bounded. Once more than `limit` turns are unsummarized,
// the older ones are summarized into the conversation's `summary`, and the facts about the owner found in
// them are saved to memory first — nothing leaves the window before that. Only the owner's own conversations
// feed the owner's memory: a guest's conversation is summarized with the guest named as the speaker, and what
// was learned there stays in that conversation's summary.
import type Anthropic from '@anthropic-ai/sdk';
import type { RecordId, Surreal } from 'surrealdb';
import type { ClaudeClient } from '../agent/claude.ts';
import { recordUsage } from '../budget/usage.ts';
import type { Logger } from '../log/logger.ts';
import { printable } from '../log/printable.ts';
import { type HistoryAtStore, type HistoryTurn, loadHistory } from '../store/messages.ts';
import { remember } from './memory-store.ts';

export interface SummaryState {
  summary?: string;
  summary_until?: Date;
}

export interface BoundedHistory {
  turns: HistoryTurn[];
  summary?: string;
}

const SUMMARY_SYSTEM =
  'You keep the long-term memory of a personal assistant. Read the earlier summary and the conversation ' +
  'excerpt. Answer with one line starting with "SUMMARY:" (what was discussed and decided, at most 120 words), ' +
  'then one line per lasting fact about the owner (preferences, people, dates, plans), each starting with ' +
  '"FACT:". No other text.';

/** A guest's conversation: who said what is kept as it is, and nothing becomes a fact about the owner. */
const GUEST_SUMMARY_SYSTEM =
  'You keep the notes of a personal assistant about one conversation with a guest of its owner (the guest is ' +
  'not the owner). Read the earlier summary and the conversation excerpt. Answer with one line starting with ' +
  '"SUMMARY:" (what was discussed and decided, naming who said it, at most 120 words). No other text.';

/** Who the person in a conversation is, so its summary names them as they are. */
export interface Speaker {
  isOwner: boolean;
  /** The contact's name (a guest's own choice: shown as data, never trusted). */
  name: string;
}

/** How the person's lines are labelled in the excerpt a summary is written from. */
export function speakerLabel(speaker: Speaker): string {
  return speaker.isOwner ? 'Owner' : `Guest (${printable(speaker.name, 60) || 'unnamed'})`;
}

export function parseSummary(text: string): { summary: string; facts: string[] } {
  const facts: string[] = [];
  const summary: string[] = [];
  let inSummary = false;
  for (const line of text.split('\n')) {
    const fact = /^\s*[-*•]?\s*FACT:\s*(.+)$/i.exec(line);
    if (fact) {
      facts.push(fact[1]!.trim());
      inSummary = false;
      continue;
    }
    const head = /^\s*SUMMARY:\s*(.*)$/i.exec(line);
    if (head) {
      inSummary = true;
      if (head[1]) summary.push(head[1].trim());
    } else if (inSummary && line.trim()) summary.push(line.trim());
  }
  return { summary: summary.join(' ') || text.trim().slice(0, 1000), facts };
}

/** The history for a turn: at most `limit` turns, older ones folded into the summary first. */
export async function boundedHistory(input: {
  db: Surreal;
  claude: ClaudeClient;
  conversation: RecordId;
  /** The person in this conversation: the owner's facts come only from the owner's own conversations. */
  speaker: Speaker;
  until: Date;
  limit: number;
  log: Logger;
  signal?: AbortSignal;
  /** Summaries already read, by conversation: only this code changes them, so one read per conversation. */
  known?: { get(key: string): SummaryState | undefined; set(key: string, state: SummaryState): unknown };
  /** Read with the message when it was stored (at most `limit * 4` turns); used unless the summary moved since. */
  atStore?: HistoryAtStore;
}): Promise<BoundedHistory> {
  const { db, conversation, limit } = input;
  const key = conversation.toString();
  let state = input.known?.get(key);
  const atStore = input.atStore;
  if (atStore && (!state || String(state.summary_until) === String(atStore.summary_until))) {
    if (!state) {
      state = {
        ...(atStore.summary ? { summary: atStore.summary } : {}),
        ...(atStore.summary_until ? { summary_until: atStore.summary_until } : {}),
      };
      input.known?.set(key, state);
    }
    return fold(input, state, atStore.turns);
  }
  if (!state) {
    const [row] = await db
      .query<[{ summary?: string; summary_until?: Date } | undefined]>(
        'SELECT summary, summary_until FROM ONLY $conversation',
        { conversation },
      )
      .collect();
    state = row ?? {};
    input.known?.set(key, state);
  }
  const turns = await loadHistory(
    db,
    conversation,
    input.until,
    historyReadLimit(limit),
    state?.summary_until,
  );
  return fold(input, state, turns);
}

/** How many turns a history read asks for: enough to tell how many to fold into the summary. */
export const historyReadLimit = (limit: number) => limit * 4;

/** At most `limit` turns: when there are more, the older ones are summarized (facts saved to memory first). */
async function fold(
  input: Parameters<typeof boundedHistory>[0],
  state: SummaryState,
  turns: HistoryTurn[],
): Promise<BoundedHistory> {
  const { db, conversation, limit } = input;
  const key = conversation.toString();
  if (turns.length <= limit) return { turns, ...(state?.summary ? { summary: state.summary } : {}) };

  const keep = Math.max(2, Math.floor(limit / 2));
  const older = turns.slice(0, turns.length - keep);
  const recent = turns.slice(turns.length - keep);
  try {
    const label = speakerLabel(input.speaker);
    const excerpt = older
      .map((turn) => `${turn.role === 'user' ? label : 'Assistant'}: ${turn.text}`)
      .join('\n');
    const messages: Anthropic.MessageParam[] = [
      {
        role: 'user',
        content: `Earlier summary: ${state?.summary ?? '(none)'}\n\nConversation excerpt:\n${excerpt}`,
      },
    ];
    const response = await input.claude.call({
      system: input.speaker.isOwner ? SUMMARY_SYSTEM : GUEST_SUMMARY_SYSTEM,
      messages,
      ...(input.signal ? { signal: input.signal } : {}),
      fairKey: conversation.toString(),
    });
    await recordUsage(db, response.usage);
    const parsed = parseSummary(response.text);
    // Facts first: once summary_until moves, these turns are never sent again. A guest's words never become
    // facts about the owner, whatever the model answered.
    const facts = input.speaker.isOwner ? parsed.facts : [];
    for (const fact of facts) await remember(db, fact, { conversation, source: 'summary' });
    await db
      .query('UPDATE $conversation SET summary = $summary, summary_until = $until', {
        conversation,
        summary: parsed.summary,
        until: older[older.length - 1]!.created_at,
      })
      .collect();
    input.known?.set(key, { summary: parsed.summary, summary_until: older[older.length - 1]!.created_at });
    input.log.info(
      { conversation: conversation.toString(), summarized: older.length, facts: facts.length },
      'older turns summarized',
    );
    return { turns: recent, summary: parsed.summary };
  } catch (error) {
    // Without a summary the turn still goes ahead with the latest turns; the next turn tries again.
    input.log.warn({ err: error }, 'could not summarize older turns');
    return { turns: turns.slice(-limit), ...(state?.summary ? { summary: state.summary } : {}) };
  }
}
