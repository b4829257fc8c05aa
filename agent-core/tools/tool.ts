// The shape of a tool Claude can call (jobs, memory, messaging, email…). Tools are plain objects collected in
// one list and handed to the turn runner; each feature folder exports its own.
import type Anthropic from '@anthropic-ai/sdk';
import type { RecordId, Surreal } from 'surrealdb';
import type { Taint, UntrustedKind } from '../agent/untrusted.ts';
import type { ChannelName } from '../contract/tables.ts';
import type { Logger } from '../log/logger.ts';

export interface ToolContext {
  db: Surreal;
  log: Logger;
  /** The conversation the turn belongs to, and who is talking. */
  conversation: RecordId;
  channel: ChannelName;
  chatId: string;
  /** True when the person talking is the owner (an explicit allowlist id), not a paired guest. */
  isOwner: boolean;
  now: Date;
  /** The untrusted content the turn has seen (agent/untrusted.ts); absent: none (e.g. the owner's /yes). */
  taint?: Taint;
  signal?: AbortSignal;
}

export interface ToolResult {
  /** What Claude reads back (JSON-serialisable). */
  content: unknown;
  /** Files Claude sees with the result (a mail's image and PDF attachments), after the content. */
  blocks?: (Anthropic.ImageBlockParam | Anthropic.DocumentBlockParam)[];
  isError?: boolean;
  /** The content carries third-party text (an email body…): the rest of the turn is tainted. */
  untrusted?: UntrustedKind;
}

export interface AgentTool {
  name: string;
  /** What Claude reads to decide when to use the tool. */
  description: string;
  /** JSON Schema of the input object (the Messages API `input_schema`). */
  inputSchema: { type: 'object'; properties: Record<string, unknown>; required?: string[] };
  /**
   * The tool acts outside MONO (sends an email, a message to someone else…): the agent asks the owner and
   * runs it only after they confirm (a /yes in the chat). A function decides per call (e.g. a message to the
   * owner needs no confirmation, one to someone else does).
   */
  needsConfirmation?: boolean | ((input: Record<string, unknown>, context: ToolContext) => boolean);
  /** One line the owner reads when asked to confirm ("Send an email to ada@example.com: …"). */
  describeAction?(input: Record<string, unknown>): string;
  /** Only the owner may use it (guests never see it). */
  ownerOnly?: boolean;
  /**
   * Only reads (the time, a list, a search): it may run after untrusted content entered the turn. Every other
   * tool changes state or spends, and then waits for the owner's /yes (agent/untrusted.ts).
   */
  readOnly?: boolean;
  run(input: Record<string, unknown>, context: ToolContext): Promise<ToolResult>;
}
