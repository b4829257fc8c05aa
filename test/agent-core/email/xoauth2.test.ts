// OAuth2 (XOAUTH2, how Gmail is reached without an app password) against real servers: Dovecot checks each
// access token at a local OAuth provider, the SMTP sink takes XOAUTH2, and the agent gets its access tokens
// from the provider's token endpoint with the refresh token.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { EmailChannel } from '../../../agent-core/channels/email/email-channel.ts';
import { Secret } from '../../../agent-core/config/secret.ts';
import { openDatastore } from '../../../agent-core/db/datastore.ts';
import type { Datastore } from '../../../agent-core/db/datastore-types.ts';
import { applySchema } from '../../../agent-core/db/schema.ts';
import { silentLogger } from '../../../agent-core/log/logger.ts';
import { Dovecot, dovecotMissing } from '../../fakes/imap-dovecot.ts';
import { FakeOAuthProvider } from '../../fakes/imap-oauth.ts';
import { SmtpSink } from '../../fakes/smtp-sink.ts';
import { deliverMail, emailConfig, OWNER_MAIL, PASSWORD, rawMail, until } from './helpers.ts';

describe('email over XOAUTH2', { skip: dovecotMissing(), timeout: 60_000 }, () => {
  const oauth = new FakeOAuthProvider(OWNER_MAIL);
  let dovecot: Dovecot;
  let smtp: SmtpSink;
  let ds: Datastore;
  const delivered: string[] = [];

  before(async () => {
    await oauth.start();
    dovecot = await new Dovecot(undefined, oauth.tokenInfoUrl).start();
    smtp = await new SmtpSink({ user: OWNER_MAIL, password: PASSWORD }, (token) =>
      oauth.isValid(token),
    ).start();
    ds = await openDatastore({ url: 'mem://', log: silentLogger });
    await applySchema(ds.db, silentLogger);
  });
  after(async () => {
    await ds?.close();
    await smtp?.close();
    await dovecot?.stop();
    await oauth.close();
    setTimeout(() => process.exit(process.exitCode ?? 0), 300).unref();
  });

  const oauthConfig = (refreshToken: string) =>
    emailConfig(dovecot, smtp, {
      auth: {
        kind: 'oauth2',
        user: OWNER_MAIL,
        clientId: oauth.clientId,
        clientSecret: new Secret(oauth.clientSecret),
        refreshToken: new Secret(refreshToken),
        tokenUrl: oauth.tokenUrl,
      },
    });
  const context = () => ({
    db: ds.db,
    deliver: (message: { text: string }) => void delivered.push(message.text),
    stateChanged: () => {},
    owner: () => undefined,
    mayUseClaude: async () => false,
  });

  test('IMAP and SMTP sign in with an access token fetched with the refresh token', async () => {
    const channel = new EmailChannel(oauthConfig(oauth.refreshToken), silentLogger, { backoffMs: 50 });
    channel.attach(context());
    await channel.start(async () => {});
    await until(() => channel.state().state === 'connected', `connected (${channel.state().detail})`);
    assert.equal(oauth.issued.length, 1);
    assert.ok(oauth.checked.includes(oauth.issued[0]!.token), 'Dovecot checked the token');
    await deliverMail(dovecot, [
      rawMail({ from: 'Anna <anna@example.com>', subject: 'Hello', text: 'Hi there' }),
    ]);
    await until(() => delivered.length === 1, 'notice');
    await channel.send('anna@example.com', 'Hi Anna\nThanks!');
    const [mail] = await smtp.waitFor(1);
    assert.equal(mail!.subject, 'Hi Anna');
    assert.equal(oauth.issued.length, 1, 'the access token is reused until it expires');
    await channel.stop();
  });

  test('a revoked refresh token is shown with what to do', async () => {
    const channel = new EmailChannel(oauthConfig('1//revoked'), silentLogger, { backoffMs: 60_000 });
    channel.attach(context());
    await channel.start(async () => {});
    await until(() => channel.state().state === 'error', 'error');
    assert.match(channel.state().detail!, /MONO_EMAIL_OAUTH_REFRESH_TOKEN/);
    await channel.stop();
  });
});
