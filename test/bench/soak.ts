// Soak: does memory drift when the agent runs for a long time? MONO and the bare-Node pipeline get the same steady
// traffic side by side, each against its own fake Telegram (one fake Claude for both): hundreds of conversations
// writing in turn, long enough that every conversation's history is summarized again and again; for MONO also
// recurring jobs firing every minute and the desktop's live queries attached through the db hub. Every minute,
// after a full garbage collection (test/helpers/gc-probe.mjs), resident memory and the JavaScript heap are
// recorded; the figure that matters is the slope after warm-up (a least-squares line), in MB per 10 minutes.
// `npm run bench -- soak` runs 30 minutes; `--minutes N` another length; `--rate N` another number of messages a
// second (more data written sooner: the engine's memtable fills and flushes within the run, see the datastore bench);
// `--without-desktop` leaves the live queries out (to tell the engine's growth under them from the rest).
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { Secret } from '../../agent-core/config/secret.ts';
import { TABLES } from '../../agent-core/contract/tables.ts';
import { DATASTORE_DIR } from '../../agent-core/db/datastore.ts';
import { createSync, type Sync } from '../../src-main/services/sync.ts';
import { isToolResult } from '../agent-core/jobs/harness.ts';
import { FAKE_ANTHROPIC_KEY, FakeAnthropic } from '../fakes/anthropic-server.ts';
import { echoResponder, lastUserText } from '../fakes/anthropic-types.ts';
import { FAKE_TELEGRAM_TOKEN, FakeTelegram } from '../fakes/telegram-server.ts';
import { sleep } from '../helpers/wait.ts';
import { postWebhook, update, WEBHOOK_SECRET } from './agent.ts';
import { BARE_NODE, MONO, type Running, stop, treeMb } from './subjects.ts';

const OWNER = 1;
const CONVERSATIONS = 300;
/** Messages a second by default, spread over the conversations in turn (each writes every 30 s). */
const DEFAULT_RATE = 10;
/** MONO sends to Telegram at most 20 a second (its limit for a bot): more would measure a growing reply queue. */
const MAX_RATE = 18;
/** Recurring jobs the owner sets up at the start, each firing every minute. */
const JOBS = 5;
/** Minutes left out of the slope: caches, the JIT and the datastore's files fill up first. */
const WARM_UP_MINUTES = 5;
/** Turns sent to Claude before older ones are summarized: small, so summaries run all the time. */
const HISTORY_LIMIT = '8';
const HUB = { user: 'desktop', pass: 'soak-hub-password-for-the-bench' };
const GC_PROBE = fileURLToPath(new URL('../helpers/gc-probe.mjs', import.meta.url));

const progress = (text: string) => process.stderr.write(`bench: soak: ${text}\n`);

interface Sample {
  minute: number;
  rss: number;
  heap: number;
  /** Resident memory outside V8's heap (the engine's and Node's native memory, the binaries' pages), MB. */
  outside: number;
  /** SST files the datastore has written so far (memtable flushes and compactions; bare Node has none). */
  sstWritten: number;
}

interface Soaked {
  running: Running;
  telegram: FakeTelegram;
  samples: Sample[];
  probes: string[];
  dataDir: string;
  sstSeen: Set<string>;
  posted: number;
  refused: number;
}

