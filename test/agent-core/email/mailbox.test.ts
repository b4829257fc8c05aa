// The email channel against a real Dovecot and an SMTP sink: new mail stored once with the UID cursor, the
// owner told once with a summary, mail that arrived while stopped handled after start, threaded replies and
// drafts, a wrong password shown with what to do, and a mail that cannot be stored never stopping the mail after it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ImapFlow } from 'imapflow';
import type { Surreal } from 'surrealdb';
import type { ChannelContext } from '../../../agent-core/channels/channel-setup.ts';
import { EmailChannel } from '../../../agent-core/channels/email/email-channel.ts';
import { emailTools } from '../../../agent-core/channels/email/tools.ts';
import { Secret } from '../../../agent-core/config/secret.ts';
import { openDatastore } from '../../../agent-core/db/datastore.ts';
import type { Datastore } from '../../../agent-core/db/datastore-types.ts';
import { applySchema } from '../../../agent-core/db/schema.ts';
import { createLogger, silentLogger } from '../../../agent-core/log/logger.ts';
import { MediaFiles } from '../../../agent-core/media/files.ts';
import type { MessageRecord } from '../../../agent-core/store/messages.ts';
import type { ToolContext } from '../../../agent-core/tools/tool.ts';
import { Dovecot, dovecotMissing } from '../../fakes/imap-dovecot.ts';
import { SmtpSink } from '../../fakes/smtp-sink.ts';
import { tempDataDir } from '../../helpers/agent-process.ts';
import { receiptJpeg, samplePdf } from '../../helpers/media-samples.ts';
import {
  deliverMail,
  emailConfig,
  mimeMail,
  OWNER_MAIL,
  PASSWORD,
  rawMail,
  readFolder,
  triageClaude,
  until,
} from './helpers.ts';

// EMAIL_DEBUG=1 shows the channel's log.
const log = process.env.EMAIL_DEBUG
  ? createLogger({ level: 'debug', destination: process.stderr })
  : silentLogger;

