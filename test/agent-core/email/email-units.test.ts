// The pure parts of email: configuration (credentials as secrets, never in URLs), MIME parsing, reply
// threading, Claude's triage verdict, and OAuth2 access tokens from a refresh token.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { describe, test } from 'node:test';
import { ConnectionUnavailableError } from 'surrealdb';
import { loadEmail } from '../../../agent-core/channels/email/config.ts';
import { describeImapError, MailStoreError } from '../../../agent-core/channels/email/imap-watcher.ts';
import { datastoreUnavailable } from '../../../agent-core/channels/email/mail-store.ts';
import { buildReply } from '../../../agent-core/channels/email/mailer.ts';
import { AccessTokens, OAuthError } from '../../../agent-core/channels/email/oauth.ts';
import { parseMail, sentDate } from '../../../agent-core/channels/email/parse.ts';
import { mailNotice, parseVerdict, skippedMailNotice } from '../../../agent-core/channels/email/triage.ts';
import { Secret } from '../../../agent-core/config/secret.ts';

const load = (env: Record<string, string>) => {
  const problems: string[] = [];
  const config = loadEmail((name) => env[name], problems);
  return { config, problems };
};

describe('email configuration', () => {
  test('Gmail with an app password: defaults, user from the URL, password a secret', () => {
    const { config, problems } = load({
      MONO_EMAIL_IMAP_URL: 'imaps://me%40gmail.com@imap.gmail.com',
      MONO_EMAIL_SMTP_URL: 'smtps://me%40gmail.com@smtp.gmail.com',
      MONO_EMAIL_PASSWORD: 'abcd efgh ijkl mnop',
      MONO_EMAIL_NOTIFY: 'telegram:1001',
    });
    assert.deepEqual(problems, []);
    assert.deepEqual(config!.imap, { host: 'imap.gmail.com', port: 993, secure: true });
    assert.deepEqual(config!.smtp, { host: 'smtp.gmail.com', port: 465, secure: true });
    assert.equal(config!.from, 'me@gmail.com');
    assert.equal(config!.mailbox, 'INBOX');
    assert.deepEqual(config!.notify, { channel: 'telegram', chatId: '1001' });
    assert.equal(config!.saveSent, false, 'Gmail files sent mail itself');
    assert.equal(
      JSON.stringify(config),
      JSON.stringify(config).replace('abcd efgh', ''),
      'no password in JSON',
    );
  });
  test('OAuth2 needs all three values; a password in the URL or no credentials are refused by name', () => {
    const oauth = load({
      MONO_EMAIL_IMAP_URL: 'imaps://me@imap.gmail.com',
      MONO_EMAIL_OAUTH_CLIENT_ID: 'id',
      MONO_EMAIL_OAUTH_CLIENT_SECRET: 'secret',
      MONO_EMAIL_OAUTH_REFRESH_TOKEN: 'refresh',
    });
    assert.equal(oauth.config!.auth.kind, 'oauth2');
    assert.match(
      load({ MONO_EMAIL_IMAP_URL: 'imaps://me@x', MONO_EMAIL_OAUTH_CLIENT_ID: 'id' }).problems[0]!,
      /MONO_EMAIL_OAUTH_REFRESH_TOKEN/,
    );
    assert.match(
      load({ MONO_EMAIL_IMAP_URL: 'imaps://me:pw@x', MONO_EMAIL_PASSWORD: 'p' }).problems[0]!,
      /must not contain the password/,
    );
    assert.match(load({ MONO_EMAIL_IMAP_URL: 'imaps://me@x' }).problems[0]!, /app password/);
    assert.match(
      load({ MONO_EMAIL_IMAP_URL: 'http://x', MONO_EMAIL_PASSWORD: 'p' }).problems[0]!,
      /imap:\/\/ or imaps:\/\//,
    );
    assert.match(load({ MONO_EMAIL_SMTP_URL: 'smtp://x' }).problems[0]!, /MONO_EMAIL_IMAP_URL is not/);
    assert.equal(load({}).config, undefined);
    assert.deepEqual(load({}).problems, []);
  });
});

