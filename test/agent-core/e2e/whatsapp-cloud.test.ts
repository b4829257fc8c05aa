// WhatsApp Cloud API through the built agent: Meta's verification challenge, signed and forged webhooks,
// redelivery answered once, read receipts, photos fetched from Graph, a stranger paired, Graph errors in the status.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { mediaBlocks } from '../../fakes/anthropic-media.ts';
import { FakeAnthropic } from '../../fakes/anthropic-server.ts';
import { echoResponder, lastUserText } from '../../fakes/anthropic-types.ts';
import {
  FAKE_WHATSAPP_APP_SECRET,
  FAKE_WHATSAPP_PHONE_ID,
  FAKE_WHATSAPP_TOKEN,
  FAKE_WHATSAPP_VERIFY_TOKEN,
  FakeWhatsAppGraph,
} from '../../fakes/whatsapp-graph-server.ts';
import { agentEnv } from '../../helpers/agent-env.ts';
import { AgentProcess, runAgentToExit, tempDataDir } from '../../helpers/agent-process.ts';
import { queryDataDir } from '../../helpers/inspect-datastore.ts';
import { receiptJpeg } from '../../helpers/media-samples.ts';

const OWNER = '4915112345678';
const STRANGER = '447700900123';
const LONG = Array.from({ length: 60 }, (_, i) => `Paragraph ${i}: ${'x'.repeat(85)}`).join('\n\n');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('whatsapp cloud api end to end', { timeout: 90_000 }, () => {
  const graph = new FakeWhatsAppGraph();
  // "long please" gets a 6000-character answer (WhatsApp takes 4096 per message).
  const anthropic = new FakeAnthropic({
    respond: (request, context) =>
      lastUserText(request) === 'long please' ? { text: LONG } : echoResponder(request, context),
  });
  const data = tempDataDir();
  let agent: AgentProcess;
  const env = () =>
    agentEnv(
      data.dir,
      { anthropic },
      {
        WHATSAPP_TOKEN: FAKE_WHATSAPP_TOKEN,
        WHATSAPP_PHONE_NUMBER_ID: FAKE_WHATSAPP_PHONE_ID,
        WHATSAPP_APP_SECRET: FAKE_WHATSAPP_APP_SECRET,
        WHATSAPP_VERIFY_TOKEN: FAKE_WHATSAPP_VERIFY_TOKEN,
        WHATSAPP_GRAPH_URL: graph.graphUrl,
        MONO_ALLOW_WHATSAPP: `+${OWNER}`,
      },
    );
  const startAgent = async () => {
    agent = await new AgentProcess(env()).start();
    graph.webhookUrl = `${agent.httpUrl}/whatsapp`;
  };

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

  test('incomplete WhatsApp settings stop the agent with exit code 2, naming what to set and no secret', async () => {
    const { code, output } = await runAgentToExit({
      MONO_DATA_DIR: data.dir,
      ANTHROPIC_API_KEY: 'sk-ant-x',
      WHATSAPP_TOKEN: 'EAA-very-secret-token',
      WHATSAPP_PHONE_NUMBER_ID: 'not-a-number',
      WHATSAPP_APP_SECRET: 's',
      WHATSAPP_VERIFY_TOKEN: 'v',
      MONO_WHATSAPP_LINKED: '1',
    });
    assert.equal(code, 2);
    assert.match(output, /WHATSAPP_PHONE_NUMBER_ID must be the numeric phone number ID/);
    assert.match(output, /either the WhatsApp Cloud API .* or a linked device/);
    assert.doesNotMatch(output, /very-secret/);
  });

  test('health says webhook; Meta verification echoes the challenge, a wrong verify token gets 403', async () => {
    const { body } = await agent.health();
    assert.deepEqual(body.channels, { telegram: 'off', whatsapp: 'webhook', email: 'off' });
    const ok = await graph.verifySubscription(graph.webhookUrl!, FAKE_WHATSAPP_VERIFY_TOKEN);
    assert.deepEqual([ok.status, ok.body], [200, ok.challenge]);
    const wrong = await graph.verifySubscription(graph.webhookUrl!, 'guess');
    assert.equal(wrong.status, 403);
    assert.notEqual(wrong.body, wrong.challenge);
  });

  test('a signed message with emoji is answered once, marked read, and a redelivery answers nothing more', async () => {
    const payload = graph.textMessage({ from: OWNER, text: 'Grüße aus Köln 👋🏽 — ça va?', name: 'Anna' });
    assert.equal(await graph.deliver(payload), 200);
    const [reply] = await graph.waitForSent(1, { timeoutMs: 10_000 });
    assert.equal(reply!.to, OWNER);
    assert.equal(reply!.text, 'Echo: Grüße aus Köln 👋🏽 — ça va?');
    assert.ok(graph.reads.some((r) => r.messageId === payload.entry[0]!.changes[0]!.value.messages![0]!.id));
    assert.equal(await graph.deliver(payload), 200);
    await sleep(800);
    assert.equal(graph.sent.length, 1);
    assert.equal(anthropic.requests.length, 1);
  });

  test('forged, tampered and unsigned webhooks get 401', async () => {
    const forged = graph.textMessage({ from: OWNER, text: 'forged ✋' });
    assert.equal(await graph.deliver(forged, { signature: 'wrong-secret' }), 401);
    assert.equal(await graph.deliver(forged, { signature: 'tampered' }), 401);
    assert.equal(await graph.deliver(forged, { signature: 'none' }), 401);
  });

  test('a photo is fetched by its media id with the bearer token and reaches Claude as an image', async () => {
    const before = anthropic.requests.length;
    const photo = graph.fileMessage({
      from: OWNER,
      type: 'image',
      bytes: receiptJpeg(),
      mime: 'image/jpeg',
      caption: 'what does it say?',
    });
    assert.equal(await graph.deliver(photo), 200);
    const sent = await graph.waitForSent(2, { timeoutMs: 10_000 });
    assert.match(sent[1]!.text, /what does it say\?/);
    const images = mediaBlocks(anthropic.requests[before]!).filter((block) => block.type === 'image');
    assert.deepEqual(images[0]?.source, {
      type: 'base64',
      media_type: 'image/jpeg',
      data: receiptJpeg().toString('base64'),
    });
    assert.deepEqual(
      graph.downloads.map((d) => d.status),
      [200],
      'one authorised download',
    );
  });

  test('a location is acknowledged politely without Claude', async () => {
    const before = anthropic.requests.length;
    assert.equal(await graph.deliver(graph.mediaMessage({ from: OWNER, type: 'location' })), 200);
    const sent = await graph.waitForSent(3, { timeoutMs: 10_000 });
    assert.match(sent[2]!.text, /can't read this kind of message/);
    assert.equal(anthropic.requests.length, before);
  });

  test('a reply outside the 24-hour window is marked failed with the reason', async () => {
    // As if this message had waited two days (the agent was down): WhatsApp refuses the reply, by status webhook.
    const old = graph.textMessage({ from: OWNER, text: 'from long ago', hoursAgo: 48 });
    assert.equal(await graph.deliver(old), 200);
    await graph.waitForSent(4, { timeoutMs: 10_000 });
    await sleep(500);
  });

  test('a stranger gets a pairing code; once approved, they are told and answered', async () => {
    assert.equal(
      await graph.deliver(graph.textMessage({ from: STRANGER, text: 'hello?', name: 'Sam' })),
      200,
    );
    const code = await waitFor(
      () => graph.sent.find((s) => s.to === STRANGER)?.text.match(/code is ([A-Z2-9]{6})/)?.[1],
    );
    const requests = anthropic.requests.length;
    await agent.stop();

    const [rows] = await queryDataDir<[{ text: string; status: string; error?: string }[]]>(
      data.dir,
      "SELECT text, status, error, created_at FROM message WHERE channel = 'whatsapp' ORDER BY created_at",
    );
    assert.ok(!rows.some((r) => r.text.includes('forged')), 'forged webhooks stored nothing');
    assert.equal(rows.filter((r) => r.text.startsWith('Grüße aus Köln')).length, 1);
    const failed = rows.find((r) => r.text === 'Echo: from long ago');
    assert.equal(failed?.status, 'failed');
    assert.match(failed?.error ?? '', /24 hours/);
    const [[status]] = await queryDataDir<[{ channels: { whatsapp: { detail?: string } } }[]]>(
      data.dir,
      'SELECT channels FROM agent_status',
    );
    assert.match(status!.channels.whatsapp.detail ?? '', /131047/);

    await queryDataDir(
      data.dir,
      `UPDATE pairing SET status = 'approved', decided_at = time::now(), notified = false WHERE code = '${code}';
       UPSERT type::record('contact', 'whatsapp:${STRANGER}') SET allowed = true;`,
    );
    await startAgent();
    await waitFor(() => graph.sent.find((s) => s.to === STRANGER && /you're approved/.test(s.text)));
    assert.equal(await graph.deliver(graph.textMessage({ from: STRANGER, text: 'now?', name: 'Sam' })), 200);
    await waitFor(() => graph.sent.find((s) => s.to === STRANGER && s.text === 'Echo: now?'));
    assert.equal(anthropic.requests.length, requests + 1);
  });

  test("a long reply is split at WhatsApp's 4096-character limit, in order", async () => {
    const before = graph.sent.length;
    assert.equal(await graph.deliver(graph.textMessage({ from: OWNER, text: 'long please' })), 200);
    const sent = await graph.waitForSent(before + 2, { timeoutMs: 10_000 });
    const parts = sent.slice(before);
    assert.ok(parts.every((p) => p.text.length <= 4096));
    assert.match(parts[0]!.text, /^Paragraph 0:/);
    assert.match(parts[1]!.text, /Paragraph 59: x+$/);
    assert.equal(parts.map((p) => p.text).join('\n\n'), LONG);
  });

  test('an expired token shows in the status with what to do', async () => {
    graph.failNext(190, 4);
    assert.equal(await graph.deliver(graph.textMessage({ from: OWNER, text: 'are you there?' })), 200);
    await sleep(1500);
    await agent.stop();
    const [[status]] = await queryDataDir<[{ channels: { whatsapp: { state: string; detail?: string } } }[]]>(
      data.dir,
      'SELECT channels FROM agent_status',
    );
    assert.equal(status!.channels.whatsapp.state, 'rejected');
    assert.match(status!.channels.whatsapp.detail ?? '', /WHATSAPP_TOKEN/);
  });
});

async function waitFor<T>(check: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== null) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(50);
  }
}
