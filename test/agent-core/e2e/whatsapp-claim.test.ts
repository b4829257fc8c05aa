// Claiming ownership over the WhatsApp Cloud API, through the built agent and the `mono` CLI: an agent nobody owns
// tells a WhatsApp sender it is not set up; the claim code sent from WhatsApp makes that number the owner
// (owner:⟨whatsapp:<number>⟩, at once and after a restart: tools, `/status` answered by MONO); a second number
// sending the same code is refused and stays a stranger, and once paired it is a guest without the owner's tools.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FakeAnthropic } from '../../fakes/anthropic-server.ts';
import { echoResponder, type MessagesRequest } from '../../fakes/anthropic-types.ts';
import {
  FAKE_WHATSAPP_APP_SECRET,
  FAKE_WHATSAPP_PHONE_ID,
  FAKE_WHATSAPP_TOKEN,
  FAKE_WHATSAPP_VERIFY_TOKEN,
  FakeWhatsAppGraph,
} from '../../fakes/whatsapp-graph-server.ts';
import { agentEnv } from '../../helpers/agent-env.ts';
import { AgentProcess, tempDataDir } from '../../helpers/agent-process.ts';
import { queryRunningAgent } from '../../helpers/inspect-datastore.ts';
import { mono } from '../../helpers/mono-cli.ts';
import { allowTimeForDuplicates, eventually } from '../../helpers/wait.ts';

const ANNA = { from: '4915112345678', name: 'Anna' };
const BOB = { from: '447700900123', name: 'Bob' };
const OWNER_TOOLS = ['remember', 'create_job', 'send_message'];

const toolNames = (request: MessagesRequest) => (request.tools ?? []).map((tool) => String(tool.name));

