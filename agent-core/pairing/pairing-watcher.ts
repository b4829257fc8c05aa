// Tells people when the owner approved their pairing code: once, also when the approval happened while the
// agent was down (the `notified` flag is the record of having told them).
import { type Surreal, Table } from 'surrealdb';
import * as notices from '../agent/notices.ts';
import type { TurnRunner } from '../agent/turns.ts';
import type { Logger } from '../log/logger.ts';
import { recordDecisionNotice, undeliveredDecisions } from './pairing.ts';

export class PairingWatcher {
  #kill: (() => Promise<void>) | undefined;
  #running = Promise.resolve();

  constructor(
    private readonly db: Surreal,
    private readonly runner: TurnRunner,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    await this.#notifyApproved();
    try {
      const live = await this.db.live(new Table('pairing'));
      this.#kill = () => live.kill();
      (async () => {
        for await (const change of live) {
          if (change.action === 'UPDATE' && change.value?.status === 'approved') {
            this.#running = this.#running.then(() => this.#notifyApproved());
          }
        }
      })().catch((error) => this.log.warn({ err: error }, 'pairing watch ended'));
    } catch (error) {
      this.log.warn({ err: error }, 'cannot watch pairings live; approvals are announced at the next start');
    }
  }

  async stop(): Promise<void> {
    await this.#kill?.();
    await this.#running;
  }

  async #notifyApproved(): Promise<void> {
    try {
      for (const pairing of await undeliveredDecisions(this.db)) {
        const notice = await recordDecisionNotice(this.db, pairing, notices.pairingApproved());
        if (notice) this.runner.deliver(notice, pairing.chat_id);
        this.log.info({ channel: pairing.channel }, 'pairing approved; sender told');
      }
    } catch (error) {
      this.log.warn({ err: error }, 'could not announce approved pairings');
    }
  }
}
