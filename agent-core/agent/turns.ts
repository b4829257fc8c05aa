// The turn runner: answers stored inbound messages one at a time per conversation (concurrently across
// conversations), delivers replies, and on start finishes whatever a crash left behind.
import { setMaxListeners } from 'node:events';
import type { RecordId, Surreal } from 'surrealdb';
import type { BudgetState } from '../budget/budget.ts';
import { BudgetExceededError } from '../budget/ledger.ts';
import type { Channel } from '../channels/channel.ts';
import type { OwnerCommands } from '../commands/owner-commands.ts';
import { ownerAnswering } from '../contract/desktop-chat.ts';
import { claimCodeIn } from '../contract/owners.ts';
import type { ChannelName } from '../contract/tables.ts';
import type { Delivery } from '../delivery/delivery.ts';
import type { Logger } from '../log/logger.ts';
import type { MediaFiles } from '../media/files.ts';
import type { MediaPreparer } from '../media/prepare.ts';
import { boundedHistory, type SummaryState } from '../memory/summary.ts';
import { ensurePairing } from '../pairing/pairing.ts';
import {
  type ClaimedInbound,
  claimInbound,
  leaveToOwner,
  loadUnfinished,
  type MessageRecord,
  markOutboundFailed,
  recordDelivery,
  recordOutbound,
  recordReply,
  setInboundStatus,
} from '../store/messages.ts';
import type { OwnerAccounts } from '../store/owners.ts';
import { cancelPendingActions, confirmationPrompt } from '../tools/confirmations.ts';
import { BoundedMap } from '../util/bounded-map.ts';
import { errorMessage } from '../util/error-message.ts';
import type { Assistant } from './assistant.ts';
import { type ClaudeClient, ClaudeError } from './claude.ts';
import { type ClaimFact, decideTurn } from './decide-turn.ts';
import type { HeldMessages } from './held-messages.ts';
import { type BuiltMessages, buildMessages, withPrepared } from './history-content.ts';
import * as notices from './notices.ts';
import { ReplyDraft } from './reply-draft.ts';
import { splitMessage } from './split.ts';
import { TypingIndicators } from './typing.ts';

export interface TurnDeps {
  db: Surreal;
  channels: ReadonlyMap<ChannelName, Channel>;
  claude: ClaudeClient | undefined;
  assistant: Assistant;
  commands: OwnerCommands;
  /** Messages that arrive while paused wait here for the resume. */
  held: HeldMessages;
  /** The owner's accounts in the datastore, claimed with a one-time code. */
  owners: OwnerAccounts;
  /** The allowlist from the environment (MONO_ALLOW_<CHANNEL>); approved pairings are checked in the datastore. */
  isAllowed(channel: ChannelName, userId: string): boolean;
  log: Logger;
  historyLimit?: number;
  /** How each part goes out: pace, reachability, the in-flight mark (delivery/delivery.ts). */
  delivery: Delivery;
  /** Resolves when acknowledged work may write (the disk is not full); absent: always. */
  room?: (signal: AbortSignal) => Promise<void>;
  /** Fetches and checks the files a message carried (before its turn calls Claude). */
  media: MediaPreparer;
  files: MediaFiles;
}

const TURN_RETRY_DELAYS_MS = [1000, 5000, 30_000];
const SUMMARIES_KEPT = 500;
const UNCLAIMED_NOTICE_EVERY_MS = 60 * 60_000;
const MAX_TOLD_UNCLAIMED = 1000;

export class TurnRunner {
  readonly #chains = new Map<string, Promise<void>>();
  readonly #shutdown = new AbortController();
  /** Summaries read lately (a forgotten one is read again): bounded however many people write over months. */
  readonly #summaries = new BoundedMap<string, SummaryState>(SUMMARIES_KEPT);
  readonly #delivering = new Set<string>();
  readonly #queued = new Set<string>();
  /** Conversations told lately that nobody owns the agent yet, by time told (bounded). */
  readonly #toldUnclaimed = new Map<string, number>();
  readonly #typing = new TypingIndicators();
  #pending = 0;

