// The linked device through the built agent, up to WhatsApp's socket: the bundle loads Baileys (chunks of its
// own) only in linked mode, keeps the keys in <data dir>/whatsapp-auth (0700), and when the
// WhatsApp server hangs up it reconnects with backoff and shows the drop in the agent's status.
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { WebSocketServer } from 'ws';
import { FakeAnthropic } from '../../fakes/anthropic-server.ts';
import { FakeTelegram } from '../../fakes/telegram-server.ts';
import { agentEnv } from '../../helpers/agent-env.ts';
import { AGENT_BUNDLE, AgentProcess, tempDataDir } from '../../helpers/agent-process.ts';
import { queryRunningAgent } from '../../helpers/inspect-datastore.ts';
import { eventually } from '../../helpers/wait.ts';

describe('whatsapp linked device end to end', { timeout: 60_000 }, () => {
  const telegram = new FakeTelegram();
  const anthropic = new FakeAnthropic();
  const data = tempDataDir();
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  let connections = 0;
  let agent: AgentProcess;

  before(async () => {
    await new Promise((resolve) => server.once('listening', resolve));
    // Not WhatsApp: accept, then hang up, like a dropped connection.
    server.on('connection', (socket) => {
      connections++;
      setTimeout(() => socket.close(), 20);
    });
    await telegram.start();
    await anthropic.start();
  });
  after(async () => {
    await agent?.stop();
    await new Promise((resolve) => server.close(resolve));
    await telegram.close();
    await anthropic.close();
    data.remove();
  });

  test('the linked device loads Baileys only when used, keeps its keys private, and reconnects after drops', async () => {
    // Baileys is not in the start-up code: only the linked channel's chunks import it, when used.
    const main = readFileSync(AGENT_BUNDLE, 'utf8');
    assert.ok(!/makeWASocket|WAProto/.test(main), 'Baileys is not in mono-agent.js');
    const port = (server.address() as { port: number }).port;
    agent = await new AgentProcess(
      agentEnv(
        data.dir,
        { telegram, anthropic },
        {
          MONO_ALLOW_TELEGRAM: '1001',
          MONO_WHATSAPP_LINKED: '1',
          MONO_ALLOW_WHATSAPP: '+4915112345678',
          MONO_WHATSAPP_WEB_URL: `ws://127.0.0.1:${port}/ws/chat`,
        },
      ),
    ).start();
    const { body } = await agent.health();
    assert.deepEqual(body.channels, { telegram: 'polling', whatsapp: 'linked', email: 'off' });
    const deadline = Date.now() + 20_000;
    while (connections < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.ok(connections >= 2, `reconnected after the drop (${connections} connections)\n${agent.output()}`);
    const auth = join(data.dir, 'whatsapp-auth');
    assert.equal((statSync(auth).mode & 0o777).toString(8), '700');
    // The drop shows in the agent's status while it runs (a stopped agent's channels are all 'off').
    type Status = { channels: { whatsapp: { state: string; detail?: string } } };
    const whatsapp = await eventually(
      async () => {
        const [[status]] = await queryRunningAgent<[Status[]]>(data.dir, 'SELECT channels FROM agent_status');
        const state = status?.channels.whatsapp;
        return state?.state === 'connecting' && /dropped/.test(state.detail ?? '') ? state : undefined;
      },
      'the status to show the dropped connection',
      10_000,
    );
    assert.match(whatsapp.detail!, /dropped/);
    await agent.stop();
  });
});
