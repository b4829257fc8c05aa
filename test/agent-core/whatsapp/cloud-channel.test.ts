// The Cloud API channel against the fake Graph server: webhook handling, sends, read receipts, and Graph
// errors turned into send errors and a status the owner can act on.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { InboundMessage } from '../../../agent-core/channels/channel.ts';
import { ChannelSendError, MediaFetchError } from '../../../agent-core/channels/channel.ts';
import { WhatsAppCloudChannel } from '../../../agent-core/channels/whatsapp/cloud-channel.ts';
import { Secret } from '../../../agent-core/config/secret.ts';
import { silentLogger } from '../../../agent-core/log/logger.ts';
import {
  FAKE_WHATSAPP_APP_SECRET,
  FAKE_WHATSAPP_PHONE_ID,
  FAKE_WHATSAPP_TOKEN,
  FAKE_WHATSAPP_VERIFY_TOKEN,
  FakeWhatsAppGraph,
} from '../../fakes/whatsapp-graph-server.ts';

describe('WhatsApp Cloud API channel', { timeout: 30_000 }, () => {
  const graph = new FakeWhatsAppGraph();
  let channel: WhatsAppCloudChannel;
  const received: InboundMessage[] = [];

  before(async () => {
    await graph.start();
    channel = new WhatsAppCloudChannel(
      {
        token: new Secret(FAKE_WHATSAPP_TOKEN),
        phoneNumberId: FAKE_WHATSAPP_PHONE_ID,
        appSecret: new Secret(FAKE_WHATSAPP_APP_SECRET),
        verifyToken: new Secret(FAKE_WHATSAPP_VERIFY_TOKEN),
        graphUrl: graph.graphUrl,
        allow: { everyone: true },
      },
      silentLogger,
    );
    await channel.start(async (message) => {
      received.push(message);
    });
  });
  after(() => graph.close());

  const signed = (payload: unknown) => {
    const raw = Buffer.from(JSON.stringify(payload));
    return channel.handleWebhook(raw, graph.sign(raw));
  };

  test('verification answers the challenge only with the right verify token', () => {
    const ok = channel.verify({
      'hub.mode': 'subscribe',
      'hub.verify_token': FAKE_WHATSAPP_VERIFY_TOKEN,
      'hub.challenge': '1158201444',
    });
    assert.deepEqual(ok, { status: 200, body: '1158201444' });
    assert.equal(
      channel.verify({ 'hub.mode': 'subscribe', 'hub.verify_token': 'nope', 'hub.challenge': '1' }).status,
      403,
    );
    assert.equal(channel.verify({}).status, 403);
  });

  test('a signed webhook is received, then marked read; a forged one is refused unread', async () => {
    const payload = graph.textMessage({ from: '4915112345678', text: 'Grüß dich 👋', name: 'Jörg' });
    const raw = Buffer.from(JSON.stringify(payload));
    assert.equal((await channel.handleWebhook(raw, `sha256=${'0'.repeat(64)}`)).status, 401);
    assert.equal((await channel.handleWebhook(raw, undefined)).status, 401);
    assert.equal(received.length, 0);
    assert.deepEqual(await signed(payload), { status: 200, body: 'ok' });
    assert.equal(received[0]!.text, 'Grüß dich 👋');
    assert.equal(received[0]!.name, 'Jörg');
    const [read] = await graph.waitForReads(1);
    assert.equal(read!.messageId, received[0]!.messageId);
    assert.equal((await channel.handleWebhook(Buffer.from('{x'), graph.sign('{x'))).status, 400);
  });

  test('send returns the wamid; typing uses the last received message', async () => {
    const id = await channel.send('4915112345678', 'Hello **there**');
    assert.match(id, /^wamid\./);
    assert.equal(graph.sent.at(-1)!.text, 'Hello *there*');
    await channel.typing('4915112345678');
    const typing = await graph.waitForReads(2);
    assert.equal(typing[1]!.typing, true);
    await channel.typing('4915112345678'); // throttled: the indicator still shows
    assert.equal(graph.reads.length, 2);
  });

  test('an expired token is a permanent error and marks the channel broken with what to do', async () => {
    graph.failNext(190);
    const error = await channel.send('4915112345678', 'x').catch((e: unknown) => e);
    assert.ok(error instanceof ChannelSendError);
    assert.equal(error.permanent, true);
    assert.match(error.message, /Graph error 190/);
    assert.equal(channel.state().state, 'rejected');
    assert.match(channel.state().detail!, /WHATSAPP_TOKEN/);
    await channel.send('4915112345678', 'works again');
    assert.equal(channel.state().state, 'webhook');
  });

  test('rate limits are retryable; the 24-hour window is permanent for that message only', async () => {
    for (const code of [130429, 80007] as const) {
      graph.failNext(code);
      const error = (await channel.send('4915112345678', 'x').catch((e: unknown) => e)) as ChannelSendError;
      assert.equal(error.permanent, false, `code ${code}`);
      assert.match(error.message, /rate limit/);
    }
    await channel.send('4915112345678', 'recovered');
    graph.failNext(131047);
    const window = (await channel.send('4915112345678', 'x').catch((e: unknown) => e)) as ChannelSendError;
    assert.equal(window.permanent, true);
    assert.match(window.message, /24 hours/);
    assert.equal(channel.state().state, 'webhook');
    assert.match(channel.state().detail!, /131047/);
  });

  test('a failed status webhook is reported with its reason', async () => {
    const failures: [string, string][] = [];
    channel.onDeliveryFailure = async (id, reason) => {
      failures.push([id, reason]);
    };
    graph.webhookUrl = undefined;
    const id = await channel.send('4915100000000', 'outside the window');
    const { failedStatus } = await import('../../fakes/whatsapp-payloads.ts');
    assert.equal(
      (await signed(failedStatus(FAKE_WHATSAPP_PHONE_ID, { id, recipient: '4915100000000', code: 131047 })))
        .status,
      200,
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(failures.length, 1);
    assert.equal(failures[0]![0], id);
    assert.match(failures[0]![1], /\+4915100000000/);
  });

  test('a file is fetched from the URL Graph gives, with the token; an oversized one is not downloaded', async () => {
    const payload = graph.fileMessage({
      from: '4915111',
      type: 'document',
      bytes: Buffer.from('%PDF-1.4 x'),
      mime: 'application/pdf',
    });
    const mediaId = (payload.entry[0]!.changes[0]!.value.messages![0]!.document as { id: string }).id;
    const fetched = await channel.fetchMedia({ media_id: mediaId }, { maxBytes: 1000 });
    const chunks: Buffer[] = [];
    for await (const chunk of fetched.body) chunks.push(Buffer.from(chunk));
    assert.equal(Buffer.concat(chunks).toString(), '%PDF-1.4 x');
    const downloads = graph.downloads.length;
    await assert.rejects(
      channel.fetchMedia({ media_id: mediaId }, { maxBytes: 5 }),
      (error: unknown) => error instanceof MediaFetchError && error.tooLarge,
    );
    assert.equal(graph.downloads.length, downloads, 'too large: never downloaded');
  });

  test('the token never goes to a download URL on another host over plain http', async () => {
    const asked: string[] = [];
    const spying = new WhatsAppCloudChannel(
      {
        token: new Secret(FAKE_WHATSAPP_TOKEN),
        phoneNumberId: FAKE_WHATSAPP_PHONE_ID,
        appSecret: new Secret(FAKE_WHATSAPP_APP_SECRET),
        verifyToken: new Secret(FAKE_WHATSAPP_VERIFY_TOKEN),
        graphUrl: graph.graphUrl,
        allow: { everyone: true },
      },
      silentLogger,
      async (url) => {
        asked.push(String(url));
        return Response.json({
          url: 'http://203.0.113.9/steal',
          file_size: 10,
          mime_type: 'image/jpeg',
          id: '42',
        });
      },
    );
    await assert.rejects(spying.fetchMedia({ media_id: '42' }, { maxBytes: 1000 }), MediaFetchError);
    assert.deepEqual(
      asked.map((url) => new URL(url).pathname),
      ['/v23.0/42'],
    );
  });
});