export async function bench(): Promise<{ title: string; columns: string[]; rows: (string | number)[][] }> {
  const minutesArg = process.argv.indexOf('--minutes');
  const minutes = minutesArg > 0 ? Number(process.argv[minutesArg + 1]) : 30;
  if (!Number.isInteger(minutes) || minutes < WARM_UP_MINUTES + 3)
    throw new Error(`--minutes must be a whole number of at least ${WARM_UP_MINUTES + 3}`);
  const rateArg = process.argv.indexOf('--rate');
  const rate = rateArg > 0 ? Number(process.argv[rateArg + 1]) : DEFAULT_RATE;
  if (!Number.isInteger(rate) || rate < 1 || rate > MAX_RATE)
    throw new Error(`--rate must be a whole number from 1 to ${MAX_RATE} (messages a second)`);

  const anthropic = new FakeAnthropic({ strictAlternation: false, delayMs: 20 });
  anthropic.respond = (request, context) => {
    const text = lastUserText(request);
    if (isToolResult(request)) return { text: 'Scheduled.' };
    const job = /set up job (\d+)/.exec(text);
    if (job)
      return {
        toolUse: {
          name: 'create_job',
          input: { name: `Soak job ${job[1]}`, prompt: `Say hello ${job[1]}.`, interval_minutes: 1 },
        },
      };
    return echoResponder(request, context);
  };
  await anthropic.start();
  const dirs: string[] = [];
  const subjects: Soaked[] = [];
  let sync: Sync | undefined;
  let liveChanges = 0;
  try {
    for (const subject of [BARE_NODE, MONO]) {
      const telegram = new FakeTelegram();
      await telegram.start();
      const dataDir = mkdtempSync(join(tmpdir(), 'mono-soak-'));
      dirs.push(dataDir);
      const running = await subject.start(
        dataDir,
        {
          telegramUrl: telegram.url,
          telegramToken: FAKE_TELEGRAM_TOKEN,
          anthropicUrl: anthropic.url,
          anthropicKey: FAKE_ANTHROPIC_KEY,
          webhookSecret: WEBHOOK_SECRET,
        },
        {
          NODE_OPTIONS: `--import=${GC_PROBE}`,
          MONO_OWNER_CHAT: `telegram:${OWNER}`,
          MONO_HISTORY_LIMIT: HISTORY_LIMIT,
          MONO_JOB_TICK_MS: '1000',
          MONO_HUB_LISTEN: '127.0.0.1:0',
          MONO_DB_USER: HUB.user,
          MONO_DB_PASS: HUB.pass,
        },
      );
      const probes: string[] = [];
      running.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
        for (const line of chunk.split('\n')) if (line.startsWith('GCPROBE ')) probes.push(line);
      });
      subjects.push({
        running,
        telegram,
        samples: [],
        probes,
        dataDir,
        sstSeen: new Set(),
        posted: 0,
        refused: 0,
      });
    }
    const mono = subjects[1]!;
    // The desktop's own sync code, with every table's live query attached, as while its window is open.
    const withDesktop = !process.argv.includes('--without-desktop');
    sync = createSync({
      target: async () => ({ url: mono.running.hubUrl!, username: HUB.user, password: new Secret(HUB.pass) }),
      websocketImpl: WebSocket,
      tables: TABLES,
      onChange: () => liveChanges++,
      onStatus: () => {},
    });
    if (withDesktop) {
      sync.start();
      if (!(await sync.whenOnline(30_000))) throw new Error('the desktop could not attach to the hub');
    }
    for (let job = 1; job <= JOBS; job++) await post(mono, OWNER, `set up job ${job}`, job);

    const startedAt = Date.now();
    let nextUpdate = 1_000;
    let tick = 0;
    const sender = setInterval(() => {
      for (let i = 0; i < rate; i++) {
        const chat = 1_000 + ((tick * rate + i) % CONVERSATIONS);
        for (const soaked of subjects) void post(soaked, chat, `soak ${tick}.${i}`, nextUpdate++);
      }
      tick++;
    }, 1000);
    for (let minute = 1; minute <= minutes; minute++) {
      await sleep(startedAt + minute * 60_000 - Date.now());
      for (const soaked of subjects) soaked.samples.push({ minute, ...(await settled(soaked)) });
      progress(
        `minute ${minute}/${minutes}: ` +
          subjects
            .map(
              (s) =>
                `${s.running.name} RSS ${s.samples.at(-1)!.rss.toFixed(1)} MB heap ${s.samples.at(-1)!.heap.toFixed(1)} MB`,
            )
            .join(', ') +
          `; ${liveChanges} live changes seen`,
      );
    }
    clearInterval(sender);
    await sleep(10_000);
    return table(subjects, minutes, rate, liveChanges);
  } finally {
    await sync?.stop();
    for (const soaked of subjects) {
      await stop(soaked.running);
      await soaked.telegram.close();
    }
    await anthropic.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}

async function post(soaked: Soaked, chat: number, text: string, id: number): Promise<void> {
  soaked.posted++;
  const status = await postWebhook(soaked.running.webhookUrl, update(id, chat, text)).catch(() => 0);
  if (status !== 200) soaked.refused++;
}