  constructor(private readonly deps: TurnDeps) {
    // Every turn in flight listens for shutdown: thousands of waiting conversations are normal.
    setMaxListeners(0, this.#shutdown.signal);
  }

  /**
   * A stored inbound message waits for its turn in its conversation. A turn that fails unexpectedly (the
   * datastore briefly unavailable…) is tried again later; the message is never silently dropped.
   */
  answer(id: RecordId, conversation: RecordId, attempt = 0, claimed?: ClaimedInbound): void {
    const key = id.toString();
    // Queued already (a resume after a pause racing a restart's resume): one turn per message at a time.
    if (this.#queued.has(key)) {
      if (attempt > 0) this.#pending--; // a retry the other turn replaces
      return;
    }
    this.#queued.add(key);
    if (attempt === 0) this.#pending++;
    this.#enqueue(conversation, async () => {
      let retrying = false;
      try {
        await this.#answer(id, claimed);
      } catch (error) {
        if (this.#shutdown.signal.aborted) return;
        const delay = TURN_RETRY_DELAYS_MS[attempt];
        this.deps.log.error(
          { err: error, message: id.toString(), attempt },
          delay === undefined ? 'turn failed; the message waits for the next start' : 'turn failed; retrying',
        );
        retrying = delay !== undefined;
        if (retrying) setTimeout(() => this.answer(id, conversation, attempt + 1), delay).unref();
      } finally {
        if (!retrying) this.#pending--;
        this.#queued.delete(key);
      }
    });
  }

  /** Inbound messages taken and not finished yet (the disk guard keeps room for their replies). */
  get pending(): number {
    return this.#pending;
  }

