// Gmail-style OAuth2 through the built agent: MONO_EMAIL_OAUTH_* (and the token URL) take the agent from a
// refresh token to XOAUTH2 logins at a real Dovecot that checks every access token with the provider.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FakeAnthropic } from '../../fakes/anthropic-server.ts';
import { Dovecot, dovecotMissing } from '../../fakes/imap-dovecot.ts';
import { FakeOAuthProvider } from '../../fakes/imap-oauth.ts';
import { FakeTelegram } from '../../fakes/telegram-server.ts';
import { agentEnv } from '../../helpers/agent-env.ts';
import { AgentProcess, tempDataDir } from '../../helpers/agent-process.ts';
import { deliverMail, OWNER_MAIL, rawMail } from '../email/helpers.ts';

describe('email over OAuth2 end to end', { skip: dovecotMissing(), timeout: 60_000 }, () => {
  const oauth = new FakeOAuthProvider(OWNER_MAIL);
  const telegram = new FakeTelegram();
  const anthropic = new FakeAnthropic({
    respond: () => ({ text: '{"important": true, "summary": "Bob sends the invoice."}' }),
  });
  const data = tempDataDir();
  let dovecot: Dovecot;
  let agent: AgentProcess;

  before(async () => {
    await oauth.start();
    dovecot = await new Dovecot(undefined, oauth.tokenInfoUrl).start();
    await telegram.start();
    await anthropic.start();
  });
  after(async () => {
    await agent?.stop();
    await telegram.close();
    await anthropic.close();
    await dovecot?.stop();
    await oauth.close();
    data.remove();
  });

  test('the agent signs in with XOAUTH2 and announces new mail', async () => {
    const env = agentEnv(
      data.dir,
      { telegram, anthropic },
      {
        MONO_ALLOW_TELEGRAM: '1001',
        MONO_EMAIL_IMAP_URL: dovecot.url(),
        MONO_EMAIL_OAUTH_CLIENT_ID: oauth.clientId,
        MONO_EMAIL_OAUTH_CLIENT_SECRET: oauth.clientSecret,
        MONO_EMAIL_OAUTH_REFRESH_TOKEN: oauth.refreshToken,
        MONO_EMAIL_OAUTH_TOKEN_URL: oauth.tokenUrl,
      },
    );
    agent = await new AgentProcess(env).start();
    for (let i = 0; i < 100; i++) {
      const { channels } = (await agent.health()).body as { channels?: Record<string, string> };
      if (channels?.email === 'imap-idle') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(oauth.checked.length > 0, `Dovecot checked an access token\n${agent.output()}`);
    // The first start only sets the mailbox cursor; mail from then on is announced (here: while stopped).
    await agent.stop();
    await deliverMail(dovecot, [
      rawMail({ from: 'Bob <bob@example.com>', subject: 'Invoice', text: 'Attached.' }),
    ]);
    agent = await new AgentProcess(env).start();
    const [notice] = await telegram.waitForSent(1, { timeoutMs: 15_000 });
    assert.match(notice!.text, /Invoice/);
    assert.match(notice!.text, /Bob sends the invoice\./);
    assert.doesNotMatch(
      agent.output(),
      new RegExp(`${oauth.clientSecret}|${oauth.refreshToken.replace(/\//g, '\\/')}`),
    );
  });
});
