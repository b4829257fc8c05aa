// Sends replies that someone else put back to "pending" while the agent runs: the desktop's "Send again" on a
// failed reply. (The agent's own pending replies are sent by the turn runner; at start, resume() sends the rest.)
import { and, eq, type RecordId, type Surreal, Table } from 'surrealdb';
import type { Logger } from '../log/logger.ts';
import type { MessageRecord } from '../store/messages.ts';
import type { TurnRunner } from './turns.ts';

export class PendingReplyWatcher {
  #kill: (() => Promise<void>) | undefined;

  constructor(
    private readonly db: Surreal,
    private readonly runner: TurnRunner,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    try {
      // Filtered in the engine: only outbound replies that are pending, not every message write.
      const live = await this.db
        .live(new Table('message'))
        .where(and(eq('direction', 'out'), eq('status', 'pending')));
      this.#kill = () => live.kill();
      (async () => {
        for await (const change of live) {
          const row = change.value as { direction?: string; status?: string } | undefined;
          // CREATE is the runner's own new reply; an UPDATE back to pending is a retry from outside.
          if (change.action !== 'UPDATE' || row?.direction !== 'out' || row.status !== 'pending') continue;
          if (this.runner.isDelivering(change.recordId)) continue;
          void this.#resend(change.recordId).catch((error) =>
            this.log.warn({ err: error, message: change.recordId.toString() }, 'could not resend a reply'),
          );
        }
      })().catch((error) => this.log.warn({ err: error }, 'pending-reply watch ended'));
    } catch (error) {
      this.log.warn({ err: error }, 'cannot watch replies live; a retried reply is sent at the next start');
    }
  }

  async stop(): Promise<void> {
    await this.#kill?.();
  }

  async #resend(id: RecordId): Promise<void> {
    // Notifications can arrive late and out of order: act on the row as it is now.
    const [row] = await this.db
      .query<[(MessageRecord & { chat_id?: string }) | undefined]>(
        'SELECT *, conversation.chat_id AS chat_id FROM ONLY $id',
        { id },
      )
      .collect();
    if (row?.status !== 'pending' || !row.chat_id || this.runner.isDelivering(id)) return;
    this.log.info({ message: id.toString() }, 'sending a reply again on request');
    this.runner.deliver(row, row.chat_id);
  }
}
