// agent_status:current is what the desktop shows (who owns the agent, channel states): a write of an older state
// must never land after a newer one, and a failed write must not leave the row stale.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Surreal } from 'surrealdb';
import { silentLogger } from '../../../agent-core/log/logger.ts';
import { AGENT_STATUS_ID, AgentStatus } from '../../../agent-core/store/agent-status.ts';
import { datastoreWithSchema } from '../../helpers/schema-datastore.ts';

const store = datastoreWithSchema();

/**
 * The real datastore, except that the next write is held until `release()`: what a busy engine does to one of two
 * writes sent at once (either may commit first).
 */
function holdingNextWrite(db: Surreal) {
  let holdNext = false;
  let release: () => void = () => {};
  const facade = {
    query(...args: Parameters<Surreal['query']>) {
      if (!holdNext) return db.query(...args);
      holdNext = false;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      return {
        collect: async () => {
          await gate;
          return db.query(...args).collect();
        },
      };
    },
  } as unknown as Surreal;
  return { facade, holdNext: () => (holdNext = true), release: () => release() };
}

async function hasOwner(db: Surreal): Promise<unknown> {
  const [value] = await db.query<[unknown]>('RETURN $id.has_owner', { id: AGENT_STATUS_ID }).collect();
  return value;
}

test('a claim while a heartbeat is still being written: the row ends with the owner', async () => {
  const { db } = store;
  const held = holdingNextWrite(db);
  let owned = false;
  const status = new AgentStatus(held.facade, '1.0.0', new Map(), silentLogger, () => owned);
  await status.start();
  assert.equal(await hasOwner(db), false);

  held.holdNext();
  const heartbeat = status.beat(); // reads "no owner", its write held by the engine
  owned = true; // the claim commits
  const afterClaim = status.beat();
  await new Promise((resolve) => setTimeout(resolve, 50));
  held.release();
  await Promise.all([heartbeat, afterClaim]);
  assert.equal(await hasOwner(db), true, 'the newer state is the one that stays');
  await status.stop();
});

test('a failed write is written in full by the next beat', async () => {
  const { db } = store;
  let failNext = false;
  const failing = {
    query(...args: Parameters<Surreal['query']>) {
      if (!failNext) return db.query(...args);
      failNext = false;
      return { collect: async () => Promise.reject(new Error('the disk said no')) };
    },
  } as unknown as Surreal;
  let owned = false;
  const status = new AgentStatus(failing, '1.0.0', new Map(), silentLogger, () => owned);
  await status.start();
  owned = true;
  failNext = true;
  await assert.rejects(status.beat(), /the disk said no/);
  await status.beat();
  assert.equal(await hasOwner(db), true, 'the owner reached the row after the failed write');
  await status.stop();
});