describe('email channel with Dovecot', { skip: dovecotMissing(), timeout: 60_000 }, () => {
  const dovecot = new Dovecot();
  const smtp = new SmtpSink({ user: OWNER_MAIL, password: PASSWORD });
  let ds: Datastore;
  const media = tempDataDir('mono-mail-media-');
  const files = new MediaFiles(media.dir);
  const delivered: { message: MessageRecord; chatId: string }[] = [];
  const triaged: string[] = [];
  let claudeAllowed = true;
  const context = (): ChannelContext => ({
    db: ds.db,
    deliver: (message, chatId) => delivered.push({ message, chatId }),
    stateChanged: () => {},
    mayUseClaude: async () => claudeAllowed,
    owner: () => undefined,
    claude: triageClaude(triaged),
  });
  const startChannel = async (maxTriageBatch?: number) => {
    const channel = new EmailChannel(emailConfig(dovecot, smtp), log, {
      backoffMs: 50,
      files,
      ...(maxTriageBatch ? { maxTriageBatch } : {}),
    });
    channel.attach(context());
    await channel.start(async () => {});
    await until(() => channel.state().state === 'connected', 'connected');
    return channel;
  };
  /** A channel whose IMAP connections are counted (a reconnect loop shows as more than one). */
  const countedChannel = async (db: Surreal = ds.db) => {
    const counted = { connections: 0 };
    const channel = new EmailChannel(emailConfig(dovecot, smtp), log, {
      backoffMs: 50,
      createClient: (options) => {
        counted.connections++;
        return new ImapFlow(options);
      },
    });
    channel.attach({ ...context(), db });
    await channel.start(async () => {});
    await until(() => channel.state().state === 'connected', 'connected');
    return { channel, counted };
  };
  const noticesSince = (from: number) => delivered.slice(from).map((d) => d.message.text);
  const mails = async () =>
    (await ds.db.query('SELECT * FROM mail ORDER BY uid').collect<[Record<string, unknown>[]]>())[0];

  before(async () => {
    await dovecot.start();
    await smtp.start();
    ds = await openDatastore({ url: 'mem://', log: silentLogger });
    await applySchema(ds.db, silentLogger);
  });
  after(async () => {
    await ds?.close();
    media.remove();
    await smtp.close();
    await dovecot.stop();
    // After DEFINE INDEX the embedded engine keeps the process alive (a SurrealDB engine trait): end it once results are out.
    setTimeout(() => process.exit(process.exitCode ?? 0), 300).unref();
  });

  test('old mail is left alone; new mail is stored once and the owner told once, with a summary', async () => {
    await deliverMail(dovecot, [
      rawMail({ from: 'Old <old@example.com>', subject: 'Ancient', text: 'from before' }),
    ]);
    const channel = await startChannel();
    await until(
      async () => (await ds.db.query('SELECT * FROM mail_cursor').collect<[unknown[]]>())[0].length === 1,
      'cursor',
    );
    await deliverMail(dovecot, [
      rawMail({
        from: 'Anna Schmidt <anna@example.com>',
        subject: 'Dinner Tuesday?',
        text: 'Does Tuesday 7pm work for you? 🍝',
      }),
    ]);
    await until(() => delivered.length === 1, 'notice delivered');
    await channel.idle();
    const [notice] = delivered;
    assert.equal(notice!.chatId, '1001');
    assert.equal(notice!.message.channel, 'telegram');
    assert.match(
      notice!.message.text,
      /New mail from Anna Schmidt <anna@example.com>: "Dinner Tuesday\?"\nSummary of Dinner Tuesday\?/,
    );
    const rows = await mails();
    assert.deepEqual(
      rows.map((r) => r.subject),
      ['Dinner Tuesday?'],
    );
    assert.equal(rows[0]!.status, 'notified');
    assert.match(String(rows[0]!.text), /🍝/);
    await channel.stop();
  });

  test('mail that arrived while stopped is handled once after start; newsletters are not announced', async () => {
    await deliverMail(dovecot, [
      rawMail({
        from: 'News <newsletter@shop.example>',
        subject: 'Weekly newsletter',
        text: 'Sale!',
        headers: ['List-Unsubscribe: <mailto:u@shop.example>'],
      }),
      rawMail({ from: 'Ben <ben@example.com>', subject: 'Contract', text: 'Please sign by Friday.' }),
    ]);
    const channel = await startChannel();
    await until(() => delivered.length === 2, 'second notice');
    await channel.idle();
    assert.match(delivered[1]!.message.text, /Contract/);
    const rows = await mails();
    assert.deepEqual(
      rows.map((r) => [r.subject, r.status]),
      [
        ['Dinner Tuesday?', 'notified'],
        ['Weekly newsletter', 'skipped'],
        ['Contract', 'notified'],
      ],
    );
    await channel.stop();
    // A restart with nothing new repeats nothing.
    const again = await startChannel();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await again.idle();
    assert.equal((await mails()).length, 3);
    assert.equal(delivered.length, 2);
    assert.equal(triaged.length, 3);
    await again.stop();
  });

  test('the same Message-ID delivered twice (or rescanned after UIDVALIDITY changed) is stored once', async () => {
    const channel = await startChannel();
    const copy = rawMail({
      from: 'Ben <ben@example.com>',
      subject: 'Contract',
      text: 'x',
      messageId: '<dup-1@example.com>',
    });
    await deliverMail(dovecot, [copy, copy]);
    await until(async () => (await mails()).some((r) => r.message_id === '<dup-1@example.com>'), 'stored');
    await channel.idle();
    await channel.stop();
    await ds.db.query('UPDATE mail_cursor SET uidvalidity = 1, last_uid = 0').collect();
    const rescanned = await startChannel();
    await new Promise((resolve) => setTimeout(resolve, 500));
    await rescanned.idle();
    const rows = await mails();
    assert.equal(rows.filter((r) => r.message_id === '<dup-1@example.com>').length, 1);
    assert.equal(rows.filter((r) => r.subject === 'Dinner Tuesday?').length, 1);
    await rescanned.stop();
  });

  test('a reply goes out only through the confirmed tool, threaded; a draft lands in Drafts, threaded', async () => {
    const channel = new EmailChannel(emailConfig(dovecot, smtp), silentLogger);
    const tools = new Map(emailTools(emailConfig(dovecot, smtp), channel.mailer).map((t) => [t.name, t]));
    const toolContext = {
      db: ds.db,
      log: silentLogger,
      channel: 'telegram',
      chatId: '1001',
      isOwner: true,
      now: new Date(),
    } as unknown as ToolContext;
    assert.equal(tools.get('email_send_reply')!.needsConfirmation, true);
    assert.ok(!tools.get('email_draft_reply')!.needsConfirmation);
    const recent = await tools.get('email_recent')!.run({ query: 'anna' }, toolContext);
    const [anna] = recent.content as { id: string; subject: string }[];
    assert.equal(anna!.subject, 'Dinner Tuesday?');
    assert.match(
      tools.get('email_send_reply')!.describeAction!({ id: anna!.id, text: 'Tuesday works!' }),
      /Tuesday works!/,
    );

    const sent = await tools
      .get('email_send_reply')!
      .run({ id: anna!.id, text: 'Tuesday works! 👍' }, toolContext);
    assert.equal(sent.isError, undefined, String(sent.content));
    const [mail] = await smtp.waitFor(1);
    const [original] = (await mails()).filter((r) => r.subject === 'Dinner Tuesday?');
    assert.deepEqual(mail!.to, ['anna@example.com']);
    assert.equal(mail!.from, OWNER_MAIL);
    assert.equal(mail!.subject, 'Re: Dinner Tuesday?');
    assert.equal(mail!.text, 'Tuesday works! 👍');
    assert.equal(mail!.inReplyTo, original!.message_id);
    assert.deepEqual(mail!.references, [original!.message_id]);
    assert.equal(smtp.logins.at(-1), OWNER_MAIL);
    const sentCopies = await readFolder(dovecot, 'Sent');
    assert.equal(sentCopies.length, 1, 'a copy is kept in Sent');
    assert.ok(sentCopies[0]!.includes(`Message-ID: ${mail!.messageId}`), 'the very message that was sent');

    const draft = await tools
      .get('email_draft_reply')!
      .run({ id: anna!.id, text: 'Maybe Wednesday?' }, toolContext);
    assert.match(String(draft.content), /Drafts/);
    const drafts = await readFolder(dovecot, 'Drafts');
    assert.equal(drafts.length, 1);
    assert.match(
      drafts[0]!,
      new RegExp(`In-Reply-To: ${String(original!.message_id).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
    );
    assert.match(drafts[0]!, /Subject: Re: Dinner Tuesday\?/);
    assert.equal(smtp.received.length, 1, 'a draft sends nothing');
  });

  test('paused or over budget: no call to Claude, personal mail is still announced by rule', async () => {
    claudeAllowed = false;
    const before = { delivered: delivered.length, triaged: triaged.length };
    const channel = await startChannel();
    await deliverMail(dovecot, [
      rawMail({ from: 'Dora <dora@example.com>', subject: 'Keys', text: 'I left the keys with Tom.\nBye' }),
      rawMail({ from: 'noreply@bank.example', subject: 'Statement', text: 'Your statement is ready' }),
    ]);
    await until(() => delivered.length === before.delivered + 1, 'notice by rule');
    await channel.idle();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await channel.idle();
    assert.equal(triaged.length, before.triaged, 'Claude was not called');
    assert.match(
      delivered.at(-1)!.message.text,
      /Dora <dora@example.com>: "Keys"\nI left the keys with Tom\./,
    );
    const rows = await mails();
    assert.equal(rows.find((r) => r.subject === 'Statement')?.status, 'skipped');
    await channel.stop();
    claudeAllowed = true;
  });

  test('a server restart cuts the connection: the channel reconnects and picks up mail from the gap', async () => {
    const channel = await startChannel();
    const before = delivered.length;
    await dovecot.restart(300);
    await until(() => channel.state().state === 'connected', 'reconnected', 15_000);
    await deliverMail(dovecot, [
      rawMail({ from: 'Eve <eve@example.com>', subject: 'After the restart', text: 'Still there?' }),
    ]);
    await until(() => delivered.length === before + 1, 'mail after reconnect', 15_000);
    assert.match(delivered.at(-1)!.message.text, /After the restart/);
    await channel.stop();
  });

  test('a large backlog: only the latest mails are triaged, the owner gets one line about the rest', async () => {
    const before = { delivered: delivered.length, triaged: triaged.length };
    await deliverMail(
      dovecot,
      Array.from({ length: 5 }, (_, i) =>
        rawMail({ from: `P${i} <p${i}@example.com>`, subject: `Backlog ${i}`, text: 'x' }),
      ),
    );
    const channel = await startChannel(2);
    await until(() => delivered.length === before.delivered + 3, 'one backlog line and two notices');
    await channel.idle();
    assert.equal(triaged.length, before.triaged + 2, 'Claude saw only the latest two');
    assert.match(delivered[before.delivered]!.message.text, /3 older mails arrived while I was away/);
    assert.deepEqual(
      delivered.slice(before.delivered + 1).map((d) => /Backlog \d/.exec(d.message.text)?.[0]),
      ['Backlog 3', 'Backlog 4'],
    );
    const rows = await mails();
    assert.equal(
      rows.filter((r) => String(r.subject).startsWith('Backlog') && r.status === 'skipped').length,
      3,
    );
    await channel.stop();
  });

  test("a mail's PDF and photo are kept and shown to Claude when it reads the mail; a disguised file is not", async () => {
    const pdf = samplePdf({ text: 'Invoice 7' });
    const raw = mimeMail('Invoice attached', [
      { name: 'invoice.pdf', type: 'application/pdf', bytes: pdf },
      { name: 'receipt.jpg', type: 'image/jpeg', bytes: receiptJpeg() },
      { name: 'cat.jpg', type: 'image/jpeg', bytes: Buffer.from('<script>not a cat</script>') },
      {
        name: 'notes.docx',
        type: 'application/octet-stream',
        bytes: Buffer.from('PK\x03\x04 zip', 'latin1'),
      },
    ]);
    const channel = await startChannel();
    await deliverMail(dovecot, [raw]);
    await until(async () => (await mails()).some((r) => r.subject === 'Invoice attached'), 'stored');
    await channel.idle();
    await channel.stop();
    const row = (await mails()).find((r) => r.subject === 'Invoice attached')!;
    assert.deepEqual(row.attachments, ['invoice.pdf', 'receipt.jpg', 'cat.jpg', 'notes.docx']);
    assert.deepEqual(
      (row.files as { name: string; mime: string }[]).map((f) => [f.name, f.mime]),
      [
        ['invoice.pdf', 'application/pdf'],
        ['receipt.jpg', 'image/jpeg'],
      ],
    );
    const tools = new Map(
      emailTools(emailConfig(dovecot, smtp), channel.mailer, files).map((t) => [t.name, t]),
    );
    const toolContext = {
      db: ds.db,
      log: silentLogger,
      isOwner: true,
      now: new Date(),
    } as unknown as ToolContext;
    const [found] = (await tools.get('email_recent')!.run({ query: 'invoice' }, toolContext)).content as {
      id: string;
    }[];
    const read = await tools.get('email_read')!.run({ id: found!.id }, toolContext);
    assert.deepEqual(read.blocks, [
      {
        type: 'document',
        source: { type: 'base64', media_type: 'application/pdf', data: pdf.toString('base64') },
        title: 'invoice.pdf',
      },
      {
        type: 'image',
        source: { type: 'base64', media_type: 'image/jpeg', data: receiptJpeg().toString('base64') },
      },
    ]);
  });

  test('a mail dated in year 270000 does not stop the mail after it: dated when it arrived, all announced', async () => {
    const { channel, counted } = await countedChannel();
    const from = delivered.length;
    const arrival = Date.now();
    await deliverMail(dovecot, [
      rawMail({
        from: 'Fay <fay@example.com>',
        subject: 'First of three',
        text: 'one',
        date: new Date(arrival - 120_000).toUTCString(),
      }),
      // The datastore holds datetimes up to year 262142: this Date header used to stop the mailbox for good.
      rawMail({
        from: 'Stranger <stranger@example.net>',
        subject: 'From the far future',
        text: 'two',
        date: 'Sat, 1 Jan 270000 00:00:00 +0000',
      }),
      rawMail({
        from: 'Gus <gus@example.com>',
        subject: 'Third of three',
        text: 'three',
        date: new Date(arrival - 60_000).toUTCString(),
      }),
    ]);
    await until(() => delivered.length >= from + 3, 'all three announced');
    await channel.idle();
    const notices = noticesSince(from);
    const first = notices.findIndex((text) => text.includes('First of three'));
    const third = notices.findIndex((text) => text.includes('Third of three'));
    assert.ok(first >= 0 && third > first, `in order: ${notices.join(' | ')}`);
    assert.ok(notices.some((text) => text.includes('From the far future')));
    const far = (await mails()).find((r) => r.subject === 'From the far future')!;
    assert.equal(far.status, 'notified');
    const date = new Date(far.date as Date).getTime();
    assert.ok(Math.abs(date - arrival) < 60_000, `dated when it arrived: ${new Date(date).toISOString()}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(counted.connections, 1, 'no reconnects');
    assert.deepEqual(channel.state(), { state: 'connected' });
    await channel.stop();
  });

  test('a mail the datastore refuses is recorded as failed, the owner told, and the mail after it handled', async () => {
    // Any refusal of the engine stands in here: a rule the mail's subject breaks (the real schema is put back).
    await ds.db
      .query(
        "DEFINE FIELD OVERWRITE subject ON mail TYPE string ASSERT !string::contains($value, 'REFUSED-BY-RULE')",
      )
      .collect();
    try {
      const { channel, counted } = await countedChannel();
      const from = delivered.length;
      await deliverMail(dovecot, [
        rawMail({ from: 'Hal <hal@example.com>', subject: 'Before the refused one', text: 'a' }),
        rawMail({ from: 'Ivy <ivy@example.net>', subject: 'REFUSED-BY-RULE', text: 'b' }),
        rawMail({ from: 'Jo <jo@example.com>', subject: 'After the refused one', text: 'c' }),
      ]);
      await until(() => delivered.length >= from + 3, 'two notices and one about the refused mail');
      await channel.idle();
      const notices = noticesSince(from);
      assert.ok(notices.some((text) => text.includes('Before the refused one')));
      assert.ok(notices.some((text) => text.includes('After the refused one')));
      const skipped = notices.find((text) => text.includes('could not be stored'));
      assert.match(
        skipped ?? notices.join(' | '),
        /A mail from Ivy <ivy@example.net> \("REFUSED-BY-RULE"\) could not be stored.*still in your mailbox/s,
      );
      // Not even its subject could be stored: the row keeps where it is, when it came, and why.
      const row = (await mails()).find((r) => String(r.error ?? '').includes('REFUSED-BY-RULE'))!;
      assert.equal(row.status, 'failed');
      assert.equal(row.subject, '(could not be stored)');
      assert.match(String(row.error), /^could not be stored: Found 'REFUSED-BY-RULE' for field `subject`/);
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal(counted.connections, 1, 'no reconnects');
      assert.deepEqual(channel.state(), { state: 'connected' });
      await channel.stop();
      // A restart neither fetches it again nor tells the owner twice.
      const count = delivered.length;
      const again = await startChannel();
      await new Promise((resolve) => setTimeout(resolve, 300));
      await again.idle();
      assert.equal(delivered.length, count);
      await again.stop();
    } finally {
      await ds.db.query('DEFINE FIELD OVERWRITE subject ON mail TYPE string').collect();
    }
  });

  test('while the datastore fails, mail waits on the server (not passed over) and the state says why', async () => {
    let failing = false;
    const refuse = () => Promise.reject(new Error('the engine is busy (test)'));
    // Every transaction fails (storing, and recording a mail as failed); reads work.
    const flaky = new Proxy(ds.db, {
      get(target, key) {
        const value = Reflect.get(target, key, target);
        if (key !== 'query') return typeof value === 'function' ? value.bind(target) : value;
        return (sql: string, vars?: Record<string, unknown>) =>
          failing && sql.startsWith('BEGIN')
            ? { collect: refuse, responses: refuse }
            : target.query(sql, vars);
      },
    });
    const { channel, counted } = await countedChannel(flaky);
    const from = delivered.length;
    failing = true;
    await deliverMail(dovecot, [
      rawMail({ from: 'Kim <kim@example.com>', subject: 'While the datastore fails', text: 'd' }),
    ]);
    await until(() => channel.state().state === 'error', 'error state');
    const detail = channel.state().detail ?? '';
    assert.match(detail, /New mail cannot be stored: the datastore fails \(the engine is busy \(test\)\)/);
    assert.doesNotMatch(detail, /IMAP server closed/);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.ok(counted.connections <= 7, `retries back off: ${counted.connections} connections in 1.5 s`);
    assert.equal((await mails()).filter((r) => r.subject === 'While the datastore fails').length, 0);
    assert.equal(delivered.length, from);
    failing = false;
    await until(() => delivered.length === from + 1, 'stored and announced once it works', 15_000);
    assert.match(delivered.at(-1)!.message.text, /While the datastore fails/);
    const row = (await mails()).find((r) => r.subject === 'While the datastore fails')!;
    assert.equal(row.status, 'notified');
    await until(() => channel.state().state === 'connected', 'connected again');
    await channel.idle();
    await channel.stop();
  });

  test('a wrong password shows in the state with what to do', async () => {
    const config = emailConfig(dovecot, smtp, {
      auth: { kind: 'password', user: OWNER_MAIL, password: new Secret('wrong') },
    });
    const channel = new EmailChannel(config, silentLogger, { backoffMs: 60_000 });
    channel.attach(context());
    await channel.start(async () => {});
    await until(() => channel.state().state === 'error', 'error state');
    assert.match(channel.state().detail!, /refused the login: check MONO_EMAIL_PASSWORD/);
    assert.doesNotMatch(channel.state().detail!, /wrong/);
    await channel.stop();
  });
});
