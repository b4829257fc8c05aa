// Benchmark: what a file costs a turn in the built agent, against the fakes (Telegram by webhook, Claude
// answering at once): webhook → reply latency for a text, a photo (getFile, download, checks, base64 to Claude)
// and a 10 MB PDF, and the agent's peak memory (VmHWM) for the PDF turn.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mediaBlocks } from '../fakes/anthropic-media.ts';
import { FAKE_ANTHROPIC_KEY, FakeAnthropic } from '../fakes/anthropic-server.ts';
import { preciseNow } from '../fakes/http-util.ts';
import { FAKE_TELEGRAM_TOKEN, FakeTelegram } from '../fakes/telegram-server.ts';
import { receiptJpeg, samplePdf } from '../helpers/media-samples.ts';
import { sleep } from '../helpers/wait.ts';
import { median } from './stats.ts';
import { cleanEnv } from './subjects.ts';

const SECRET = 'bench-secret';
const AGENT = fileURLToPath(new URL('../../agent-core/dist/mono-agent.js', import.meta.url));
const TURNS = 20;

const progress = (text: string) => process.stderr.write(`bench: ${text}\n`);

function memoryMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)![1]) / 1024;
}

async function startAgent(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [AGENT], {
    env: { ...cleanEnv, ...env, MONO_HTTP_PORT: '0', MONO_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const match = /"http":"([^"]+)"/.exec(buffer);
      if (match) resolve(`http://${match[1]}`);
    });
    child.once('exit', (code) => reject(new Error(`the agent exited with ${code}`)));
  });
  for (;;) if ((await fetch(`${url}/healthz`).catch(() => undefined))?.status === 200) break;
  return { child, url };
}

export async function bench() {
  const telegram = new FakeTelegram();
  const anthropic = new FakeAnthropic({ respond: () => ({ text: 'Got it.' }) });
  await telegram.start();
  await anthropic.start();
  const dataDir = mkdtempSync(join(tmpdir(), 'mono-bench-media-'));
  const agent = await startAgent({
    MONO_DATA_DIR: dataDir,
    ANTHROPIC_API_KEY: FAKE_ANTHROPIC_KEY,
    ANTHROPIC_BASE_URL: anthropic.url,
    TELEGRAM_BOT_TOKEN: FAKE_TELEGRAM_TOKEN,
    TELEGRAM_API_ROOT: telegram.url,
    TELEGRAM_WEBHOOK_SECRET: SECRET,
    MONO_ALLOW_TELEGRAM: '*',
    // An agent nobody owns answers everyone 'not set up yet' without Claude: the owner is someone else here,
    // so each chat is a guest's, and guests' files reach Claude.
    MONO_OWNER_CHAT: 'telegram:1',
  });
  telegram.webhook = { url: `${agent.url}/telegram`, secret_token: SECRET, max_connections: 40 };
  let chat = 7000;

  /** Webhook delivery → the reply's sendMessage, in ms; every turn in a chat of its own. */
  const turn = async (send: (chatId: number) => ReturnType<FakeTelegram['sendText']>) => {
    const id = ++chat;
    const update = send(id);
    const sentBefore = telegram.sent.length;
    const started = preciseNow();
    await telegram.deliverToWebhook(update);
    const [reply] = (await telegram.waitForSent(sentBefore + 1, { timeoutMs: 60_000 })).slice(sentBefore);
    // Anything but Claude's answer ("not set up yet", a refused file) would time a turn that never ran.
    if (reply!.text !== 'Got it.') throw new Error(`chat ${id} was not answered by Claude: ${reply!.text}`);
    return reply!.time - started;
  };

  progress(`${TURNS} text turns, ${TURNS} photo turns`);
  const text: number[] = [];
  const photo: number[] = [];
  for (let i = 0; i < TURNS; i++) {
    text.push(await turn((id) => telegram.sendText({ chatId: id, userId: id, text: 'What is on my list?' })));
    photo.push(
      await turn((id) =>
        telegram.sendPhoto({ chatId: id, userId: id, bytes: receiptJpeg(), caption: 'How much is this?' }),
      ),
    );
  }

  progress('a 10 MB PDF');
  const pdf = samplePdf({ pages: 3, padBytes: 10 * 1024 * 1024 });
  const pid = agent.child.pid!;
  const rssBefore = memoryMb(pid, 'VmRSS');
  const peakBefore = memoryMb(pid, 'VmHWM');
  const pdfMs = await turn((id) =>
    telegram.sendDocument({
      chatId: id,
      userId: id,
      bytes: pdf,
      fileName: 'scan.pdf',
      mimeType: 'application/pdf',
    }),
  );
  const peakAfter = memoryMb(pid, 'VmHWM');
  await sleep(2000);
  const rssAfter = memoryMb(pid, 'VmRSS');
  const last = anthropic.requests.at(-1);
  if (!last) throw new Error('no turn reached Claude: the figures would not be what they say');
  const withImage = anthropic.requests.filter((r) => mediaBlocks(r).some((b) => b.type === 'image')).length;
  if (withImage !== TURNS || !mediaBlocks(last).some((b) => b.type === 'document'))
    throw new Error(
      `${withImage} of ${TURNS} photo turns sent Claude an image, or the PDF's turn no document`,
    );
  const requestMb = JSON.stringify(last).length / 1024 / 1024;

  const exited = new Promise((resolve) => agent.child.once('exit', resolve));
  agent.child.kill('SIGTERM');
  await exited;
  await telegram.close();
  await anthropic.close();
  rmSync(dataDir, { recursive: true, force: true });

  return {
    title:
      'Files: what a photo and a 10 MB PDF cost a turn (built agent, Telegram webhook, Claude answering at once)',
    columns: ['metric', 'unit', 'value'],
    rows: [
      ['text turn, median', 'ms', median(text)],
      ['photo turn (5 KB JPEG), median', 'ms', median(photo)],
      ['photo turn minus text turn', 'ms', median(photo) - median(text)],
      [`PDF turn (${(pdf.length / 1024 / 1024).toFixed(1)} MB)`, 'ms', pdfMs],
      ['request to Claude for the PDF', 'MB', requestMb],
      ['RSS before the PDF', 'MB', rssBefore],
      ['peak RSS during the PDF turn (VmHWM)', 'MB', Math.max(peakAfter, peakBefore)],
      ['peak rise for the PDF turn', 'MB', Math.max(0, peakAfter - Math.max(peakBefore, rssBefore))],
      ['RSS 2 s after the PDF turn', 'MB', rssAfter],
    ] as (string | number)[][],
  };
}