  /** Delivers an outbound message that is already stored (a notice, a job's answer, a retried reply). */
  deliver(message: MessageRecord, chatId: string): void {
    const key = message.id.toString();
    if (this.#delivering.has(key)) return; // queued or being sent already
    this.#delivering.add(key);
    this.#enqueue(message.conversation, () => this.#deliver(message, chatId, true));
  }

  /** Finishes what the last run left: unsent replies first, then unanswered messages, oldest first. */
  async resume(): Promise<{ replies: number; messages: number }> {
    const { outbound, inbound } = await loadUnfinished(this.deps.db);
    for (const message of outbound) {
      const chatId = (message as MessageRecord & { chat_id?: string }).chat_id;
      if (chatId) this.deliver(message, chatId);
    }
    for (const message of inbound) this.answer(message.id, message.conversation);
    if (outbound.length + inbound.length > 0) {
      this.deps.log.info({ replies: outbound.length, messages: inbound.length }, 'resuming unfinished work');
    }
    return { replies: outbound.length, messages: inbound.length };
  }

  get busy(): number {
    return this.#chains.size;
  }

  /** Turns sent to Claude at most (older ones are summarized). */
  get historyLimit(): number {
    return this.deps.historyLimit ?? 40;
  }

  /** True when no turn or delivery of this conversation is queued or running. */
  isIdle(conversation: RecordId): boolean {
    return !this.#chains.has(conversation.toString());
  }

  /** Waits up to `ms` for turns in flight; then cancels the rest, which stay stored and resume on the next start. */
  async drain(ms: number): Promise<void> {
    const all = Promise.allSettled([...this.#chains.values()]);
    const timer = new Promise((resolve) => setTimeout(resolve, ms).unref());
    await Promise.race([all, timer]);
    this.#shutdown.abort();
    await Promise.race([all, new Promise((resolve) => setTimeout(resolve, 300).unref())]);
  }

  #enqueue(conversation: RecordId, work: () => Promise<void>): void {
    if (this.#shutdown.signal.aborted) return;
    const key = conversation.toString();
    const previous = this.#chains.get(key) ?? Promise.resolve();
    const next = previous
      .then(work)
      .catch((error) => this.deps.log.error({ err: error, conversation: key }, 'turn failed'))
      .finally(() => {
        if (this.#chains.get(key) === next) this.#chains.delete(key);
      });
    this.#chains.set(key, next);
  }

  async #answer(id: RecordId, claimed?: ClaimedInbound): Promise<void> {
    if (this.#shutdown.signal.aborted) return;
    const { db, log, assistant } = this.deps;
    const message = claimed ?? (await claimInbound(db, id));
    if (!message) return; // answered already (a redelivery, or a restart raced with a live turn)
    const channel = this.deps.channels.get(message.channel);
    const sender = message.contact?.external_id ?? '';
    const owner = assistant.owner;
    const decision = decideTurn(message, {
      channelConfigured: channel !== undefined,
      claim: channel ? await this.#claim(message) : undefined,
      ownerAnswering: ownerAnswering(message.owner_until),
      hasOwner: owner.exists(),
      allowed: message.contact?.allowed || this.deps.isAllowed(message.channel, sender),
      isOwner: owner.isOwner(message.channel, sender),
      claudeConfigured: this.deps.claude !== undefined,
      paused: await assistant.pause.paused(),
      budget: await assistant.budget.check(),
    });
    if (!channel || decision.kind === 'channel-missing') {
      await setInboundStatus(db, id, 'failed', `The ${message.channel} channel is not configured.`);
      return;
    }
    // Asked again after a claim: the claimer is the owner from this message on.
    const isOwner = owner.isOwner(message.channel, sender);
    const notice = (text: string, inboundStatus: 'ignored' | 'failed' = 'ignored', error?: string) =>
      this.#reply(message, channel, {
        role: 'notice',
        text,
        inboundStatus,
        ...(error ? { error } : {}),
      });
    switch (decision.kind) {
      case 'claim':
        log.info({ channel: message.channel, outcome: decision.outcome }, 'owner claim code received');
        return notice(notices.claimed(decision.outcome));
      case 'owner-answering':
        log.info(
          { conversation: message.conversation.toString() },
          'the owner is answering; MONO stays quiet',
        );
        return leaveToOwner(db, id);
      case 'unclaimed':
        if (!this.#firstUnclaimedNotice(message.conversation)) return setInboundStatus(db, id, 'ignored');
        return notice(notices.notSetUp());
      case 'pair':
        return this.#pair(message, channel);
      case 'unreadable':
        return notice(notices.unreadable());
      case 'command': {
        const text = await this.deps.commands.run(decision.command, {
          db,
          log,
          conversation: message.conversation,
          channel: message.channel,
          chatId: message.chat_id,
          isOwner,
          now: new Date(),
        });
        // 'ignored': commands and MONO's answers to them stay out of the history sent to Claude.
        return notice(text);
      }
      case 'no-claude':
        log.warn('a message arrived but ANTHROPIC_API_KEY is not set');
        return notice(notices.notConfigured(), 'failed', 'ANTHROPIC_API_KEY is not set.');
      case 'hold':
        if (await this.deps.held.hold(id, message.conversation)) {
          const told = await recordOutbound(db, {
            channel: message.channel,
            chatId: message.chat_id,
            role: 'notice',
            text: isOwner ? notices.heldForOwner() : notices.held(),
          });
          await this.#deliver(told, message.chat_id);
        }
        return;
      case 'over-budget':
        return this.#overBudget(message, channel, isOwner, decision.state);
      case 'answer':
        // decideTurn answers only when Claude is configured.
        return this.#respond(message, channel, isOwner, this.deps.claude as ClaudeClient);
    }
  }

  /** The owner is told once per period; a contact hears each time why there is no answer. */
  async #overBudget(
    message: ClaimedInbound,
    channel: Channel,
    isOwner: boolean,
    state: Extract<BudgetState, { over: true }>,
  ): Promise<void> {
    const { assistant, db } = this.deps;
    const reason = `Not answered: the ${state.period} budget cap is reached.`;
    const ownerNotice = await assistant.budgetNotice(state);
    const reply = (text: string) =>
      this.#reply(message, channel, { role: 'notice', text, inboundStatus: 'failed', error: reason });
    if (ownerNotice && isOwner) return reply(ownerNotice);
    if (ownerNotice) await assistant.notifyOwner(ownerNotice);
    if (isOwner) return setInboundStatus(db, message.id, 'failed', reason);
    return reply(notices.overBudget());
  }

  /** A claim code in the message is used here (the owner needs no code; everyone else may race for it). */
  async #claim(message: ClaimedInbound): Promise<ClaimFact | undefined> {
    const code = claimCodeIn(message.text);
    if (!code) return undefined;
    const sender = message.contact?.external_id ?? '';
    if (this.deps.assistant.owner.isOwner(message.channel, sender)) return 'already-owner';
    return this.deps.owners.claim(code, {
      channel: message.channel,
      external_id: sender,
      chat_id: message.chat_id,
      name: message.contact?.name ?? '',
    });
  }

  /** Someone writing to an agent nobody owns is told so at most once an hour per conversation. */
  #firstUnclaimedNotice(conversation: RecordId): boolean {
    const key = conversation.toString();
    const now = Date.now();
    const told = this.#toldUnclaimed.get(key);
    if (told !== undefined && now - told < UNCLAIMED_NOTICE_EVERY_MS) return false;
    this.#toldUnclaimed.delete(key);
    this.#toldUnclaimed.set(key, now);
    // Bounded: the oldest entry goes first (a Map iterates in insertion order).
    if (this.#toldUnclaimed.size > MAX_TOLD_UNCLAIMED)
      this.#toldUnclaimed.delete(this.#toldUnclaimed.keys().next().value as string);
    return true;
  }

  /** The turn proper: history, Claude with the tools, the reply. */
  async #respond(
    message: ClaimedInbound,
    channel: Channel,
    isOwner: boolean,
    claude: ClaudeClient,
  ): Promise<void> {
    const { db, log, assistant } = this.deps;
    const id = message.id;
    // Files are fetched now, after the message was stored and acknowledged; a refusal answers instead of Claude.
    const media = await this.deps.media.prepare(message, channel, this.#shutdown.signal);
    if (this.#shutdown.signal.aborted) return;
    if (media.refusal) {
      return this.#reply(message, channel, { role: 'notice', text: media.refusal, inboundStatus: 'ignored' });
    }

    if (isOwner) await cancelPendingActions(db, message.conversation);

    const stopTyping = this.#typing.keep(channel, message.chat_id);
    // Where replies are shown as they are written, the text so far goes into the reply's row.
    const draft = channel.liveReplies
      ? new ReplyDraft(db, { inbound: id, conversation: message.conversation, channel: channel.name }, log)
      : undefined;
    let result: Awaited<ReturnType<Assistant['respond']>>;
    let built: BuiltMessages | undefined;
    try {
      const history = await boundedHistory({
        db,
        known: this.#summaries,
        claude,
        conversation: message.conversation,
        speaker: { isOwner, name: message.contact?.name ?? '' },
        until: message.created_at,
        limit: this.historyLimit,
        log,
        signal: this.#shutdown.signal,
        ...(message.history ? { atStore: message.history } : {}),
      });
      built = await buildMessages(withPrepared(history.turns, message, media.attachments), {
        files: this.deps.files,
      });
      result = await assistant.respond({
        conversation: message.conversation,
        channel: message.channel,
        chatId: message.chat_id,
        isOwner,
        messages: built.messages,
        // Marks of the history's messages (a message with files carries `file`): see agent/untrusted.ts.
        untrusted: history.turns.flatMap((turn) => turn.untrusted ?? []),
        recallQuery: message.text,
        ...(history.summary ? { summary: history.summary } : {}),
        signal: this.#shutdown.signal,
        ...(draft ? { onText: draft.update } : {}),
      });
      await draft?.finish();
    } catch (error) {
      // Parked: the message stays 'processing' and resumes at next start (which removes the unfinished row).
      if (this.#shutdown.signal.aborted) return void (await draft?.finish());
      // What was shown so far is not the answer: the row goes, and whatever answers instead gets its own.
      await draft?.discard();
      // The budget had no room for a call (reserved before it went out): as if the cap had been reached before.
      if (error instanceof BudgetExceededError)
        return this.#overBudget(message, channel, isOwner, error.state);
      const reason = errorMessage(error);
      log.error({ message: id.toString(), reason }, 'Claude could not answer');
      const fileRefused = error instanceof ClaudeError && error.status === 400 && (built?.files ?? 0) > 0;
      return this.#reply(message, channel, {
        role: 'notice',
        text: fileRefused ? notices.fileRejected() : notices.claudeUnavailable(),
        inboundStatus: 'failed',
        error: reason,
      });
    } finally {
      stopTyping();
    }
    const parts = [result.text || notices.emptyReply()];
    if (result.awaiting.length > 0) parts.push(confirmationPrompt(result.awaiting, result.untrusted.seen));
    return this.#reply(message, channel, {
      role: 'assistant',
      text: parts.join('\n\n'),
      inboundStatus: 'answered',
      ...(result.usage ? { usage: result.usage } : {}),
      toolCalls: result.toolCalls,
      requests: result.calls,
      untrusted: result.untrusted.found,
    });
  }

  async #pair(message: ClaimedInbound, channel: Channel): Promise<void> {
    const { pairing, created } = await ensurePairing(this.deps.db, {
      channel: message.channel,
      external_id: message.contact.external_id,
      chat_id: message.chat_id,
      name: message.contact.name,
    });
    // The code is the stranger's key to the owner's approval: not in the log at info.
    this.deps.log.info({ channel: message.channel, created }, 'message from an unknown sender');
    this.deps.log.debug({ channel: message.channel, code: pairing.code }, 'pairing code');
    if (!created) return setInboundStatus(this.deps.db, message.id, 'ignored');
    return this.#reply(message, channel, {
      role: 'notice',
      text: notices.pairingCode(pairing.code),
      inboundStatus: 'ignored',
    });
  }

  async #reply(
    message: ClaimedInbound,
    channel: Channel,
    reply: Pick<
      Parameters<typeof recordReply>[1],
      'role' | 'text' | 'inboundStatus' | 'error' | 'usage' | 'toolCalls' | 'requests' | 'untrusted'
    >,
  ): Promise<void> {
    if (this.deps.room) {
      await this.deps.room(this.#shutdown.signal);
      if (this.#shutdown.signal.aborted) return; // stays 'processing': answered at the next start
    }
    const stored = await recordReply(this.deps.db, {
      inbound: message.id,
      conversation: message.conversation,
      channel: channel.name,
      ...reply,
    });
    // undefined: the owner stepped into the conversation meanwhile, and the message is theirs to answer.
    if (stored?.status === 'pending') await this.#deliver(stored, message.chat_id);
  }

  /** True while a reply waits to be sent or is being sent (so a retry watch never starts a second delivery). */
  isDelivering(id: RecordId): boolean {
    return this.#delivering.has(id.toString());
  }

  async #deliver(message: MessageRecord, chatId: string, reserved = false): Promise<void> {
    const key = message.id.toString();
    if (!reserved) {
      if (this.#delivering.has(key)) return;
      this.#delivering.add(key);
    }
    try {
      await this.#sendParts(message, chatId);
    } finally {
      this.#delivering.delete(key);
    }
  }

  async #sendParts(message: MessageRecord, chatId: string): Promise<void> {
    const { db, log } = this.deps;
    const channel = this.deps.channels.get(message.channel);
    if (!channel)
      return markOutboundFailed(db, message.id, `The ${message.channel} channel is not configured.`);
    const parts = splitMessage(message.text, channel.maxMessageLength);
    const sending = this.deps.delivery.start(message, channel, chatId, this.#shutdown.signal);
    for (let index = message.parts_sent ?? 0; index < parts.length; index++) {
      let externalId: string;
      try {
        externalId = await sending.send(parts[index]!);
      } catch (error) {
        if (this.#shutdown.signal.aborted) return; // stays pending: sent at the next start
        const reason = errorMessage(error);
        await markOutboundFailed(db, message.id, reason);
        log.error({ message: message.id.toString(), reason }, 'reply could not be sent');
        return;
      }
      // Nothing may come between the send and this mark: it is the one window where a crash leaves the reply's
      // fate unknown (see delivery/in-flight.ts).
      await recordDelivery(db, message.id, {
        partsSent: index + 1,
        done: index === parts.length - 1,
        externalId,
      });
    }
  }
}
