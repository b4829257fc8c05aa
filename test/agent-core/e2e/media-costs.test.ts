// What files, voice and web lookups cost, through the built agent against the fakes: a photo's tokens are in the
// input tokens recorded for its turn, a web search's fee is in the stored cost, and minutes of transcription count
// against the daily budget like Claude's tokens. Expected figures come from Anthropic's and the speech service's
// published prices, written here, never from MONO's price table.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FakeAnthropic } from '../../fakes/anthropic-server.ts';
import { countInputTokens, IMAGE_TOKENS } from '../../fakes/anthropic-tokens.ts';
import { lastUserText, type MessagesRequest } from '../../fakes/anthropic-types.ts';
import { FAKE_STT_KEY, FakeStt } from '../../fakes/stt-server.ts';
import { FakeTelegram } from '../../fakes/telegram-server.ts';
import { agentEnv } from '../../helpers/agent-env.ts';
import { AgentProcess, tempDataDir } from '../../helpers/agent-process.ts';
import { queryDataDir } from '../../helpers/inspect-datastore.ts';
import { oggOpus, receiptJpeg } from '../../helpers/media-samples.ts';

const OWNER = 5301;
/** The agent's default model is a Sonnet: Anthropic's list price in USD per million tokens. */
const SONNET = { input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 };
/** Anthropic's web search: $10 per 1,000 searches. */
const SEARCH_USD = 0.01;
/** A transcription price set high, so that one minute of voice reaches the daily cap. */
const STT_USD_PER_MINUTE = 4;
const DAILY_CAP_USD = 4;

interface StoredUsage {
  model: string;
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  web_search_requests?: number;
  audio_seconds?: number;
  cost_usd: number;
}

const tokenUsd = (u: StoredUsage) =>
  (u.input_tokens * SONNET.input +
    u.output_tokens * SONNET.output +
    u.cache_creation_input_tokens * SONNET.cacheWrite +
    u.cache_read_input_tokens * SONNET.cacheRead) /
  1e6;

/** The request as it would be without its images: what the text alone costs in tokens. */
function withoutImages(request: MessagesRequest): { request: MessagesRequest; images: number } {
  let images = 0;
  const messages = request.messages.map((message) => {
    if (typeof message.content === 'string') return message;
    const kept = message.content.filter((block) => block.type !== 'image');
    images += message.content.length - kept.length;
    return { ...message, content: kept };
  });
  return { request: { ...request, messages }, images };
}

