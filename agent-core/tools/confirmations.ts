// Tool calls that must wait for the owner — effects outside MONO, or any tool that changes state or spends once
// untrusted content is in the turn (agent/untrusted.ts) — are stored as `action` rows and run only on the owner's
// /yes in the same conversation (a command MONO handles itself, so no prompt can confirm on their behalf).
import { type RecordId, StringRecordId, type Surreal } from 'surrealdb';
import { describeKinds, type UntrustedKind } from '../agent/untrusted.ts';
import type { AgentTool, ToolContext } from './tool.ts';

export interface PendingAction {
  id: RecordId;
  tool: string;
  input: Record<string, unknown>;
  summary: string;
}

/** A /yes confirms what was asked recently, never something forgotten from last week. */
const MAX_AGE = '1d';

/**
 * The owner moved on (wrote something else instead of /yes or /no): what was waiting is cancelled, so a later
 * /yes can only confirm what was asked right before it.
 */
export async function cancelPendingActions(db: Surreal, conversation: RecordId): Promise<void> {
  await db
    .query(
      `UPDATE action SET status = 'cancelled', decided_at = time::now(), result = 'Not confirmed.'
       WHERE conversation = $conversation AND status = 'pending'`,
      { conversation },
    )
    .collect();
}

export function needsConfirmation(tool: AgentTool, input: Record<string, unknown>, context: ToolContext) {
  const rule = tool.needsConfirmation;
  return typeof rule === 'function' ? rule(input, context) : rule === true;
}

/**
 * What the owner is asked to confirm. A tool's own description is shown whole (the owner confirms exactly
 * what will be sent, however long); only the generic fallback is shortened.
 */
export function describeAction(tool: AgentTool, input: Record<string, unknown>): string {
  const described = tool.describeAction?.(input);
  if (described) return described;
  const text = `${tool.name} ${JSON.stringify(input)}`;
  return text.length > 300 ? `${text.slice(0, 299)}…` : text;
}

export async function requestConfirmation(
  db: Surreal,
  conversation: RecordId,
  tool: AgentTool,
  input: Record<string, unknown>,
): Promise<PendingAction> {
  const summary = describeAction(tool, input);
  const [rows] = await db
    .query<[PendingAction[]]>(
      `CREATE action CONTENT { conversation: $conversation, tool: $tool, input: $input, summary: $summary,
         status: 'pending', created_at: time::now() } RETURN id, tool, input, summary`,
      { conversation, tool: tool.name, input, summary },
    )
    .collect();
  return rows[0]!;
}

/** What the owner reads; `untrusted`: the kinds of untrusted content in the turn, said as the reason to ask. */
export function confirmationPrompt(
  actions: PendingAction[],
  untrusted: readonly UntrustedKind[] = [],
): string {
  const lines = actions.map((action) => `• ${action.summary}`).join('\n');
  const why =
    untrusted.length > 0
      ? `This conversation holds content I cannot trust (${describeKinds(untrusted)}), so I do nothing on my own. `
      : '';
  return `${why}Before I do this, please confirm:\n${lines}\nReply /yes to go ahead or /no to cancel.`;
}

/**
 * The owner's answer: each pending action of the conversation is claimed (so it runs at most once) and run
 * on yes, or cancelled on no. Resolves to one line per action for the reply.
 */
export async function decideActions(
  db: Surreal,
  conversation: RecordId,
  approve: boolean,
  tools: ReadonlyMap<string, AgentTool>,
  context: ToolContext,
): Promise<string[]> {
  const [claimed] = await db
    .query<[PendingAction[]]>(
      `UPDATE action SET status = $status, decided_at = time::now()
       WHERE conversation = $conversation AND status = 'pending' AND created_at > time::now() - ${MAX_AGE}
       RETURN id, tool, input, summary`,
      { conversation, status: approve ? 'done' : 'cancelled' },
    )
    .collect();
  const lines: string[] = [];
  for (const action of claimed) {
    if (!approve) {
      lines.push(`Cancelled: ${action.summary}`);
      continue;
    }
    const tool = tools.get(action.tool);
    let result: string;
    let failed = false;
    try {
      if (!tool) throw new Error(`the tool ${action.tool} is no longer available`);
      const outcome = await tool.run(action.input, context);
      failed = outcome.isError === true;
      result = typeof outcome.content === 'string' ? outcome.content : JSON.stringify(outcome.content);
    } catch (error) {
      failed = true;
      result = error instanceof Error ? error.message : String(error);
    }
    await db
      .query('UPDATE $id SET status = $status, result = $result', {
        id: new StringRecordId(String(action.id)),
        status: failed ? 'failed' : 'done',
        result: result.slice(0, 2000),
      })
      .collect();
    lines.push(`${failed ? 'Failed' : 'Done'}: ${action.summary}${failed ? ` (${result})` : ''}`);
  }
  return lines;
}
