// Clock jumps on the built agent: its wall clock (Node's and the embedded engine's alike, through libfaketime's
// offset file; the monotonic clock untouched, as when NTP steps the system clock) moves past the next hour, back,
// and forward again, and the agent is killed and restarted behind its last slot. Each slot fires once, none twice;
// messages keep being answered once.
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FakeAnthropic } from '../../fakes/anthropic-server.ts';
import { echoResponder, lastUserText } from '../../fakes/anthropic-types.ts';
import { FakeTelegram } from '../../fakes/telegram-server.ts';
import { agentEnv } from '../../helpers/agent-env.ts';
import { AgentProcess, tempDataDir } from '../../helpers/agent-process.ts';
import { queryDataDir } from '../../helpers/inspect-datastore.ts';
import { eventually, sleep } from '../../helpers/wait.ts';

const OWNER = 4301;
const CONVERSATION = `conversation:⟨telegram:${OWNER}⟩`;
const FAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1';
const HOUR = 3_600_000;

describe('clock jumps', { timeout: 180_000 }, () => {
  const telegram = new FakeTelegram();
  const anthropic = new FakeAnthropic();
  const data = tempDataDir();
  const offsetFile = join(data.dir, 'clock-offset');
  let agent: AgentProcess | undefined;
  /** Moves the agent's wall clock by `ms` from the real one (libfaketime reads the file again each second). */
  const setOffset = async (ms: number) => {
    const seconds = Math.round(ms / 1000);
    writeFileSync(offsetFile, `${seconds >= 0 ? '+' : ''}${seconds}\n`);
    await sleep(2500);
  };
  /** The hour the test started in: every clock it sets is placed against it, never across a boundary by chance. */
  let hour = 0;
  /** Sets the agent's wall clock to `minutes` after the start of that hour. */
  const setClock = (minutes: number) => setOffset(hour + minutes * 60_000 - Date.now());
  const start = async () => {
    agent = new AgentProcess({
      ...agentEnv(
        join(data.dir, 'agent'),
        { telegram, anthropic },
        { MONO_ALLOW_TELEGRAM: String(OWNER), MONO_TIMEZONE: 'UTC', MONO_JOB_TICK_MS: '200' },
      ),
      LD_PRELOAD: FAKETIME,
      FAKETIME_TIMESTAMP_FILE: offsetFile,
      FAKETIME_DONT_FAKE_MONOTONIC: '1',
      FAKETIME_CACHE_DURATION: '1',
    });
    await agent.start();
  };
  const said = (job: string) =>
    telegram.sent.filter((s) => String(s.chat_id) === String(OWNER) && s.text.includes(`Job says: ${job}`))
      .length;

  before(async () => {
    assert.ok(existsSync(FAKETIME), `libfaketime is needed (apt-get install libfaketime): ${FAKETIME}`);
    await telegram.start();
    await anthropic.start();
    anthropic.respond = (request) => {
      const job = /\[Scheduled job "([^"]+)"/.exec(lastUserText(request));
      return job ? { text: `Job says: ${job[1]}` } : echoResponder(request, { index: 0, headers: {} });
    };
  });
  after(async () => {
    await agent?.kill();
    await telegram.close();
    await anthropic.close();
    data.remove();
  });

  test('an hour forward, an hour back, forward again, and a restart behind the last slot: each slot once', async () => {
    // An hourly job whose current hour already ran, and a reminder due five minutes after the next hour.
    writeFileSync(offsetFile, '+0\n');
    // A first start lays out the schema; the owner's conversation exists once they wrote.
    await start();
    telegram.sendText({ chatId: OWNER, userId: OWNER, text: 'hello' });
    await telegram.waitForSent(1, { timeoutMs: 15_000 });
    await agent!.stop();
    const now = Date.now();
    // Near the end of an hour, the next one: the real clock must not reach a slot on its own while the test runs.
    hour = Math.floor((now + 5 * 60_000) / HOUR) * HOUR;
    const reminderAt = new Date(hour + HOUR + 5 * 60_000).toISOString();
    await queryDataDir(
      join(data.dir, 'agent'),
      `CREATE job:hourly CONTENT { name: 'Hourly', prompt: 'hourly', cron: '0 * * * *', timezone: 'UTC',
         conversation: ${CONVERSATION}, enabled: true, created_at: d'${new Date(hour - 2 * HOUR).toISOString()}',
         last_slot: d'${new Date(hour).toISOString()}', next_run_at: d'${new Date(hour + HOUR).toISOString()}' };
       CREATE job:once CONTENT { name: 'Once', prompt: 'once', run_at: d'${reminderAt}',
         timezone: 'UTC', conversation: ${CONVERSATION}, enabled: true,
         created_at: d'${new Date(now).toISOString()}', next_run_at: d'${reminderAt}' };`,
    );
    await start();
    await sleep(1500);
    assert.equal(said('Hourly') + said('Once'), 0, 'nothing is due yet');

    // NTP steps the clock past the next hour: the next hourly slot and the reminder are due, once each.
    await setClock(70);
    await eventually(
      () => said('Hourly') === 1 && said('Once') === 1,
      'the jumped-over slots to fire',
      20_000,
    );
    assert.ok(
      agent!.logs.some((line) => line.msg === 'the system clock jumped'),
      'the jump was noticed and logged',
    );

    // Back by an hour, then forward through the same slots again: nothing fires a second time.
    await setOffset(0);
    telegram.sendText({ chatId: OWNER, userId: OWNER, text: 'still there?' });
    await eventually(() => telegram.sent.some((s) => s.text === 'Echo: still there?'), 'an answer', 15_000);
    await setClock(80);
    await sleep(2000);
    assert.equal(said('Hourly'), 1);
    assert.equal(said('Once'), 1);

    // Killed, and restarted with the clock behind its last slot: still nothing twice.
    await agent!.kill();
    await setOffset(0);
    await start();
    await sleep(3000);
    assert.equal(said('Hourly'), 1);
    assert.equal(said('Once'), 1);

    // Time moves on to the hour after: that slot fires, once.
    await setClock(125);
    await eventually(() => said('Hourly') === 2, 'the next slot to fire', 20_000);
    await sleep(2000);
    assert.equal(said('Hourly'), 2);
    assert.equal(said('Once'), 1);
    assert.equal(telegram.sent.filter((s) => s.text === 'Echo: still there?').length, 1);
    await agent!.stop();
    agent = undefined;
    const [runs] = await queryDataDir<[{ slot: string }[]]>(
      join(data.dir, 'agent'),
      'SELECT slot FROM job_run WHERE job = job:hourly ORDER BY slot',
    );
    assert.deepEqual(
      runs.map((r) => r.slot),
      [new Date(hour + HOUR).toISOString(), new Date(hour + 2 * HOUR).toISOString()],
    );
  });
});