describe('mail parsing, threading and triage', () => {
  test('a multipart mail with umlauts, HTML and an attachment becomes plain fields', async () => {
    const raw = [
      'From: =?UTF-8?Q?J=C3=B6rg_M=C3=BCller?= <Joerg@Example.com>',
      'To: owner@example.org',
      'Cc: team@example.org',
      'Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=',
      'Message-ID: <abc@example.com>',
      'In-Reply-To: <root@example.org>',
      'References: <root@example.org>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b"',
      '',
      '--b',
      'Content-Type: text/html; charset=utf-8',
      '',
      '<p>Hallo <b>Welt</b> &amp; mehr</p>',
      '--b',
      'Content-Type: application/pdf; name="offer.pdf"',
      'Content-Disposition: attachment; filename="offer.pdf"',
      'Content-Transfer-Encoding: base64',
      '',
      'JVBERi0=',
      '--b--',
      '',
    ].join('\r\n');
    const mail = await parseMail(Buffer.from(raw), '<fallback@x>');
    assert.equal(mail.fromName, 'Jörg Müller');
    assert.equal(mail.fromAddress, 'joerg@example.com');
    assert.equal(mail.subject, 'Grüße');
    assert.match(mail.text, /Hallo Welt & mehr/i);
    assert.deepEqual(mail.attachments, ['offer.pdf']);
    assert.deepEqual(mail.cc, ['team@example.org']);
    assert.equal(mail.inReplyTo, '<root@example.org>');
    assert.deepEqual(mail.references, ['<root@example.org>']);
    assert.equal(mail.bulk, false);
  });
  test('a Date the datastore cannot hold, or an absurd one, gives way to the time the mail arrived', async () => {
    const arrived = new Date(Date.now() - 60_000);
    const raw = (date: string) =>
      Buffer.from(`From: x@example.com\r\nSubject: s\r\nDate: ${date}\r\nMessage-ID: <d@x>\r\n\r\nhi\r\n`);
    // Year 270000 parses, but the datastore's datetimes end in year 262142: the mail could never be stored.
    const far = await parseMail(raw('Sat, 1 Jan 270000 00:00:00 +0000'), '<f@x>', arrived);
    assert.equal(far.date.getTime(), arrived.getTime());
    assert.equal(far.claimedDate, 'Sat, 1 Jan 270000 00:00:00 +0000');
    const epoch = await parseMail(raw('Thu, 1 Jan 1970 00:00:00 +0000'), '<f@x>', arrived);
    assert.equal(epoch.date.getTime(), arrived.getTime());
    const sent = new Date(Date.now() - 3_600_000);
    sent.setMilliseconds(0);
    const fine = await parseMail(raw(sent.toUTCString()), '<f@x>', arrived);
    assert.equal(fine.date.getTime(), sent.getTime());
    assert.equal(fine.claimedDate, undefined);
    const now = Date.UTC(2026, 5, 1);
    const hourAhead = new Date(now + 3_600_000);
    assert.equal(sentDate(hourAhead, undefined, now), hourAhead, 'a clock an hour fast is believed');
    const came = new Date(now - 60_000);
    assert.equal(sentDate(new Date(now + 3 * 86_400_000), came, now), came, 'days ahead is not');
    assert.equal(sentDate(new Date(Number.NaN), undefined, now).getTime(), now);
    assert.equal(
      sentDate(new Date(8.46e15), new Date(8.46e15), now).getTime(),
      now,
      'an absurd arrival time too',
    );
  });
  test('only a failing datastore keeps a mail waiting; a mail the datastore refuses is passed over', () => {
    assert.equal(datastoreUnavailable(new ConnectionUnavailableError()), true);
    assert.equal(datastoreUnavailable(new Error('No space left on device (os error 28)')), true);
    assert.equal(datastoreUnavailable(new Error('Expected a valid Datetime value')), false);
    assert.equal(datastoreUnavailable(new Error("Found 'x' for field `subject`")), false);
    const config = { imap: { host: 'imap.example.org', port: 993 } } as Parameters<
      typeof describeImapError
    >[1];
    const shown = describeImapError(new MailStoreError(new Error('engine busy')), config);
    assert.match(shown, /the datastore fails \(engine busy\)/);
    assert.doesNotMatch(shown, /^IMAP/);
    assert.match(
      skippedMailNotice({
        fromAddress: 'x@example.com',
        fromName: 'X',
        subject: 'Hello',
        reason: 'Expected a valid Datetime value',
      }),
      /A mail from X <x@example.com> \("Hello"\) could not be stored.*still in your mailbox.*\(Expected a valid Datetime value\)/s,
    );
  });
  test('a reply goes to Reply-To, keeps the thread, and reply-all leaves out the owner', () => {
    const original = {
      from_address: 'anna@example.com',
      reply_to: 'anna.private@example.com',
      subject: 'Re: Dinner',
      message_id: '<3@x>',
      reference_ids: ['<1@x>', '<2@x>'],
      to_addresses: ['owner@example.org', 'ben@example.com'],
      cc_addresses: ['carl@example.com'],
    };
    const reply = buildReply(original, 'Yes', { self: 'Owner@example.org', replyAll: true });
    assert.deepEqual(reply.to, ['anna.private@example.com']);
    assert.deepEqual(reply.cc, ['ben@example.com', 'carl@example.com']);
    assert.equal(reply.subject, 'Re: Dinner');
    assert.equal(reply.inReplyTo, '<3@x>');
    assert.deepEqual(reply.references, ['<1@x>', '<2@x>', '<3@x>']);
    assert.deepEqual(
      buildReply({ ...original, reply_to: undefined, subject: 'Dinner' }, 'x', { self: 'o@x' }).to,
      ['anna@example.com'],
    );
  });
  test("Claude's verdict is read from JSON even with words around it; anything else is refused", () => {
    assert.deepEqual(parseVerdict('Sure: {"important": true, "summary": "Anna asks about Tuesday."}'), {
      important: true,
      summary: 'Anna asks about Tuesday.',
    });
    assert.equal(parseVerdict('{"important": "yes"}'), undefined);
    assert.equal(parseVerdict('no json'), undefined);
    assert.match(
      mailNotice({ from_name: 'Anna', from_address: 'anna@x.org', subject: 'Hi' }, 'S'),
      /Anna <anna@x.org>: "Hi"\nS/,
    );
  });
});

