// The scheduler against a wall clock that jumps (NTP stepping it after a suspended VM, or a bad time source):
// an hour forward and an hour back neither fires a slot twice nor skips one; slots the clock jumped over follow
// the usual catch-up rule (the latest, once, marked late). Real datastore and real Claude client (fake server).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RecordId } from 'surrealdb';
import { Assistant } from '../../../agent-core/agent/assistant.ts';
import { createClaudeClient } from '../../../agent-core/agent/claude.ts';
import { Owner } from '../../../agent-core/agent/owner.ts';
import { Settings } from '../../../agent-core/agent/settings.ts';
import { BudgetGuard } from '../../../agent-core/budget/guard.ts';
import { Secret } from '../../../agent-core/config/secret.ts';
import { Scheduler } from '../../../agent-core/jobs/scheduler.ts';
import { silentLogger } from '../../../agent-core/log/logger.ts';
import type { MessageRecord } from '../../../agent-core/store/messages.ts';
import { FAKE_ANTHROPIC_KEY, FakeAnthropic } from '../../fakes/anthropic-server.ts';
import { datastoreWithSchema } from '../../helpers/schema-datastore.ts';
import { eventually } from '../../helpers/wait.ts';

const store = datastoreWithSchema();
const at = (iso: string) => new Date(`2026-03-02T${iso}:00Z`);

describe('the scheduler when the clock jumps', () => {
  const anthropic = new FakeAnthropic();
  const delivered: string[] = [];
  let now = at('08:50');
  let scheduler: Scheduler;

  before(async () => {
    await anthropic.start();
    const { db } = store;
    const settings = new Settings(db, silentLogger);
    await settings.load();
    const owner = new Owner(new Map([['telegram', { everyone: false, ids: new Set(['1']) }]]), settings, {
      timezone: 'UTC',
    });
    const assistant = new Assistant({
      db,
      log: silentLogger,
      claude: createClaudeClient({
        apiKey: new Secret(FAKE_ANTHROPIC_KEY),
        baseUrl: anthropic.url,
        model: 'claude-test',
      }),
      settings,
      owner,
      budget: new BudgetGuard(db, settings),
      tools: () => [],
      deliver: (message: MessageRecord) => delivered.push(message.text),
    });
    await db
      .query(
        `UPSERT conversation:⟨telegram:1⟩ SET channel = 'telegram', chat_id = '1', title = 'Owner';
         CREATE job:daily CONTENT { name: 'Daily', prompt: 'daily', cron: '0 9 * * *', timezone: 'UTC',
           conversation: conversation:⟨telegram:1⟩, enabled: true, created_at: $created };
         CREATE job:quarter CONTENT { name: 'Quarter', prompt: 'quarter', interval_s: 900, timezone: 'UTC',
           conversation: conversation:⟨telegram:1⟩, enabled: true, created_at: $created };
         CREATE job:once CONTENT { name: 'Once', prompt: 'once', run_at: $once, timezone: 'UTC',
           conversation: conversation:⟨telegram:1⟩, enabled: true, created_at: $created };`,
        { created: at('08:00'), once: at('09:30') },
      )
      .collect();
    scheduler = new Scheduler({
      db,
      log: silentLogger,
      assistant,
      deliver: (message) => delivered.push(message.text),
      // Ticks are driven by the test; the timer never fires during it.
      tickMs: 3_600_000,
      lateAfterMs: 120_000,
      now: () => now,
    });
    await scheduler.start();
    await settings.close();
  });
  after(async () => {
    await scheduler.stop(1000);
    await anthropic.close();
  });

  const runs = async () => {
    const [rows] = await store.db
      .query<[{ job: RecordId; slot: Date; late: boolean; status: string }[]]>(
        'SELECT job, slot, late, status FROM job_run ORDER BY slot',
      )
      .collect();
    return rows.map(
      (r) => `${String(r.job.id)}@${r.slot.toISOString().slice(11, 16)}${r.late ? ' late' : ''}`,
    );
  };
  const settle = () =>
    eventually(async () => {
      const [rows] = await store.db
        .query<[unknown[]]>("SELECT id FROM job_run WHERE status = 'running'")
        .collect();
      return rows.length === 0;
    }, 'the runs to finish');
  const tickAt = async (iso: string) => {
    now = at(iso);
    await scheduler.tick();
    await settle();
  };

  test('an hour forward, then an hour back, then real time catching up: every slot once, none twice', async () => {
    await tickAt('08:50');
    assert.deepEqual(
      await runs(),
      ['quarter@08:45 late'],
      'start: the interval job catches up its last slot',
    );

    // NTP steps the clock an hour forward: the slots it jumped over are due now, by the usual rule.
    await tickAt('09:50');
    assert.deepEqual(await runs(), [
      'quarter@08:45 late',
      'daily@09:00 late',
      'once@09:30 late',
      'quarter@09:45 late',
    ]);

    // And back by an hour (the jump was wrong): nothing runs again, however the clock moves through it.
    for (const time of ['08:55', '09:00', '09:15', '09:30', '09:45', '09:55']) await tickAt(time);
    assert.equal((await runs()).length, 4, 'no slot ran a second time');

    // Time moves on from there: the next slots run on time, once each.
    await tickAt('10:00');
    await tickAt('10:05');
    assert.deepEqual((await runs()).slice(4), ['quarter@10:00']);
    await tickAt('10:15');
    assert.deepEqual((await runs()).slice(4), ['quarter@10:00', 'quarter@10:15']);
    assert.equal(delivered.length, 6, 'one answer per run');
  });
});
