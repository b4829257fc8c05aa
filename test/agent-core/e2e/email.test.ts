// Email through the built agent with a real Dovecot and an SMTP sink: mail that arrives while the agent is down
// is announced once after it starts (a Claude summary in the owner's Telegram chat), and a reply the owner asks
// for goes out only after their /yes, threaded on the original.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FakeAnthropic } from '../../fakes/anthropic-server.ts';
import { type FakeReply, lastUserText, type MessagesRequest } from '../../fakes/anthropic-types.ts';
import { Dovecot, dovecotMissing } from '../../fakes/imap-dovecot.ts';
import { SmtpSink } from '../../fakes/smtp-sink.ts';
import { FakeTelegram } from '../../fakes/telegram-server.ts';
import { agentEnv } from '../../helpers/agent-env.ts';
import { AgentProcess, runAgentToExit, tempDataDir } from '../../helpers/agent-process.ts';
import { queryDataDir } from '../../helpers/inspect-datastore.ts';
import { deliverMail, OWNER_MAIL, PASSWORD, rawMail } from '../email/helpers.ts';

const OWNER = 1001;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Triage calls get a JSON verdict; the owner's request is played as Claude would: find the mail, reply. */
function respond(request: MessagesRequest): FakeReply {
  const system = JSON.stringify(request.system ?? '');
  const last = lastUserText(request);
  if (system.includes("sort the owner's incoming email")) {
    const subject = /Subject: (.*)/.exec(last)?.[1] ?? '';
    return {
      text: JSON.stringify({ important: !/newsletter/i.test(last), summary: `Anna asks: ${subject}` }),
    };
  }
  if (/answer Anna/.test(last)) return { toolUse: { name: 'email_recent', input: { query: 'anna' } } };
  const id = /"id":"([^"]+)"/.exec(last)?.[1];
  if (id && /Dinner/.test(last)) {
    return { toolUse: { name: 'email_send_reply', input: { id, text: 'Tuesday works for me. See you!' } } };
  }
  if (/Not done yet/.test(last)) return { text: 'I will send Anna: "Tuesday works for me. See you!"' };
  return { text: `Echo: ${last}` };
}

describe('email end to end', { skip: dovecotMissing(), timeout: 90_000 }, () => {
  const dovecot = new Dovecot();
  const smtp = new SmtpSink({ user: OWNER_MAIL, password: PASSWORD });
  const telegram = new FakeTelegram();
  const anthropic = new FakeAnthropic({ respond, strictAlternation: false });
  const data = tempDataDir();
  let agent: AgentProcess;
  const env = () =>
    agentEnv(
      data.dir,
      { telegram, anthropic },
      {
        MONO_ALLOW_TELEGRAM: String(OWNER),
        MONO_EMAIL_IMAP_URL: dovecot.url(),
        MONO_EMAIL_SMTP_URL: smtp.url(),
        MONO_EMAIL_PASSWORD: PASSWORD,
      },
    );
  const healthy = async () => {
    for (let i = 0; i < 100; i++) {
      const { channels } = (await agent.health()).body as { channels?: Record<string, string> };
      if (channels?.email === 'imap-idle') return;
      await sleep(100);
    }
    assert.fail(`email never connected: ${agent.output()}`);
  };

  before(async () => {
    await dovecot.start();
    await smtp.start();
    await telegram.start();
    await anthropic.start();
  });
  after(async () => {
    await agent?.stop();
    await telegram.close();
    await anthropic.close();
    await smtp.close();
    await dovecot.stop();
    data.remove();
  });

  test('a mailbox without credentials stops the agent with exit code 2 and says what to set', async () => {
    const { code, output } = await runAgentToExit({
      MONO_DATA_DIR: data.dir,
      MONO_EMAIL_IMAP_URL: 'imaps://me@imap.gmail.com',
      MONO_EMAIL_SMTP_URL: 'smtps://me:hunter2@smtp.gmail.com',
    });
    assert.equal(code, 2);
    assert.match(output, /MONO_EMAIL_PASSWORD \(for Gmail an app password/);
    assert.match(output, /MONO_EMAIL_SMTP_URL must not contain the password/);
    assert.doesNotMatch(output, /hunter2/);
  });

  test('mail that arrived while the agent was down is announced once after it starts', async () => {
    agent = await new AgentProcess(env()).start();
    await healthy();
    await agent.stop();
    await deliverMail(dovecot, [
      rawMail({
        from: 'Anna <anna@example.com>',
        subject: 'Dinner Tuesday?',
        text: 'Does Tuesday at 7 work?',
      }),
      rawMail({ from: 'Shop <newsletter@shop.example>', subject: 'Weekly newsletter', text: 'Sale' }),
    ]);
    agent = await new AgentProcess(env()).start();
    const [notice] = await telegram.waitForSent(1, { timeoutMs: 15_000 });
    assert.equal(String(notice!.chat_id), String(OWNER));
    // Telegram gets HTML: the address's angle brackets arrive escaped.
    assert.match(notice!.text, /New mail from Anna &lt;anna@example.com&gt;: "Dinner Tuesday\?"/);
    assert.match(notice!.text, /Anna asks: Dinner Tuesday\?/);
    await agent.stop();
    agent = await new AgentProcess(env()).start();
    await healthy();
    await sleep(500);
    assert.equal(telegram.sent.length, 1, 'a restart announces nothing again');
  });

  test('a reply the owner asks for is sent only after /yes, threaded', async () => {
    telegram.sendText({ chatId: OWNER, userId: OWNER, text: 'answer Anna that Tuesday works' });
    const sent = await telegram.waitForSent(2, { timeoutMs: 15_000 });
    assert.match(sent.map((m) => m.text).join('\n'), /\/yes/);
    await sleep(500);
    assert.equal(smtp.received.length, 0, 'nothing is sent before the owner confirms');
    telegram.sendText({ chatId: OWNER, userId: OWNER, text: '/yes' });
    const [mail] = await smtp.waitFor(1, 15_000);
    assert.deepEqual(mail!.to, ['anna@example.com']);
    assert.equal(mail!.subject, 'Re: Dinner Tuesday?');
    assert.equal(mail!.text, 'Tuesday works for me. See you!');
    await agent.stop();
    const [rows] = await queryDataDir<
      [{ subject: string; status: string; message_id: string; replied_at?: string }[]]
    >(data.dir, 'SELECT subject, status, message_id, replied_at, uid FROM mail ORDER BY uid');
    assert.deepEqual(
      rows.map((r) => [r.subject, r.status]),
      [
        ['Dinner Tuesday?', 'notified'],
        ['Weekly newsletter', 'skipped'],
      ],
    );
    assert.equal(mail!.inReplyTo, rows[0]!.message_id);
    assert.ok(rows[0]!.replied_at);
  });
});
