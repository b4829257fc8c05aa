// A file's download never holds up the acknowledgement, and a crash in the middle of it loses nothing: the
// message was stored (with its file still to fetch) before Telegram was told it arrived; after kill -9 the
// restart fetches the file again and answers exactly once.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { mediaBlocks } from '../../fakes/anthropic-media.ts';
import { FakeAnthropic } from '../../fakes/anthropic-server.ts';
import { FakeTelegram } from '../../fakes/telegram-server.ts';
import { agentEnv } from '../../helpers/agent-env.ts';
import { AgentProcess, tempDataDir } from '../../helpers/agent-process.ts';
import { receiptJpeg } from '../../helpers/media-samples.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const CHAT = 6101;

describe('a crash while a file downloads', { timeout: 90_000 }, () => {
  const telegram = new FakeTelegram();
  const anthropic = new FakeAnthropic();
  const data = tempDataDir();
  let agent: AgentProcess | undefined;
  // MONO_WEB_TOOLS=off: even the owner's turns go without web search and fetch.
  const env = () =>
    agentEnv(data.dir, { telegram, anthropic }, { MONO_ALLOW_TELEGRAM: String(CHAT), MONO_WEB_TOOLS: 'off' });

  before(async () => {
    await telegram.start();
    await anthropic.start();
  });
  after(async () => {
    telegram.files.release();
    await agent?.stop();
    await telegram.close();
    await anthropic.close();
    data.remove();
  });

  test('kill -9 during the download: acknowledged before it, answered exactly once after restart', async () => {
    agent = await new AgentProcess(env()).start();
    telegram.files.hold();
    telegram.sendPhoto({ chatId: CHAT, userId: CHAT, bytes: receiptJpeg(), caption: 'keep this receipt' });
    await waitFor(() => telegram.files.held >= 1, 'the download to start');
    // The update is confirmed (the next long poll moved past it) while its file is still downloading.
    await waitFor(() => telegram.pendingUpdates === 0, 'the update to be acknowledged');
    assert.equal(telegram.sent.length, 0);
    await agent.kill();
    telegram.files.release();

    agent = await new AgentProcess(env()).start();
    await telegram.waitForSent(1, { timeoutMs: 20_000 });
    await sleep(1500);
    assert.equal(telegram.sent.length, 1, 'one answer, not two');
    assert.match(telegram.sent[0]!.text, /keep this receipt/);
    const withImage = anthropic.requests.filter((request) =>
      mediaBlocks(request).some((b) => b.type === 'image'),
    );
    assert.equal(withImage.length, 1, 'Claude saw the photo once');
    const tools = withImage[0]!.tools?.map((tool) => String(tool.type ?? tool.name)) ?? [];
    assert.ok(tools.length > 0, 'the owner has MONO tools');
    assert.ok(
      !tools.some((tool) => tool.startsWith('web_')),
      `no web tools with MONO_WEB_TOOLS=off: ${tools}`,
    );
    const downloads = telegram.files.downloads.filter((d) => d.path.startsWith('photos/'));
    assert.deepEqual(
      downloads.map((d) => d.status),
      [499, 200],
      'the interrupted download and the one after restart',
    );
  });
});

async function waitFor(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}
