// The conversation view with files, voice and web lookups, against the scripted backend over the real bridge:
// a photo shows as a thumbnail that opens large, a PDF as a named file, a voice note with its transcript (or how
// to turn transcription on), the searches behind a reply with their sources; the Voice notes card's test, how long
// files are kept, and the searches and transcribed minutes on the Usage screen.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { recordSttUsage, recordUsage } from '../../agent-core/budget/usage.ts';
import type { MessageRow, UsageRow } from '../../agent-core/contract/tables.ts';
import { receiptJpeg } from '../helpers/media-samples.ts';
import { datastoreWithSchema } from '../helpers/schema-datastore.ts';
import { eventually } from '../helpers/wait.ts';
import { type Fixture, startFixture } from './fixture-backend.ts';
import { ensureRendererBuilt, launchChromium, screenshot } from './harness.ts';

// The agent's datastore with its schema, for the usage rows the Usage screen is shown.
const datastore = datastoreWithSchema();
let fixture: Fixture;
let browser: Browser;
let page: Page;

const row = (id: string, fields: Partial<MessageRow>): MessageRow => {
  const at = new Date().toISOString();
  return {
    id,
    conversation: fixture.conversations[0]!.id,
    channel: 'telegram',
    direction: 'in',
    role: 'user',
    text: '',
    status: 'answered',
    created_at: at,
    updated_at: at,
    ...fields,
  };
};

before(async () => {
  ensureRendererBuilt();
  fixture = await startFixture({ threadSize: 4 });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(fixture.bridge.openUrl);
  await page.getByTestId('conversation-item').first().click();
  await page.getByTestId('thread').getByText('Question number 0', { exact: true }).waitFor();
});
after(async () => {
  await browser?.close();
  await fixture?.close();
});

test('a photo is a thumbnail that opens large; a PDF is a named file', { timeout: 30_000 }, async () => {
  fixture.previews.set('message:photo1#0', { mime: 'image/jpeg', data: receiptJpeg().toString('base64') });
  fixture.pushMessage(
    row('message:photo1', {
      text: 'How much is this?',
      attachments: [
        {
          kind: 'image',
          status: 'ready',
          mime: 'image/jpeg',
          bytes: 5238,
          width: 320,
          height: 240,
          preview: true,
        },
        {
          kind: 'document',
          status: 'ready',
          name: 'bill.pdf',
          mime: 'application/pdf',
          pages: 2,
          bytes: 120_000,
        },
      ],
    }),
  );
  const thread = page.getByTestId('thread');
  const thumbnail = thread.getByTestId('thumbnail');
  await thumbnail.waitFor();
  const src = await thumbnail.getAttribute('src');
  assert.equal(src, `data:image/jpeg;base64,${receiptJpeg().toString('base64')}`);
  assert.ok(
    await thumbnail.evaluate((img: HTMLImageElement) => img.naturalWidth === 320),
    'the image decodes',
  );
  const file = thread.getByTestId('file').filter({ hasText: 'bill.pdf' });
  assert.match((await file.textContent()) ?? '', /PDF · 2 pages · 117 KB/);
  await page.getByRole('button', { name: 'Open Photo' }).click();
  await page.getByTestId('lightbox-image').waitFor();
  await screenshot(page, 'conversation-photo-open');
  await page.keyboard.press('Escape');
  await page.getByTestId('lightbox-image').waitFor({ state: 'detached' });
});

test('a voice note shows its transcript; without speech to text the owner is told where to turn it on', {
  timeout: 30_000,
}, async () => {
  fixture.pushMessage(
    row('message:voice1', {
      attachments: [
        { kind: 'voice', status: 'ready', duration_s: 12, transcript: 'Remind me to call Bob at five.' },
      ],
    }),
  );
  fixture.pushMessage(
    row('message:voice2', { attachments: [{ kind: 'voice', status: 'refused', reason: 'no_stt' }] }),
  );
  const thread = page.getByTestId('thread');
  await thread.getByText('Remind me to call Bob at five.').waitFor();
  assert.match((await thread.getByTestId('voice-note').first().textContent()) ?? '', /Voice note · 0:12/);
  await thread.getByRole('button', { name: 'Set it up in Integrations' }).click();
  await page.getByRole('heading', { name: 'Voice notes' }).waitFor();
});

