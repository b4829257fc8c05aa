// The tool-use loop through the built agent: a reminder asked for in plain language is created by a tool call,
// stored with the conversation, fires and is delivered; effects outside MONO wait for the owner's /yes;
// the stable prefix (tools, system prompt) carries prompt-caching markers.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FakeAnthropic } from '../../fakes/anthropic-server.ts';
import { echoResponder, lastUserText } from '../../fakes/anthropic-types.ts';
import { FakeTelegram } from '../../fakes/telegram-server.ts';
import { agentEnv } from '../../helpers/agent-env.ts';
import { AgentProcess, tempDataDir } from '../../helpers/agent-process.ts';
import { queryDataDir } from '../../helpers/inspect-datastore.ts';
import { eventually, sleep } from '../../helpers/wait.ts';
import { isToolResult, localIso, systemText, toolResults } from '../jobs/harness.ts';

const OWNER = 4101;
const TZ = 'Europe/Berlin';

describe('tools', { timeout: 90_000 }, () => {
  const telegram = new FakeTelegram();
  const anthropic = new FakeAnthropic();
  const data = tempDataDir();
  let agent: AgentProcess;

  before(async () => {
    await telegram.start();
    await anthropic.start();
    agent = await new AgentProcess(
      agentEnv(
        data.dir,
        { telegram, anthropic },
        {
          MONO_ALLOW_TELEGRAM: String(OWNER),
          MONO_TIMEZONE: TZ,
          MONO_JOB_TICK_MS: '200',
        },
      ),
    ).start();
  });

  after(async () => {
    if (process.env.MONO_TEST_AGENT_LOG) console.error(agent?.output());
    await agent?.stop();
    await telegram.close();
    await anthropic.close();
    data.remove();
  });

  test('"remind me in a moment to call the bank": created by a tool call, stored, fired and delivered', async () => {
    let runAt = '';
    let dueAt = 0;
    anthropic.respond = (request) => {
      const text = lastUserText(request);
      if (text.includes('[Scheduled job')) return { text: '⏰ Time to call the bank!' };
      if (isToolResult(request))
        return { text: `Done — ${toolResults(request).length} tool result(s): ${text}` };
      if (text.includes('call the bank')) {
        // Claude writes seconds, not milliseconds: the reminder is due at the start of that second.
        dueAt = Math.floor((Date.now() + 2500) / 1000) * 1000;
        runAt = localIso(new Date(dueAt), TZ);
        return {
          text: 'Sure.',
          toolUse: {
            name: 'create_job',
            input: {
              name: 'Call the bank',
              prompt: 'Remind the owner to call the bank.',
              run_at: runAt,
              timezone: TZ,
            },
          },
        };
      }
      return echoResponder(request, { index: 0, headers: {} });
    };
    const sentBefore = telegram.sent.length;
    telegram.sendText({ chatId: OWNER, userId: OWNER, text: 'remind me in a moment to call the bank' });
    const [confirmation] = (await telegram.waitForSent(sentBefore + 1, { timeoutMs: 10_000 })).slice(
      sentBefore,
    );
    assert.match(confirmation!.text, /Done — 1 tool result/);
    assert.match(confirmation!.text, /next_run/);

    const first = anthropic.requests.find((r) => lastUserText(r).includes('call the bank'))!;
    const toolNames = (first.tools ?? []).map((tool) => tool.name);
    for (const name of [
      'current_time',
      'create_job',
      'list_jobs',
      'cancel_job',
      'remember',
      'recall',
      'send_message',
    ])
      assert.ok(toolNames.includes(name), `tool ${name} offered`);
    assert.deepEqual((first.tools ?? []).at(-1)!.cache_control, { type: 'ephemeral' }, 'tools are cached');
    assert.deepEqual((first.system as { cache_control?: unknown }[])[0]!.cache_control, {
      type: 'ephemeral',
    });
    assert.match(systemText(first), /time zone Europe\/Berlin/);

    const [reminder] = (await telegram.waitForSent(sentBefore + 2, { timeoutMs: 10_000 })).slice(
      sentBefore + 1,
    );
    assert.equal(reminder!.text, '⏰ Time to call the bank!');
    assert.equal(String(reminder!.chat_id), String(OWNER));
    assert.ok(reminder!.time >= dueAt, 'not before it was due');
    assert.ok(reminder!.time - dueAt < 3000, 'on time (within a few scheduler ticks)');
    const jobRequest = anthropic.requests.find((r) => lastUserText(r).includes('[Scheduled job'))!;
    assert.match(lastUserText(jobRequest), /Remind the owner to call the bank/);
  });

  test('the owner must confirm a message to someone else; the desktop sees the tool calls', async () => {
    anthropic.respond = (request) => {
      if (isToolResult(request)) return { text: 'I will send it once you confirm.' };
      if (lastUserText(request).includes('tell Bob')) {
        return {
          toolUse: {
            name: 'send_message',
            input: { channel: 'telegram', chat_id: '4999', text: 'Hi Bob, dinner at 8?' },
          },
        };
      }
      return echoResponder(request, { index: 0, headers: {} });
    };
    const sentBefore = telegram.sent.length;
    telegram.sendText({ chatId: OWNER, userId: OWNER, text: 'tell Bob dinner is at 8' });
    const [ask] = (await telegram.waitForSent(sentBefore + 1, { timeoutMs: 10_000 })).slice(sentBefore);
    assert.match(ask!.text, /I will send it once you confirm/);
    assert.match(ask!.text, /Reply \/yes/);
    await sleep(500);
    assert.equal(
      telegram.sent.filter((s) => String(s.chat_id) === '4999').length,
      0,
      'nothing sent before /yes',
    );

    const claudeCalls = anthropic.requests.length;
    telegram.sendText({ chatId: OWNER, userId: OWNER, text: '/yes' });
    const bob = await eventually(
      () => telegram.sent.find((s) => String(s.chat_id) === '4999'),
      'the message to Bob',
    );
    assert.equal(bob.text, 'Hi Bob, dinner at 8?');
    const done = await eventually(
      () => telegram.sent.find((s) => /^Done: Send on telegram to 4999/.test(s.text)),
      'the /yes answer',
    );
    assert.equal(String(done.chat_id), String(OWNER));
    assert.equal(anthropic.requests.length, claudeCalls, '/yes is handled by MONO, not by Claude');

    // A second /yes finds nothing left to do.
    telegram.sendText({ chatId: OWNER, userId: OWNER, text: '/yes' });
    await eventually(
      () => telegram.sent.find((s) => s.text.includes('nothing waiting for your confirmation')),
      'nothing to confirm',
    );

    // Asked again, but the owner moves on: a later /yes does not send it.
    const asked = telegram.sent.length;
    telegram.sendText({ chatId: OWNER, userId: OWNER, text: 'tell Bob dinner is at 9' });
    await telegram.waitForSent(asked + 1, { timeoutMs: 10_000 });
    telegram.sendText({ chatId: OWNER, userId: OWNER, text: 'actually, never mind' });
    await telegram.waitForSent(asked + 2, { timeoutMs: 10_000 });
    telegram.sendText({ chatId: OWNER, userId: OWNER, text: '/yes' });
    await telegram.waitForSent(asked + 3, { timeoutMs: 10_000 });
    assert.match(telegram.sent.at(-1)!.text, /nothing waiting for your confirmation/);
    assert.equal(
      telegram.sent.filter((s) => String(s.chat_id) === '4999').length,
      1,
      'Bob got only the first message',
    );
  });

  test('"every Monday at 8 send me my week": a cron job, listed and cancelled in chat', async () => {
    let jobId = '';
    anthropic.respond = (request) => {
      const text = lastUserText(request);
      if (isToolResult(request)) {
        const created = /"id":"(job:[^"]+)"/.exec(text);
        if (created) jobId = created[1]!;
        return { text: `Tool result: ${text}` };
      }
      if (text.includes('every Monday')) {
        return {
          toolUse: {
            name: 'create_job',
            input: {
              name: 'Weekly overview',
              prompt: 'Send the owner an overview of their week.',
              cron: '0 8 * * 1',
              timezone: TZ,
            },
          },
        };
      }
      if (text.includes('which jobs')) return { toolUse: { name: 'list_jobs', input: {} } };
      if (text.includes('cancel the weekly'))
        return { toolUse: { name: 'cancel_job', input: { id: jobId } } };
      return echoResponder(request, { index: 0, headers: {} });
    };
    const ask = async (text: string) => {
      const before = telegram.sent.length;
      telegram.sendText({ chatId: OWNER, userId: OWNER, text });
      return (await telegram.waitForSent(before + 1, { timeoutMs: 10_000 })).at(-1)!.text;
    };
    assert.match(
      await ask('every Monday at 8 send me my week'),
      /"next_run":"\d{4}-\d{2}-\d{2} 08:00 \(Monday\) Europe\/Berlin","recurring":true/,
    );
    assert.match(
      await ask('/jobs'),
      /Weekly overview — cron <code>0 8 \* \* 1<\/code>, next .* 08:00 \(Monday\)/,
    );
    assert.match(
      await ask('which jobs do I have?'),
      /Weekly overview.*Send the owner an overview of their week/,
    );
    assert.match(await ask('cancel the weekly one'), new RegExp(`Cancelled ${jobId}`));
    assert.match(await ask('/jobs'), /No scheduled jobs/);
  });

  test('tool calls and results are stored with the reply; the job run is recorded', async () => {
    await agent.stop();
    const [replies, runs, actions, jobs] = await queryDataDir<
      [
        { text: string; tool_calls?: { name: string; input: Record<string, unknown>; result: unknown }[] }[],
        Record<string, unknown>[],
        Record<string, unknown>[],
        Record<string, unknown>[],
      ]
    >(
      data.dir,
      `SELECT text, tool_calls, created_at FROM message WHERE role = 'assistant' AND tool_calls != NONE ORDER BY created_at;
       SELECT * FROM job_run; SELECT * FROM action ORDER BY created_at; SELECT * FROM job ORDER BY created_at;`,
    );
    assert.deepEqual(
      replies.map((r) => r.tool_calls![0]!.name),
      ['create_job', 'send_message', 'send_message', 'create_job', 'list_jobs', 'cancel_job'],
    );
    assert.equal(replies[0]!.tool_calls![0]!.input.prompt, 'Remind the owner to call the bank.');
    assert.match(JSON.stringify(replies[0]!.tool_calls![0]!.result), /job:/);
    assert.equal(runs.length, 1);
    assert.equal(runs[0]!.status, 'ok');
    assert.equal(runs[0]!.late, false);
    assert.equal(typeof runs[0]!.duration_ms, 'number');
    assert.match(String(runs[0]!.message), /^message:/);
    assert.deepEqual(
      jobs.map((job) => job.enabled),
      [false, false],
      'the one-off is done once it ran; the weekly one is cancelled',
    );
    assert.deepEqual(
      actions.map((a) => a.status),
      ['done', 'cancelled'],
    );
  });
});