/** Resident memory and the heap after a full collection (the probe answers SIGUSR2 on stderr). */
async function settled(soaked: Soaked): Promise<Omit<Sample, 'minute'>> {
  const seen = soaked.probes.length;
  soaked.running.child.kill('SIGUSR2');
  for (let i = 0; i < 100 && soaked.probes.length === seen; i++) await sleep(50);
  const probe = soaked.probes.at(-1);
  const memory = probe
    ? (JSON.parse(probe.slice('GCPROBE '.length)) as { rss: number; heapUsed: number; heapResident: number })
    : { rss: Number.NaN, heapUsed: Number.NaN, heapResident: Number.NaN };
  const sstables = join(soaked.dataDir, DATASTORE_DIR, 'sstables');
  if (existsSync(sstables)) for (const name of readdirSync(sstables)) soaked.sstSeen.add(name);
  return {
    rss: treeMb(soaked.running.child.pid!),
    heap: memory.heapUsed / 2 ** 20,
    outside: (memory.rss - memory.heapResident) / 2 ** 20,
    sstWritten: soaked.sstSeen.size,
  };
}

/** Least-squares slope of `value` over minutes, in MB per 10 minutes. */
function slopePer10Min(samples: Sample[], value: (s: Sample) => number): number {
  const n = samples.length;
  const meanX = samples.reduce((sum, s) => sum + s.minute, 0) / n;
  const meanY = samples.reduce((sum, s) => sum + value(s), 0) / n;
  let num = 0;
  let den = 0;
  for (const s of samples) {
    num += (s.minute - meanX) * (value(s) - meanY);
    den += (s.minute - meanX) ** 2;
  }
  return (num / den) * 10;
}

function table(subjects: Soaked[], minutes: number, rate: number, liveChanges: number) {
  const names = subjects.map((s) => s.running.name);
  const each = (figure: (s: Soaked) => string | number) => subjects.map(figure);
  const warm = (s: Soaked) => s.samples.filter((sample) => sample.minute > WARM_UP_MINUTES);
  const fixed = (n: number) => n.toFixed(1);
  const rssSlope = (s: Soaked) => slopePer10Min(warm(s), (x) => x.rss);
  const heapSlope = (s: Soaked) => slopePer10Min(warm(s), (x) => x.heap);
  const answered = (s: Soaked) => s.telegram.sent.length;
  // Shrinking is fine: only growth is drift.
  const flat = (slope: number) => (slope <= 1 ? 'yes' : 'no');
  const mono = subjects[1]!;
  return {
    title:
      `Soak: ${minutes} min, ${rate} messages/s over ${CONVERSATIONS} conversations (history summarized past ` +
      `${HISTORY_LIMIT} turns), ${JOBS} jobs a minute${liveChanges > 0 ? " and the desktop's live queries" : ''} ` +
      `(MONO); slope after ` +
      `${WARM_UP_MINUTES} min of warm-up`,
    columns: ['metric', 'unit', ...names, 'target', 'met (MONO)'],
    rows: [
      ['messages posted', 'count', ...each((s) => s.posted), '', ''],
      [
        'webhooks not answered 200',
        'count',
        ...each((s) => s.refused),
        '0',
        mono.refused === 0 ? 'yes' : 'no',
      ],
      ['replies sent', 'count', ...each(answered), '', ''],
      ['live changes the desktop saw', 'count', '–', liveChanges, '', ''],
      [`RSS at minute ${WARM_UP_MINUTES + 1}`, 'MB', ...each((s) => fixed(warm(s)[0]!.rss)), '', ''],
      [`RSS at minute ${minutes}`, 'MB', ...each((s) => fixed(s.samples.at(-1)!.rss)), '', ''],
      ['RSS slope', 'MB/10 min', ...each((s) => fixed(rssSlope(s))), '≤ 1', flat(rssSlope(mono))],
      [
        'heap slope (after full GC)',
        'MB/10 min',
        ...each((s) => fixed(heapSlope(s))),
        '≤ 1',
        flat(heapSlope(mono)),
      ],
      ['RSS per minute', 'MB', ...each((s) => s.samples.map((x) => x.rss.toFixed(0)).join(' ')), '', ''],
      [
        "outside V8's heap per minute",
        'MB',
        ...each((s) => s.samples.map((x) => x.outside.toFixed(0)).join(' ')),
        '',
        '',
      ],
      [
        'SST files written by each minute',
        'count',
        '–',
        mono.samples.map((x) => x.sstWritten).join(' '),
        '',
        '',
      ],
    ],
  };
}
