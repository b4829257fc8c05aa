// A hundred things racing the daily cap at once, through the built agent: 80 messages from 80 chats, 10 jobs
// and 10 stored hook events, all waiting when the agent starts, with Claude taking its time. Every call reserves
// its worst case first, so the spending stops at the cap instead of 100 calls going out together; contacts who
// were not answered hear why, and everything is settled exactly once. The figures are printed for the report.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AgentNotRunningError } from '../../../agent-core/hub/local-client.ts';
import type { MessagesRequest } from '../../fakes/anthropic-types.ts';
import { agentEnv } from '../../helpers/agent-env.ts';
import { AgentProcess } from '../../helpers/agent-process.ts';
import { AgentWithFakes } from '../../helpers/agent-with-fakes.ts';
import { queryDataDir, queryRunningAgent } from '../../helpers/inspect-datastore.ts';
import { allowTimeForDuplicates, eventually, sleep } from '../../helpers/wait.ts';

const CAP_USD = 0.5;
const CHATS = 80;
const JOBS = 10;
const EVENTS = 10;
// About 1,500 output tokens a reply: $0.0225 at Sonnet's $15 per million, plus input. A reservation (all of
// max_tokens) is about $0.066, so at most 7 calls fit the cap at once.
const LONG_REPLY = 'All good. '.repeat(600);

