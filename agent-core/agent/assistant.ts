// What turns, jobs and hooks share: Claude with the owner's system prompt, the tools, recalled memory and the
// time in the owner's zone; the budget gate in front of every call; and notices to the owner.
import type Anthropic from '@anthropic-ai/sdk';
import type { RecordId, Surreal } from 'surrealdb';
import type { BudgetState } from '../budget/budget.ts';
import { type BudgetGuard, budgetNotice } from '../budget/guard.ts';
import { PauseState } from '../commands/pause.ts';
import type { ChannelName } from '../contract/tables.ts';
import { formatLocal } from '../jobs/local-time.ts';
import type { Logger } from '../log/logger.ts';
import { recall } from '../memory/memory-store.ts';
import { type MessageRecord, recordOutbound } from '../store/messages.ts';
import type { AgentTool } from '../tools/tool.ts';
import type { ClaudeClient } from './claude.ts';
import type { Owner } from './owner.ts';
import type { Settings } from './settings.ts';
import { type LoopResult, runToolLoop } from './tool-loop.ts';
import { Taint } from './untrusted.ts';
import { WEB_TOOLS } from './web-tools.ts';

export interface AssistantDeps {
  db: Surreal;
  log: Logger;
  claude: ClaudeClient | undefined;
  settings: Settings;
  owner: Owner;
  budget: BudgetGuard;
  /** Every tool (resolved lazily: some tools need the running agent). */
  tools(): readonly AgentTool[];
  /** Hands a stored outbound message to its channel (the turn runner's per-conversation queue). */
  deliver(message: MessageRecord, chatId: string): void;
  /** Web search and web fetch in the owner's turns (MONO_WEB_TOOLS). */
  webTools?: boolean;
}

export interface RespondInput {
  conversation: RecordId;
  channel: ChannelName;
  chatId: string;
  isOwner: boolean;
  messages: Anthropic.MessageParam[];
  /** Text to find relevant memories with (usually the latest message). */
  recallQuery: string;
  summary?: string;
  /** False for untrusted input (webhook bodies): Claude only writes, it cannot act. */
  withTools?: boolean;
  /** Kinds of untrusted content already in the messages (agent/untrusted.ts): the turn starts tainted. */
  untrusted?: Iterable<string>;
  signal?: AbortSignal;
  /** The answer's text so far while Claude writes it (replies shown as they are written). */
  onText?: (text: string) => void;
}

export type BudgetGate =
  | { ok: true }
  | { ok: false; state: Extract<BudgetState, { over: true }>; notice?: string };

export class Assistant {
  /** /pause and the desktop's switch: no calls to Claude and no jobs while paused. */
  readonly pause: PauseState;

  constructor(private readonly deps: AssistantDeps) {
    this.pause = new PauseState(deps.db);
  }

  get configured(): boolean {
    return this.deps.claude !== undefined;
  }

  get owner(): Owner {
    return this.deps.owner;
  }

  /**
   * A guest gets no owner tools, and only tools that read: a guest's words are untrusted, so anything else would
   * wait for a /yes the owner cannot give from the guest's chat.
   */
  toolsFor(isOwner: boolean): AgentTool[] {
    return this.deps.tools().filter((tool) => isOwner || (!tool.ownerOnly && tool.readOnly));
  }

  async respond(input: RespondInput): Promise<LoopResult> {
    const { db, log } = this.deps;
    const claude = this.deps.claude;
    if (!claude) throw new Error('ANTHROPIC_API_KEY is not set.');
    const timezone = this.deps.owner.timezone();
    const now = new Date();
    const facts = input.isOwner ? await recall(db, input.recallQuery, 5).catch(() => []) : [];
    const context = [
      `Now for the owner: ${formatLocal(now, timezone)}, time zone ${timezone} (UTC ${now.toISOString()}).`,
      ...(input.isOwner ? [] : ['You are talking with a guest the owner approved, not with the owner.']),
      ...(input.summary ? [`Summary of the earlier conversation: ${input.summary}`] : []),
      ...(facts.length > 0
        ? [`What you remember about the owner:\n${facts.map((f) => `- ${f.text}`).join('\n')}`]
        : []),
    ].join('\n\n');
    return runToolLoop({
      claude,
      system: this.deps.settings.systemPrompt(),
      context,
      messages: input.messages,
      tools: input.withTools === false ? [] : this.toolsFor(input.isOwner),
      // Looking things up is the owner's: guests converse, they do not spend on searches.
      ...(input.isOwner && input.withTools !== false && this.deps.webTools ? { serverTools: WEB_TOOLS } : {}),
      toolContext: {
        db,
        log,
        conversation: input.conversation,
        channel: input.channel,
        chatId: input.chatId,
        isOwner: input.isOwner,
        now,
        taint: new Taint([...(input.untrusted ?? []), ...(input.isOwner ? [] : ['guest'])]),
        ...(input.signal ? { signal: input.signal } : {}),
      },
      ...(input.signal ? { signal: input.signal } : {}),
      ...(input.onText ? { onText: input.onText } : {}),
    });
  }

  get budget(): BudgetGuard {
    return this.deps.budget;
  }

  /** Before any call to Claude: over a cap, the call is skipped; the owner is told once per period. */
  async budgetGate(): Promise<BudgetGate> {
    const state = await this.deps.budget.check();
    if (!state.over) return { ok: true };
    const notice = await this.budgetNotice(state);
    return { ok: false, state, ...(notice ? { notice } : {}) };
  }

  /** The notice for the owner the first time a period's cap is reached (atomic: told once); else undefined. */
  async budgetNotice(state: Extract<BudgetState, { over: true }>): Promise<string | undefined> {
    const first = await this.deps.budget.claimNotice(state.key);
    if (!first) return undefined;
    this.deps.log.warn({ period: state.period, spent: state.spent, cap: state.cap }, 'budget cap reached');
    return budgetNotice(state, this.deps.owner.timezone());
  }

  /** Stores a message for the owner and delivers it; false when MONO does not know where the owner is. */
  async notifyOwner(
    text: string,
    role: 'notice' | 'assistant' = 'notice',
    /** Settled in the same transaction as the message (so a crash never tells the owner twice). */
    also?: Parameters<typeof recordOutbound>[2],
  ): Promise<boolean> {
    const target = this.deps.owner.target();
    if (!target) {
      this.deps.log.warn(
        'a notice for the owner has nowhere to go: claim the agent (the desktop, or mono owner claim), or set MONO_ALLOW_TELEGRAM or MONO_OWNER_CHAT',
      );
      return false;
    }
    const message = await recordOutbound(
      this.deps.db,
      { channel: target.channel, chatId: target.chatId, role, text },
      also,
    );
    this.deps.deliver(message, target.chatId);
    return true;
  }
}
