// What a turn does with a stored inbound message, as a plain function over plain facts: the ladder from a stranger
// (a pairing code) to an answer by Claude. The turn runner gathers the facts and carries out the decision.
import type { BudgetState } from '../budget/budget.ts';
import { type Command, parseCommand } from '../commands/owner-commands.ts';

export interface TurnMessage {
  text: string;
  /** False for media the model cannot read. */
  readable: boolean;
}

export interface TurnFacts {
  /** The message's channel is configured in this agent. */
  channelConfigured: boolean;
  /** The sender may reach the model: an allowlist id or an approved pairing. */
  allowed: boolean;
  isOwner: boolean;
  claudeConfigured: boolean;
  paused: boolean;
  budget: BudgetState;
}

export type TurnDecision =
  | { kind: 'channel-missing' }
  | { kind: 'pair' }
  | { kind: 'unreadable' }
  /** The owner's commands are answered by MONO itself: they work when paused, over budget or without Claude. */
  | { kind: 'command'; command: Command }
  | { kind: 'no-claude' }
  | { kind: 'paused' }
  | { kind: 'over-budget'; state: Extract<BudgetState, { over: true }> }
  | { kind: 'answer' };

export function decideTurn(message: TurnMessage, facts: TurnFacts): TurnDecision {
  if (!facts.channelConfigured) return { kind: 'channel-missing' };
  if (!facts.allowed) return { kind: 'pair' };
  if (!message.readable) return { kind: 'unreadable' };
  const command = facts.isOwner ? parseCommand(message.text) : undefined;
  if (command) return { kind: 'command', command };
  if (!facts.claudeConfigured) return { kind: 'no-claude' };
  if (facts.paused) return { kind: 'paused' };
  if (facts.budget.over) return { kind: 'over-budget', state: facts.budget };
  return { kind: 'answer' };
}
