// Sends what the desktop stored for sending: a failed reply it set back to pending ("Send again"), or a message the
// owner wrote to a contact themselves (contract/desktop-chat.ts). Each comes with a `retry_request`, which this
// watches live. (The agent's own pending replies are sent by the turn runner; at start, resume() sends whatever is
// pending, so requests left from before are simply cleared.)
import { type RecordId, type Surreal, Table } from 'surrealdb';
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
    await this.db.query('DELETE retry_request').collect();
    try {
      const live = await this.db.live(new Table('retry_request'));
      this.#kill = () => live.kill();
      (async () => {
        for await (const change of live) {
          const message = (change.value as { message?: RecordId } | undefined)?.message;
          if (change.action !== 'CREATE' || !message) continue;
          void this.#resend(change.recordId, message).catch((error) =>
            this.log.warn({ err: error, message: message.toString() }, 'could not resend a reply'),
          );
        }
      })().catch((error) => this.log.warn({ err: error }, 'retry watch ended'));
    } catch (error) {
      this.log.warn(
        { err: error },
        'cannot watch retry requests live; a retried reply is sent at the next start',
      );
    }
  }

  async stop(): Promise<void> {
    await this.#kill?.();
  }

  async #resend(request: RecordId, id: RecordId): Promise<void> {
    const [, row] = await this.db
      .query<[unknown, (MessageRecord & { chat_id?: string }) | undefined]>(
        'DELETE $request; SELECT *, conversation.chat_id AS chat_id FROM ONLY $id;',
        { request, id },
      )
      .collect();
    if (row?.status !== 'pending' || row.direction !== 'out' || !row.chat_id) return;
    this.log.info({ message: id.toString() }, 'sending a reply again on request');
    this.runner.deliver(row, row.chat_id);
  }
}