describe('100 turns, jobs and hook events racing the cap', { timeout: 180_000 }, () => {
  const { telegram, anthropic, data } = new AgentWithFakes();
  let inFlight = 0;
  let maxInFlight = 0;
  let agent: AgentProcess;

  before(async () => {
    await telegram.start();
    await anthropic.start();
    anthropic.respond = async (_request: MessagesRequest) => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await sleep(300);
      inFlight -= 1;
      return { text: LONG_REPLY };
    };
    const env = agentEnv(
      data.dir,
      { telegram, anthropic },
      {
        MONO_ALLOW_TELEGRAM: '*',
        MONO_OWNER_CHAT: 'telegram:1',
        MONO_JOB_TICK_MS: '200',
        MONO_HOOK_SECRET_RACE: 'race-hook-secret-0123456789',
      },
    );
    // A first start creates the schema; the work is written while the agent is down.
    await (await new AgentProcess(env).start()).stop();
    const now = Date.now();
    const jobs = Array.from(
      { length: JOBS },
      (_, i) =>
        `CREATE job CONTENT { name: 'Race ${i}', prompt: 'Report ${i}.', run_at: d'${new Date(now - 5000).toISOString()}',
           timezone: 'UTC', conversation: conversation:⟨telegram:1⟩, enabled: true,
           created_at: d'${new Date(now - 60_000).toISOString()}' };`,
    );
    const events = Array.from(
      { length: EVENTS },
      (_, i) =>
        `CREATE event CONTENT { source: 'race', external_id: 'e${i}', type: 'ping', payload: { n: ${i} },
           status: 'received', received_at: time::now() };`,
    );
    await queryDataDir(
      data.dir,
      `UPSERT setting:budget_daily_usd SET key = 'budget_daily_usd', value = ${CAP_USD};
       UPSERT setting:hooks SET key = 'hooks', value = { race: { auth: 'bearer' } };
       UPSERT conversation:⟨telegram:1⟩ SET channel = 'telegram', chat_id = '1', title = 'Owner';
       ${jobs.join('\n')}
       ${events.join('\n')}`,
    );
    for (let chat = 1001; chat < 1001 + CHATS; chat++)
      telegram.sendText({ chatId: chat, userId: chat, text: `question from ${chat}` });
    agent = await new AgentProcess(env).start();
  });

  after(async () => {
    await agent?.stop();
    await telegram.close();
    await anthropic.close();
    data.remove();
  });

  test('the spending stops at the cap; nothing is lost, nothing answered twice', async () => {
    await eventually(
      () =>
        queryRunningAgent<
          [{ messages: number; runs: number; events: number; outbound: number; started: number }]
        >(
          data.dir,
          `RETURN {
             messages: count((SELECT id FROM message WHERE direction = 'in' AND status IN ['received', 'processing'])),
             runs: count((SELECT id FROM job_run WHERE status = 'running')),
             events: count((SELECT id FROM event WHERE status = 'received')),
             outbound: count((SELECT id FROM message WHERE direction = 'out' AND status = 'pending')),
             started: count((SELECT id FROM job_run))
           };`,
        )
          .then(([open]) => {
            return open.messages + open.runs + open.events + open.outbound === 0 && open.started === JOBS;
          })
          .catch((error: unknown) => {
            // The hub shares the busy agent's event loop: a slow connect is asked again (a dead agent times out).
            if (error instanceof AgentNotRunningError) return false;
            throw error;
          }),
      'every message, job and event settled, every reply sent',
      90_000,
    );
    await allowTimeForDuplicates();
    await agent.stop();
    const [[usage], inbound, runs, events] = await queryDataDir<
      [
        { cost: number; requests: number }[],
        { status: string; answered: number }[],
        { status: string; n: number }[],
        { status: string; n: number }[],
      ]
    >(
      data.dir,
      `SELECT math::sum(cost_usd) AS cost, math::sum(requests) AS requests FROM usage GROUP ALL;
       SELECT status, count() AS answered FROM message WHERE direction = 'in' GROUP BY status;
       SELECT status, count() AS n FROM job_run GROUP BY status;
       SELECT status, count() AS n FROM event GROUP BY status;`,
    );
    const calls = anthropic.requests.length;
    const spent = usage?.cost ?? 0;
    const perCall = spent / Math.max(1, calls);
    const figures = {
      racing: CHATS + JOBS + EVENTS,
      claude_calls: calls,
      max_calls_in_flight: maxInFlight,
      spent_usd: Number(spent.toFixed(4)),
      cap_usd: CAP_USD,
      without_reservations_usd: Number((perCall * (CHATS + JOBS + EVENTS)).toFixed(4)),
      messages: Object.fromEntries(inbound.map((r) => [r.status, r.answered])),
      job_runs: Object.fromEntries(runs.map((r) => [r.status, r.n])),
      events: Object.fromEntries(events.map((r) => [r.status, r.n])),
    };
    console.log(`budget race: ${JSON.stringify(figures)}`);

    assert.ok(spent <= CAP_USD, `spent $${spent} of a $${CAP_USD} cap`);
    assert.ok(spent >= CAP_USD - 0.1, `went on while calls fit ($${spent})`);
    assert.ok(calls < (CHATS + JOBS + EVENTS) / 2, `${calls} calls: the cap stopped the rest`);
    assert.ok(maxInFlight <= 7, `${maxInFlight} calls at once: no more than the cap holds worst cases`);
    assert.equal(usage?.requests, calls, 'every call is in the usage record');

    // Exactly once: every message settled, one reply each at most, the unanswered contacts told why.
    const answered = figures.messages.answered ?? 0;
    const refused = figures.messages.failed ?? 0;
    assert.equal(answered + refused, CHATS);
    const byChat = new Map<string, string[]>();
    for (const sent of telegram.sent) {
      const key = String(sent.chat_id);
      byChat.set(key, [...(byChat.get(key) ?? []), sent.text]);
    }
    for (let chat = 1001; chat < 1001 + CHATS; chat++) {
      const texts = byChat.get(String(chat)) ?? [];
      const notices = texts.filter((text) => text.includes("my owner's usage limit"));
      const replies = texts.filter((text) => text.startsWith('All good.'));
      assert.ok(
        (notices.length === 1 && replies.length === 0) || (notices.length === 0 && replies.length >= 1),
        `chat ${chat}: ${texts.length} messages`,
      );
    }
    assert.equal(
      (figures.job_runs.ok ?? 0) + (figures.job_runs.failed ?? 0),
      JOBS,
      'each job ran or was skipped once',
    );
    assert.equal((figures.events.processed ?? 0) + (figures.events.failed ?? 0), EVENTS);
    const ownerNotices = (byChat.get('1') ?? []).filter((text) => text.includes('reached your daily budget'));
    assert.equal(ownerNotices.length, 1, 'the owner is told once');
  });
});
