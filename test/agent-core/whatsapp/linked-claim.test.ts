// Claiming ownership over a linked WhatsApp device, through the agent itself (startAgent in this process: its
// datastore, channel setup, receive path, turn runner and owner rules), with only WhatsApp's side played by the
// fake Baileys socket (WhatsApp's servers are out of reach). The owner id a claim writes is the phone number in
// every form WhatsApp addresses a chat (a LID with or without its phone number), so the owner is still known later.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { jsonify } from 'surrealdb';
import { type RunningAgent, startAgent } from '../../../agent-core/agent-app.ts';
import { loadConfig } from '../../../agent-core/config/config.ts';
import { silentLogger } from '../../../agent-core/log/logger.ts';
import { storeOwnerClaim } from '../../../agent-core/store/owners.ts';
import { FAKE_ANTHROPIC_KEY, FakeAnthropic } from '../../fakes/anthropic-server.ts';
import { echoResponder } from '../../fakes/anthropic-types.ts';
import { type FakeLinkedSocket, fakeSocketFactory } from '../../fakes/whatsapp-linked-socket.ts';
import { eventually } from '../../helpers/wait.ts';

const OWN = '4915100000001';
const OWN_LID = '99887766554433';
const STRANGER = '447700900123';
const FRIEND = '4917000000002';
const FRIEND_LID = '11223344556677';
const OWNER_TOOLS = ['remember', 'create_job', 'send_message'];

describe('claiming ownership over a linked WhatsApp device', { timeout: 60_000 }, () => {
  const anthropic = new FakeAnthropic({ respond: echoResponder });
  const dir = mkdtempSync(join(tmpdir(), 'mono-linked-claim-'));
  const { factory, sockets } = fakeSocketFactory({ registered: true });
  let agent: RunningAgent;
  let socket: FakeLinkedSocket;
  let next = 1;

  /** A message WhatsApp delivers to the linked device; resolves to the next text MONO sends to that chat. */
  const deliver = async (
    key: { remoteJid: string; remoteJidAlt?: string; fromMe?: boolean },
    text: string,
  ) => {
    const before = socket.sent.filter((s) => s.jid === key.remoteJid).length;
    socket.deliver([
      {
        key: { id: `IN${next++}`, fromMe: false, ...key },
        pushName: 'Anna',
        messageTimestamp: Math.floor(Date.now() / 1000),
        message: { conversation: text },
      },
    ]);
    return eventually(
      () => socket.sent.filter((s) => s.jid === key.remoteJid)[before]?.text,
      `an answer to "${text}" in ${key.remoteJid}`,
      15_000,
    );
  };
  const query = async <T>(sql: string) => jsonify(await agent.db.query(sql).collect()) as T;
  const toolsFor = (text: string) =>
    eventually(
      () => anthropic.requests.findLast((r) => JSON.stringify(r.messages).includes(text)),
      `a Claude call for "${text}"`,
    ).then((request) => (request.tools ?? []).map((tool) => String(tool.name)));

  before(async () => {
    await anthropic.start();
    const config = loadConfig({
      MONO_DATA_DIR: dir,
      MONO_HTTP_HOST: '127.0.0.1',
      MONO_HTTP_PORT: '0',
      ANTHROPIC_API_KEY: FAKE_ANTHROPIC_KEY,
      ANTHROPIC_BASE_URL: anthropic.url,
      MONO_WHATSAPP_LINKED: '1',
      // Everyone may write to this number, and nobody owns the agent yet: the code decides who does.
      MONO_ALLOW_WHATSAPP: '*',
    });
    assert.ok(config.whatsappLinked);
    config.whatsappLinked.createSocket = factory;
    agent = await startAgent(config, silentLogger);
    await eventually(() => sockets[0], 'the linked channel to connect');
    socket = sockets[0]!;
    socket.open(`${OWN}:7@s.whatsapp.net`, `${OWN_LID}:7@lid`);
  });
  after(async () => {
    await agent?.stop();
    await anthropic.close();
    rmSync(dir, { recursive: true, force: true });
    // After DEFINE INDEX the embedded engine keeps the process alive (a SurrealDB engine trait): end it once results are out.
    setTimeout(() => process.exit(process.exitCode ?? 0), 300).unref();
  });

  test('the code sent in the self chat addressed as a LID (no phone number given) makes the phone number the owner', async () => {
    const selfLid = { remoteJid: `${OWN_LID}@lid`, fromMe: true };
    assert.match(await deliver(selfLid, 'hello?'), /isn't set up yet/);
    const { code } = await storeOwnerClaim(agent.db);
    assert.match(await deliver(selfLid, code), /you are my owner now/);
    const [owners] = await query<[{ id: string; external_id: string; added_by: string }[]]>(
      'SELECT record::id(id) AS id, external_id, added_by FROM owner',
    );
    assert.deepEqual(owners, [{ id: `whatsapp:${OWN}`, external_id: OWN, added_by: 'claim' }]);
  });

  test('the same owner writing in the self chat by phone number is known: /status answered by MONO, owner tools', async () => {
    const self = { remoteJid: `${OWN}@s.whatsapp.net`, fromMe: true };
    const before = anthropic.requests.length;
    assert.match(await deliver(self, '/status'), /^MONO \d[\s\S]*whatsapp: connected/);
    assert.equal(anthropic.requests.length, before, '/status is answered by MONO itself');
    assert.equal(await deliver(self, 'Remember that I like tea.'), 'Echo: Remember that I like tea.');
    const tools = await toolsFor('Remember that I like tea.');
    for (const tool of OWNER_TOOLS) assert.ok(tools.includes(tool), `the owner is offered ${tool}: ${tools}`);
  });

  test('a used code is refused for another number, which stays a guest without the owner’s tools', async () => {
    const stranger = { remoteJid: `${STRANGER}@s.whatsapp.net` };
    const [[claim]] = await query<[{ used_at?: string }[]]>('SELECT used_at FROM owner_claim');
    assert.ok(claim?.used_at);
    // The stored claim holds the code's hash only: make a code, use it, then send it again from elsewhere.
    const { code } = await storeOwnerClaim(agent.db);
    const friend = { remoteJid: `${FRIEND_LID}@lid`, remoteJidAlt: `${FRIEND}@s.whatsapp.net` };
    assert.match(await deliver(friend, code), /you are my owner now/);
    assert.match(await deliver(stranger, code), /That code was used already/);
    assert.equal(
      await deliver(stranger, 'Remember that the owner owes me money.'),
      'Echo: Remember that the owner owes me money.',
    );
    const tools = await toolsFor('Remember that the owner owes me money.');
    for (const tool of OWNER_TOOLS) assert.ok(!tools.includes(tool), `a guest is never offered ${tool}`);
    const [owners] = await query<[{ id: string }[]]>(
      'SELECT record::id(id) AS id, created_at FROM owner ORDER BY created_at',
    );
    assert.deepEqual(
      owners.map((o) => o.id),
      [`whatsapp:${OWN}`, `whatsapp:${FRIEND}`],
      'the friend who wrote as a LID is owner by phone number',
    );
    // Writing by phone number later, the friend is the owner.
    assert.match(await deliver({ remoteJid: `${FRIEND}@s.whatsapp.net` }, '/status'), /^MONO \d/);
  });
});