test('the Voice notes card tests the service and saves it', { timeout: 30_000 }, async () => {
  // The Claude card has its own Model: this one is the Voice notes card's.
  const card = page
    .locator('section.card')
    .filter({ has: page.getByRole('heading', { name: 'Voice notes' }) });
  await card.getByLabel('Service address').fill('https://api.groq.com/openai/v1');
  await card.getByLabel('Model').fill('whisper-large-v3-turbo');
  await card.getByRole('button', { name: 'Test' }).click();
  await page.getByText('The service answered in 12 ms').waitFor();
  await page.getByRole('button', { name: 'Use this service' }).click();
  await page.getByText('Your agent restarted and transcribes voice notes now').waitFor();
  assert.deepEqual(fixture.sttCalls, [
    { url: 'https://api.groq.com/openai/v1', model: 'whisper-large-v3-turbo' },
    { url: 'https://api.groq.com/openai/v1', model: 'whisper-large-v3-turbo' },
  ]);
  await screenshot(page, 'integrations-voice-notes');
});

test('the searches behind a reply are shown with their sources', { timeout: 30_000 }, async () => {
  await page.getByRole('link', { name: /Conversations/ }).click();
  await page.getByTestId('conversation-item').first().click();
  fixture.pushMessage(
    row('message:answer1', {
      direction: 'out',
      role: 'assistant',
      status: 'sent',
      text: 'It is sunny in Berlin today.',
      tool_calls: [
        {
          id: 'srvtoolu_1',
          name: 'web_search',
          server: true,
          input: { query: 'Berlin weather today' },
          result: [{ title: 'Berlin weather', url: 'https://weather.example/berlin' }],
        },
      ],
    }),
  );
  const lookups = page.getByTestId('web-lookups');
  await lookups.getByText('Searched “Berlin weather today”').click();
  const link = lookups.getByRole('link', { name: 'Berlin weather' });
  assert.equal(await link.getAttribute('href'), 'https://weather.example/berlin');
});

test('how long received files are kept is chosen on Integrations and written as the agent’s setting', {
  timeout: 30_000,
}, async () => {
  await page.getByRole('link', { name: /Integrations/ }).click();
  const keep = page.getByLabel('Keep received files for');
  await keep.waitFor();
  await page.getByText('Loading settings…').waitFor({ state: 'detached' });
  assert.equal(await keep.inputValue(), '30', 'no setting yet: the agent’s default, 30 days');
  await keep.selectOption({ label: '7 days' });
  await eventually(() => fixture.settingWrites.length > 0, 'the setting written');
  assert.deepEqual(fixture.settingWrites, [{ key: 'media_retention_days', value: 7 }]);
  await eventually(async () => (await keep.inputValue()) === '7', 'the choice shown from the setting');
  // Disabled while the write is on its way (the setting may show before the save answers), usable again after.
  await eventually(() => keep.isEnabled(), 'the control usable again once saved');
  await keep.scrollIntoViewIfNeeded();
  await screenshot(page, 'integrations-files-kept');
});

test('the Usage screen shows today’s web searches and transcribed minutes, with their cost', {
  timeout: 30_000,
}, async () => {
  // The rows as the agent writes them, in its own datastore, with its own functions: a day of seven searches on a
  // Claude model's row, and ten minutes of voice notes transcribed at whisper-1's list price ($0.006 a minute).
  const db = datastore.db;
  await recordUsage(db, {
    model: 'claude-haiku-5-1',
    input_tokens: 12_000,
    output_tokens: 900,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    web_search_requests: 7,
    cost_usd: 0.1,
  });
  for (const seconds of [240, 360])
    await recordSttUsage(db, { model: 'whisper-1', pricePerMinute: 0.006 }, seconds);
  // As the desktop receives them: plain JSON (the SDK's jsonify, as the sync hands rows to the renderer).
  const [rows] = (await db.query('SELECT * FROM usage').json()) as [UsageRow[]];
  fixture.usage.push(...rows);

  await page.getByRole('link', { name: /Usage/ }).click();
  const stats = page.getByTestId('lookups-and-voice');
  await stats.waitFor();
  await page.getByText('Loading usage…').waitFor({ state: 'detached' });
  const searches = stats.locator('.stat').filter({ hasText: 'Web searches today' });
  assert.equal(await searches.locator('.stat-value').textContent(), '7');
  // $10 per 1,000 searches.
  assert.equal(await searches.locator('.stat-sub').textContent(), '$0.07 · 7 this month');
  const voice = stats.locator('.stat').filter({ hasText: 'Voice notes transcribed today' });
  assert.equal(await voice.locator('.stat-value').textContent(), '10 min');
  // 10 minutes at $0.006.
  assert.equal(await voice.locator('.stat-sub').textContent(), '$0.06 · 10 min this month');
  await screenshot(page, 'usage-lookups-and-voice');
});