describe('claiming ownership over the WhatsApp Cloud API', { timeout: 120_000 }, () => {
  const graph = new FakeWhatsAppGraph();
  const anthropic = new FakeAnthropic({ respond: echoResponder });
  const data = tempDataDir();
  let agent: AgentProcess;
  // No MONO_ALLOW_WHATSAPP, no MONO_OWNER_CHAT: nobody owns this agent until a code is used.
  const startAgent = async () => {
    agent = await new AgentProcess(
      agentEnv(
        data.dir,
        { anthropic },
        {
          WHATSAPP_TOKEN: FAKE_WHATSAPP_TOKEN,
          WHATSAPP_PHONE_NUMBER_ID: FAKE_WHATSAPP_PHONE_ID,
          WHATSAPP_APP_SECRET: FAKE_WHATSAPP_APP_SECRET,
          WHATSAPP_VERIFY_TOKEN: FAKE_WHATSAPP_VERIFY_TOKEN,
          WHATSAPP_GRAPH_URL: graph.graphUrl,
        },
      ),
    ).start();
    graph.webhookUrl = `${agent.httpUrl}/whatsapp`;
  };
  const query = <T>(sql: string) => queryRunningAgent<T>(data.dir, sql);
  /** Sends a signed webhook from `who` and resolves to the next text sent back to that number. */
  const ask = async (who: { from: string; name: string }, text: string) => {
    const before = graph.sent.filter((s) => s.to === who.from).length;
    const status = await graph.deliver(graph.textMessage({ ...who, text })).catch((error: Error) => {
      throw new Error(`the agent did not take "${text}": ${error.message}\n${agent.output().slice(-3000)}`);
    });
    assert.equal(status, 200);
    return eventually(
      () => graph.sent.filter((s) => s.to === who.from)[before]?.text,
      `an answer to "${text}" from ${who.name}`,
      20_000,
    );
  };
  /** The tools Claude was offered with the newest request that carried `text`. */
  const toolsOffered = (text: string) =>
    eventually(
      () => anthropic.requests.findLast((r) => JSON.stringify(r.messages).includes(text)),
      `a Claude call for "${text}"`,
      20_000,
    ).then(toolNames);

  before(async () => {
    await graph.start();
    await anthropic.start();
    await startAgent();
  });
  after(async () => {
    await agent?.stop();
    await graph.close();
    await anthropic.close();
    data.remove();
  });

  test('nobody owns the agent yet: a WhatsApp sender hears it is not set up, and nothing reaches Claude', async () => {
    assert.match(await ask(ANNA, 'hello?'), /isn't set up yet/);
    const [[status]] = await query<[{ has_owner: boolean }[]]>('SELECT has_owner FROM agent_status');
    assert.equal(status!.has_owner, false);
    assert.equal(anthropic.requests.length, 0);
  });

  test('the code sent from WhatsApp makes that number the owner; the same code from another number is refused', async () => {
    const claim = mono(['owner', 'claim'], data.dir);
    assert.equal(claim.code, 0, claim.out);
    const code = /^ {2}(MONO-\S+)$/m.exec(claim.out)?.[1];
    assert.ok(code, claim.out);

    // Typed by hand on the phone: lower case, spaces instead of dashes.
    assert.match(await ask(ANNA, code.toLowerCase().replace(/-/g, ' ')), /you are my owner now/);
    assert.match(await ask(BOB, code), /That code was used already/);
    const [owners, status] = await query<
      [{ id: string; channel: string; external_id: string; chat_id: string; added_by: string }[], unknown[]]
    >(
      `SELECT record::id(id) AS id, channel, external_id, chat_id, added_by FROM owner;
       SELECT has_owner FROM agent_status;`,
    );
    assert.deepEqual(owners, [
      {
        id: `whatsapp:${ANNA.from}`,
        channel: 'whatsapp',
        external_id: ANNA.from,
        chat_id: ANNA.from,
        added_by: 'claim',
      },
    ]);
    assert.deepEqual(status, [{ has_owner: true }]);
    assert.match(mono(['owner'], data.dir).out, new RegExp(`whatsapp:${ANNA.from} {2}Anna \\(claim\\)`));
  });

  test('the new owner is the owner at once: /status answered by MONO itself, Claude offered the owner’s tools', async () => {
    const before = anthropic.requests.length;
    assert.match(await ask(ANNA, '/status'), /^MONO \d[\s\S]*whatsapp: webhook/);
    assert.equal(anthropic.requests.length, before, '/status is answered by MONO, not sent to Claude');
    assert.equal(await ask(ANNA, 'Remember that I like tea.'), 'Echo: Remember that I like tea.');
    const tools = await toolsOffered('Remember that I like tea.');
    for (const tool of OWNER_TOOLS) assert.ok(tools.includes(tool), `the owner is offered ${tool}: ${tools}`);
  });

  test('the other number stays a stranger, then a guest: a pairing code, and no owner tools once approved', async () => {
    const before = anthropic.requests.length;
    const answer = await ask(BOB, '/status');
    const pairing = /pairing code is ([A-Z2-9]{6})/.exec(answer)?.[1];
    assert.ok(pairing, answer);
    assert.equal(anthropic.requests.length, before, 'a stranger never reaches Claude');
    const approved = mono(['pairing', 'approve', pairing], data.dir);
    assert.equal(approved.code, 0, approved.out);
    await eventually(
      () => graph.sent.find((s) => s.to === BOB.from && /you're approved/.test(s.text)),
      'the approval notice',
      20_000,
    );
    assert.equal(
      await ask(BOB, 'Remember that the owner owes me money.'),
      'Echo: Remember that the owner owes me money.',
    );
    const tools = await toolsOffered('Remember that the owner owes me money.');
    for (const tool of OWNER_TOOLS) assert.ok(!tools.includes(tool), `a guest is never offered ${tool}`);
    // A guest's /status is a message like any other, not an owner command.
    assert.equal(await ask(BOB, '/status'), 'Echo: /status');
  });

  test('after a restart the claimed number is still the owner, and the used code still works for nobody', async () => {
    await agent.stop();
    await startAgent();
    assert.match(await ask(ANNA, '/status'), /^MONO \d/);
    const claim = mono(['owner', 'claim'], data.dir);
    const code = /^ {2}(MONO-\S+)$/m.exec(claim.out)?.[1];
    assert.ok(code, claim.out);
    // The owner's own number needs no code: it stays unused, for the account they mean to add.
    assert.match(await ask(ANNA, code), /You are my owner already/);
    const [claims] = await query<[{ used_at?: string }[]]>(
      'SELECT used_at, created_at FROM owner_claim ORDER BY created_at',
    );
    assert.equal(claims.length, 2);
    assert.ok(claims[0]!.used_at, 'the first code is used');
    assert.equal(claims[1]!.used_at, undefined, 'the owner’s own number left the new code unused');
    await allowTimeForDuplicates();
    assert.equal(graph.sent.filter((s) => /you are my owner now/.test(s.text)).length, 1, 'claimed once');
  });
});