describe('what files, voice and web lookups cost', { timeout: 120_000 }, () => {
  const telegram = new FakeTelegram();
  const anthropic = new FakeAnthropic();
  const stt = new FakeStt();
  const data = tempDataDir();
  let agent: AgentProcess;
  /** The requests of the photo's turn. */
  let photoTurn: MessagesRequest[] = [];

  const exchange = (send: () => void) => telegram.replyTo(OWNER, send);

  before(async () => {
    await Promise.all([telegram.start(), anthropic.start(), stt.start()]);
    anthropic.respond = (request) =>
      /weather/i.test(lastUserText(request))
        ? {
            text: 'It is sunny in Berlin today.',
            webSearch: [
              {
                query: 'Berlin weather today',
                results: [{ url: 'https://weather.example/berlin', title: 'Berlin weather' }],
              },
            ],
            citations: [
              { url: 'https://weather.example/berlin', title: 'Berlin weather', cited_text: 'Sunny, 21°C' },
            ],
          }
        : { text: 'A receipt for 19.99 EUR.' };
    const env = agentEnv(
      data.dir,
      { telegram, anthropic },
      {
        MONO_ALLOW_TELEGRAM: String(OWNER),
        MONO_STT_URL: stt.url,
        MONO_STT_API_KEY: FAKE_STT_KEY,
        MONO_STT_PRICE_PER_MIN: String(STT_USD_PER_MINUTE),
      },
    );
    await (await new AgentProcess(env).start()).stop();
    await queryDataDir(
      data.dir,
      `UPSERT setting:owner_chat SET key = 'owner_chat', value = 'telegram:${OWNER}';
       UPSERT setting:budget_daily_usd SET key = 'budget_daily_usd', value = ${DAILY_CAP_USD}`,
    );
    agent = await new AgentProcess(env).start();
  });

  after(async () => {
    await agent?.stop();
    await Promise.all([telegram.close(), anthropic.close(), stt.close()]);
    data.remove();
  });

  test('a photo turn and a web lookup are answered (well under the cap)', async () => {
    const calls = anthropic.requests.length;
    const photo = await exchange(() =>
      telegram.sendPhoto({ chatId: OWNER, userId: OWNER, bytes: receiptJpeg(), caption: 'What is this?' }),
    );
    assert.equal(photo, 'A receipt for 19.99 EUR.');
    photoTurn = anthropic.requests.slice(calls);
    assert.ok(photoTurn.length >= 1);
    const weather = await exchange(() =>
      telegram.sendText({ chatId: OWNER, userId: OWNER, text: 'weather in Berlin?' }),
    );
    assert.match(weather, /It is sunny in Berlin today\./);
  });

  test('a minute of transcription reaches the daily cap: the next call to Claude is not made', async () => {
    const calls = anthropic.requests.length;
    const voice = oggOpus(60);
    stt.hear(voice, 'What is on my calendar tomorrow?');
    const reply = await exchange(() =>
      telegram.sendVoice({ chatId: OWNER, userId: OWNER, bytes: voice, duration: 60 }),
    );
    assert.equal(stt.requests.length, 1, 'the voice note was transcribed');
    assert.match(
      reply,
      /I've reached your daily budget \(\$4\.\d\d of \$4\.00\), so I've stopped calling Claude/,
    );
    assert.equal(anthropic.requests.length, calls, 'Claude was not called for the voice note');
    // And stays stopped: the owner was told once, the next message is not sent to Claude either.
    telegram.sendText({ chatId: OWNER, userId: OWNER, text: 'hello?' });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(anthropic.requests.length, calls);
  });

  test('the stored usage: image tokens in the input, the search fee and the minutes in the cost', async () => {
    await agent.stop();
    const [replies, usage] = await queryDataDir<[{ text: string; usage?: StoredUsage }[], StoredUsage[]]>(
      data.dir,
      `SELECT text, usage, created_at FROM message WHERE role = 'assistant' ORDER BY created_at;
       SELECT * FROM usage`,
    );
    const [photo, weather] = replies;
    assert.equal(replies.length, 2, replies.map((r) => r.text).join(' | '));

    // The photo's turn: what the model was sent, the image counted at the fake's fixed figure.
    let expected = 0;
    for (const request of photoTurn) {
      const stripped = withoutImages(request);
      assert.equal(stripped.images, 1, 'one image in each request of the turn');
      expected += countInputTokens(stripped.request) + stripped.images * IMAGE_TOKENS;
    }
    const p = photo!.usage!;
    assert.equal(
      p.input_tokens + p.cache_creation_input_tokens + p.cache_read_input_tokens,
      expected,
      `input tokens of the photo turn include the image's ${IMAGE_TOKENS}`,
    );
    assert.ok(Math.abs(p.cost_usd - tokenUsd(p)) < 1e-9, `photo turn: ${p.cost_usd} USD`);

    // The lookup: its tokens at Sonnet's price plus $0.01 for the one search.
    const w = weather!.usage!;
    assert.equal(w.web_search_requests, 1);
    assert.ok(
      Math.abs(w.cost_usd - (tokenUsd(w) + SEARCH_USD)) < 1e-9,
      `web turn: ${w.cost_usd} USD, expected ${tokenUsd(w)} + ${SEARCH_USD}`,
    );

    // The day's rows: Claude's with every search's fee, the transcription model's with its minute.
    const claude = usage.find((row) => row.model.startsWith('claude'))!;
    assert.equal(claude.web_search_requests, 1);
    assert.ok(Math.abs(claude.cost_usd - (tokenUsd(claude) + SEARCH_USD)) < 1e-9);
    const whisper = usage.find((row) => row.model === 'whisper-1')!;
    assert.equal(whisper.audio_seconds, 60);
    assert.ok(Math.abs(whisper.cost_usd - STT_USD_PER_MINUTE) < 1e-9, `${whisper.cost_usd} USD`);
  });
});
