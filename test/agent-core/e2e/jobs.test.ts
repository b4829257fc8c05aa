// Jobs across stops and crashes, through the built agent: a reminder due while the agent was down fires once at
// start, marked late; a recurring job that missed many slots catches up once; a run cut by kill -9 is finished
// after the restart and its answer delivered exactly once (a unique index on (job, slot) forbids a second run).
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { FakeAnthropic } from '../../fakes/anthropic-server.ts';
import { echoResponder, lastUserText } from '../../fakes/anthropic-types.ts';
import { FakeTelegram } from '../../fakes/telegram-server.ts';
import { agentEnv } from '../../helpers/agent-env.ts';
import { AgentProcess, tempDataDir } from '../../helpers/agent-process.ts';
import { queryDataDir } from '../../helpers/inspect-datastore.ts';
import { allowTimeForDuplicates, sleep } from '../../helpers/wait.ts';
import { isToolResult, localIso } from '../jobs/harness.ts';

const OWNER = 4201;
const CONVERSATION = `conversation:⟨telegram:${OWNER}⟩`;

describe('jobs across restarts', { timeout: 120_000 }, () => {
  const telegram = new FakeTelegram();
  const anthropic = new FakeAnthropic();
  const data = tempDataDir();
  let agent: AgentProcess | undefined;
  const start = () =>
    new AgentProcess(
      agentEnv(
        data.dir,
        { telegram, anthropic },
        {
          MONO_ALLOW_TELEGRAM: String(OWNER),
          MONO_TIMEZONE: 'UTC',
          MONO_JOB_TICK_MS: '200',
          MONO_JOB_LATE_AFTER_S: '1',
        },
      ),
    ).start();
  const forOwner = () => telegram.sent.filter((s) => String(s.chat_id) === String(OWNER));

  before(async () => {
    await telegram.start();
    await anthropic.start();
    anthropic.respond = (request) => {
      const text = lastUserText(request);
      const job = /\[Scheduled job "([^"]+)"/.exec(text);
      if (job) return { text: `Job says: ${job[1]}` };
      if (isToolResult(request)) return { text: 'Reminder set.' };
      if (text.includes('remind me')) {
        const runAt = localIso(new Date(Date.now() + 2000), 'UTC');
        return {
          toolUse: {
            name: 'create_job',
            input: {
              name: 'Water the plants',
              prompt: 'Remind the owner to water the plants.',
              run_at: runAt,
            },
          },
        };
      }
      return echoResponder(request, { index: 0, headers: {} });
    };
  });
  afterEach(async () => {
    anthropic.release();
    await agent?.stop();
    agent = undefined;
  });
  after(async () => {
    await telegram.close();
    await anthropic.close();
    data.remove();
  });

  test('a reminder due while the agent was down fires once at start, marked late', async () => {
    agent = await start();
    telegram.sendText({ chatId: OWNER, userId: OWNER, text: 'remind me in two seconds to water the plants' });
    await telegram.waitForSent(1, { timeoutMs: 10_000 });
    assert.equal(forOwner()[0]!.text, 'Reminder set.');
    await agent.stop();
    agent = undefined;
    await sleep(3500); // the reminder comes due while nothing runs

    const before = forOwner().length;
    agent = await start();
    await telegram.waitForSent(before + 1, { timeoutMs: 10_000 });
    await allowTimeForDuplicates();
    const fired = forOwner().slice(before);
    assert.equal(fired.length, 1, 'fired once');
    assert.match(fired[0]!.text, /^\(Late — I was offline at .*\)\nJob says: Water the plants$/);
    await agent.stop();
    agent = undefined;
    const [runs] = await queryDataDir<[Record<string, unknown>[]]>(data.dir, 'SELECT * FROM job_run');
    assert.equal(runs.length, 1);
    assert.equal(runs[0]!.late, true);
    assert.equal(runs[0]!.status, 'ok');
  });

  test('a recurring job that missed five slots catches up once, late, and is scheduled for the next slot', async () => {
    const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000;
    await queryDataDir(
      data.dir,
      `CREATE job:hourly CONTENT { name: 'Hourly digest', prompt: 'Send the digest.', cron: '0 * * * *',
         timezone: 'UTC', conversation: ${CONVERSATION}, enabled: true,
         created_at: d'${new Date(hour - 8 * 3_600_000).toISOString()}',
         last_slot: d'${new Date(hour - 5 * 3_600_000).toISOString()}',
         next_run_at: d'${new Date(hour - 4 * 3_600_000).toISOString()}' }`,
    );
    const before = forOwner().length;
    agent = await start();
    await telegram.waitForSent(before + 1, { timeoutMs: 10_000 });
    await sleep(1200);
    const fired = forOwner().slice(before);
    assert.equal(fired.length, 1, 'one catch-up run, not five');
    assert.match(fired[0]!.text, /Job says: Hourly digest/);
    await agent.stop();
    agent = undefined;
    const [runs, [job]] = await queryDataDir<[Record<string, unknown>[], Record<string, string>[]]>(
      data.dir,
      'SELECT * FROM job_run WHERE job = job:hourly; SELECT * FROM job:hourly;',
    );
    assert.equal(runs.length, 1);
    assert.equal(runs[0]!.slot, new Date(hour).toISOString());
    assert.equal(runs[0]!.late, Date.now() - hour > 1000);
    assert.equal(job!.next_run_at, new Date(hour + 3_600_000).toISOString());
    // Off from here: at the top of the next hour it would fire again, inside a later test that counts messages.
    await queryDataDir(data.dir, 'UPDATE job:hourly SET enabled = false');
  });

  test('kill -9 in the middle of a run: after the restart the answer is delivered exactly once', async () => {
    await queryDataDir(
      data.dir,
      `CREATE job:crash CONTENT { name: 'Crash test', prompt: 'Say something.', run_at: d'${new Date(Date.now() - 500).toISOString()}',
         timezone: 'UTC', conversation: ${CONVERSATION}, enabled: true, created_at: time::now() - 1m,
         next_run_at: d'${new Date(Date.now() - 500).toISOString()}' }`,
    );
    anthropic.hold();
    const before = forOwner().length;
    agent = await start();
    await anthropic.waitForHeld(1, { timeoutMs: 10_000 });
    await agent.kill();
    anthropic.release();
    agent = undefined;
    assert.equal(forOwner().length, before, 'nothing was sent before the crash');

    agent = await start();
    await telegram.waitForSent(before + 1, { timeoutMs: 10_000 });
    await sleep(1500);
    const fired = forOwner().slice(before);
    assert.equal(fired.length, 1);
    assert.match(fired[0]!.text, /Job says: Crash test/);
    await agent.stop();
    agent = undefined;
    const [runs, messages] = await queryDataDir<[Record<string, unknown>[], unknown[]]>(
      data.dir,
      `SELECT * FROM job_run WHERE job = job:crash;
       SELECT id FROM message WHERE text CONTAINS 'Job says: Crash test';`,
    );
    assert.equal(runs.length, 1, 'one run for the slot');
    assert.equal(runs[0]!.status, 'ok');
    assert.equal(runs[0]!.attempts, 2);
    assert.equal(messages.length, 1, 'one answer stored');
  });
  test('rows the desktop writes (no next_run_at) are scheduled; an unusable schedule is switched off', async () => {
    // Far enough ahead that a slow start (a loaded machine) does not make the run late.
    const dueAt = Date.now() + 8000;
    await queryDataDir(
      data.dir,
      `CREATE job:desktop CONTENT { name: 'From the desktop', prompt: 'Say hi.', run_at: d'${new Date(dueAt).toISOString()}',
         timezone: 'UTC', conversation: ${CONVERSATION}, enabled: true, created_at: time::now() };
       CREATE job:broken CONTENT { name: 'Broken', prompt: 'x', cron: 'every tuesday', timezone: 'UTC',
         conversation: ${CONVERSATION}, enabled: true, created_at: time::now() };`,
    );
    const before = forOwner().length;
    agent = await start();
    await telegram.waitForSent(before + 1, { timeoutMs: 20_000 });
    const fired = forOwner().slice(before);
    assert.equal(fired[0]!.text, 'Job says: From the desktop');
    assert.ok(fired[0]!.time >= dueAt, 'not early');
    await agent.stop();
    agent = undefined;
    const [[desktop], [broken]] = await queryDataDir<[Record<string, unknown>[], Record<string, unknown>[]]>(
      data.dir,
      'SELECT * FROM job:desktop; SELECT * FROM job:broken;',
    );
    assert.equal(desktop!.enabled, false, 'done');
    assert.equal(broken!.enabled, false, 'switched off');
    assert.match(String(broken!.problem), /^cron must have five fields/, 'saying why');
  });
});
