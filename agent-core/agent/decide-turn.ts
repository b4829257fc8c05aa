// What a turn does with a stored inbound message, as a plain function over plain facts: the ladder from a claim
// code and a stranger (a pairing code) to an answer by Claude. The turn runner gathers the facts and carries out
// the decision.
import type { BudgetState } from '../budget/budget.ts';
import { type Command, parseCommand } from '../commands/owner-commands.ts';
import type { ClaimOutcome } from '../store/owners.ts';

/** What the message's claim code did, when it carried one (contract/owners.ts). */
export type ClaimFact = ClaimOutcome | 'already-owner';

export interface TurnMessage {
  text: string;
  /** False for media the model cannot read. */
  readable: boolean;
}

export interface TurnFacts {
  /** The message's channel is configured in this agent. */
  channelConfigured: boolean;
  /** The message was a claim code, and what using it did. */
  claim?: ClaimFact;
  /**
   * The owner stepped into this conversation and is answering it themselves (its quiet time is not over): MONO
   * stays out of it.
   */
  ownerAnswering: boolean;
  /** Somebody owns this agent (allowlist ids, owner_chat, or a claimed account). */
  hasOwner: boolean;
  /** The sender may reach the model: an allowlist id or an approved pairing. */
  allowed: boolean;
  isOwner: boolean;
  claudeConfigured: boolean;
  paused: boolean;
  budget: BudgetState;
}

export type TurnDecision =
  | { kind: 'channel-missing' }
  | { kind: 'claim'; outcome: ClaimFact }
  /**
   * The owner is answering this conversation themselves: the message is stored and shown, and left to them — not
   * answered now, and not after MONO resumes either (the owner has seen it; MONO answers what comes after).
   */
  | { kind: 'owner-answering' }
  /** Nobody owns the agent yet: everyone is told it is not set up (no pairing code, no Claude). */
  | { kind: 'unclaimed' }
  | { kind: 'pair' }
  | { kind: 'unreadable' }
  /** The owner's commands are answered by MONO itself: they work when paused, over budget or without Claude. */
  | { kind: 'command'; command: Command }
  | { kind: 'no-claude' }
  /** Paused: the message waits and is answered on resume. */
  | { kind: 'hold' }
  | { kind: 'over-budget'; state: Extract<BudgetState, { over: true }> }
  | { kind: 'answer' };

export function decideTurn(message: TurnMessage, facts: TurnFacts): TurnDecision {
  if (!facts.channelConfigured) return { kind: 'channel-missing' };
  if (facts.claim) return { kind: 'claim', outcome: facts.claim };
  if (facts.ownerAnswering) return { kind: 'owner-answering' };
  // The desktop's chat is the owner's even before anyone claimed the agent (only the owner's desktop writes it).
  if (!facts.hasOwner && !facts.isOwner) return { kind: 'unclaimed' };
  if (!facts.allowed && !facts.isOwner) return { kind: 'pair' };
  if (!message.readable) return { kind: 'unreadable' };
  const command = facts.isOwner ? parseCommand(message.text) : undefined;
  if (command) return { kind: 'command', command };
  if (!facts.claudeConfigured) return { kind: 'no-claude' };
  if (facts.paused) return { kind: 'hold' };
  if (facts.budget.over) return { kind: 'over-budget', state: facts.budget };
  return { kind: 'answer' };
}
