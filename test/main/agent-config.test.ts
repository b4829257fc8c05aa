// A setting that stops the agent from starting is put back: the real supervisor runs a stand-in agent that refuses
// one token the way the agent refuses bad configuration (exit 2 with the problem listed), and comes up otherwise.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { UserError } from '../../src-main/ipc/dispatch.ts';
import { createAgentConfig } from '../../src-main/services/agent-config.ts';
import { createAgentSupervisor, nodeSpawnAgent } from '../../src-main/services/agent-supervisor.ts';
import { createPrefsStore } from '../../src-main/services/prefs.ts';
import { createVault } from '../../src-main/services/vault.ts';

const dir = mkdtempSync(join(tmpdir(), 'mono-agent-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const fakeAgent = join(dir, 'agent.mjs');
writeFileSync(
  fakeAgent,
  `if (process.env.TELEGRAM_BOT_TOKEN === '123456:BrokenBrokenBrokenBroken-secret') {
     console.error('MONO cannot start: the configuration has 1 problem(s):');
     console.error('  - TELEGRAM_BOT_TOKEN does not look like a bot token (123456:ABC…): copy it again from @BotFather.');
     process.exit(2);
   }
   console.log(JSON.stringify({ level: 30, msg: 'ready', http: '127.0.0.1:1', token: process.env.TELEGRAM_BOT_TOKEN }));
   process.on('SIGTERM', () => process.exit(0));
   setInterval(() => {}, 1000);`,
);

test('a token the agent will not start with is put back, the agent runs with the old one, and the owner is told why', async () => {
  // Where there is no keyring the vault is sealed under a passphrase.
  const vault = createVault({ file: join(dir, 'vault.json'), platform: 'linux' });
  await vault.create('a passphrase for the tests');
  const prefs = createPrefsStore(join(dir, 'desktop.json'));
  vault.set('telegram_bot_token', '123456:GoodGoodGoodGoodGoodGood');
  const agent = createAgentSupervisor({
    spawn: nodeSpawnAgent(),
    agentPath: fakeAgent,
    env: () => ({
      PATH: process.env.PATH ?? '',
      TELEGRAM_BOT_TOKEN: vault.get('telegram_bot_token')?.reveal() ?? '',
    }),
  });
  const config = createAgentConfig({
    vault,
    prefs,
    installer: {
      applyAgentEnv: async () => {
        await agent.restart();
        return { applied: 'restarted' as const };
      },
    },
    log: () => {},
  });
  try {
    await agent.start();
    const error = await config
      .apply({
        what: 'Telegram bot token',
        secrets: { telegram_bot_token: '123456:BrokenBrokenBrokenBroken-secret' },
      })
      .catch((e: unknown) => e);
    assert.ok(error instanceof UserError, String(error));
    assert.match(
      error.message,
      /^Your agent did not start with the new Telegram bot token: TELEGRAM_BOT_TOKEN does not look like a bot token .* MONO put the previous settings back and your agent runs with them\.$/,
    );
    assert.ok(!error.message.includes('BrokenBroken'), 'the refused value is not repeated');
    assert.equal(vault.get('telegram_bot_token')?.reveal(), '123456:GoodGoodGoodGoodGoodGood');
    assert.equal(agent.status().state, 'running');
    assert.ok(agent.logs(1)[0]?.includes('GoodGood'), 'running with the old token');

    // A good change goes through and stays.
    assert.deepEqual(
      await config.apply({
        what: 'Telegram bot token',
        secrets: { telegram_bot_token: '123456:NewNewNewNewNewNewNewNew' },
      }),
      { applied: 'restarted' },
    );
    assert.equal(vault.get('telegram_bot_token')?.reveal(), '123456:NewNewNewNewNewNewNewNew');
  } finally {
    await agent.stop();
  }
});