describe('OAuth2 access tokens', () => {
  test('a refresh token is traded once and cached; a revoked one says what to do', async () => {
    let calls = 0;
    let revoked = false;
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        calls++;
        const form = new URLSearchParams(body);
        res.setHeader('content-type', 'application/json');
        if (
          revoked ||
          form.get('refresh_token') !== 'refresh-1' ||
          form.get('grant_type') !== 'refresh_token'
        ) {
          res.statusCode = 400;
          return res.end(JSON.stringify({ error: 'invalid_grant' }));
        }
        res.end(
          JSON.stringify({ access_token: `ya29.token-${calls}`, expires_in: 3599, token_type: 'Bearer' }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/token`;
    try {
      const tokens = new AccessTokens({
        kind: 'oauth2',
        user: 'me@gmail.com',
        clientId: 'id',
        clientSecret: new Secret('secret'),
        refreshToken: new Secret('refresh-1'),
        tokenUrl: url,
      });
      const [a, b] = await Promise.all([tokens.get(), tokens.get()]);
      assert.equal(a, 'ya29.token-1');
      assert.equal(b, a);
      assert.equal(await tokens.get(), a);
      assert.equal(calls, 1);
      revoked = true;
      tokens.invalidate();
      await assert.rejects(
        tokens.get(),
        (error: unknown) =>
          error instanceof OAuthError && /MONO_EMAIL_OAUTH_REFRESH_TOKEN/.test(error.message),
      );
    } finally {
      server.close();
    }
  });
});
