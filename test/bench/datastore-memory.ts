// Datastore memory: what the embedded engine keeps resident as data is written, and whether it comes back.
// SurrealKV (the agent's engine) holds everything written since its last flush in an in-memory table (the memtable)
// and writes it out as an SST file once it is full; SurrealDB 3.0.3 gives no setting for that table's size. The
// soak writes a few MB a minute, so there the table's filling looks like drift for half an hour; here the same
// datastore code (the agent's openDatastore, its engine settings and allocator tuning) takes 3 KB records as fast
// as it can, through several flushes, and resident memory outside V8's heap is read after every 10 MB written.
// Beside it, the same addon's RocksDB backend with small write buffers: the alternative whose buffers can be sized.
// `npm run bench -- datastore [--mb N]` (N MB written into each engine; ~8 minutes for the default 400).
// A child process does the writing, so that glibc's tuning applies from its start.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { ALLOCATOR_ENV } from '../../agent-core/config/allocator.ts';
import { ENGINE_ENV_DEFAULTS, nativeAddonFile } from '../../agent-core/db/native-engine.ts';
import { sleep } from '../helpers/wait.ts';
import { cleanEnv, treeMb } from './subjects.ts';

/** Megabytes of records written into each engine by default: enough for three flushes of SurrealKV's memtable. */
const DEFAULT_MB = 400;
const STEP_MB = 10;
/** The span of the per-window lows and highs: about one SurrealKV memtable's worth of these records. */
const WINDOW_MB = 100;
/** Under both engines' 4 KB value thresholds, so records stay in the memtable and SSTs, as the agent's rows do. */
const RECORD_BYTES = 3 * 1024;
const CHILD_FLAG = '--datastore-memory-child';

interface Engine {
  name: string;
  scheme: 'surrealkv' | 'rocksdb';
  /** Settings for the engine beyond the agent's own defaults (read by the addon when it opens a datastore). */
  env: Readonly<Record<string, string>>;
}

const ENGINES: readonly Engine[] = [
  { name: 'SurrealKV (MONO)', scheme: 'surrealkv', env: {} },
  {
    // Two 8 MB write buffers and a 16 MB block cache (the addon would size the cache from the machine's memory).
    name: 'RocksDB, 8 MB buffers',
    scheme: 'rocksdb',
    env: {
      SURREAL_ROCKSDB_WRITE_BUFFER_SIZE: String(8 * 2 ** 20),
      SURREAL_ROCKSDB_MAX_WRITE_BUFFER_NUMBER: '2',
      SURREAL_ROCKSDB_BLOCK_CACHE_SIZE: String(16 * 2 ** 20),
    },
  },
];

interface Reading {
  writtenMb: number;
  /** Resident memory outside V8's heap after a full collection (the engine's memory and Node's buffers), MB. */
  outsideMb: number;
  /** SST files the datastore's directory has held so far (each flush or compaction writes new ones). */
  sstWritten: number;
  msPerWrite: number;
  /** Of it, pages of mapped files (the engine's own files, the addon's code): the system may drop them. */
  fileMb: number;
}

const mb = (bytes: number) => bytes / 2 ** 20;

function argValue(flag: string): string | undefined {
  const at = process.argv.indexOf(flag);
  return at > 0 ? process.argv[at + 1] : undefined;
}

/** SurrealKV keeps its SSTs in `sstables/`, RocksDB beside its other files. */
function sstNames(dir: string): string[] {
  return [dir, join(dir, 'sstables')]
    .filter((d) => existsSync(d))
    .flatMap((d) => readdirSync(d).filter((name) => name.endsWith('.sst')));
}

async function child(scheme: string, totalMb: number): Promise<void> {
  const { openDatastore } = await import('../../agent-core/db/datastore.ts');
  const { silentLogger } = await import('../../agent-core/log/logger.ts');
  const gc = (globalThis as { gc?: () => void }).gc!;
  const dir = mkdtempSync(join(tmpdir(), 'mono-datastore-memory-'));
  const seen = new Set<string>();
  const outside = () => {
    gc();
    return mb(process.memoryUsage().rss - v8.getHeapStatistics().total_physical_size);
  };
  const report = (reading: Omit<Reading, 'fileMb'>) =>
    process.stdout.write(`${JSON.stringify({ ...reading, fileMb: treeMb(process.pid, 'RssFile') })}\n`);
  const dbDir = join(dir, 'db');
  const datastore = await openDatastore({ url: `${scheme}://${dbDir}`, log: silentLogger });
  try {
    const body = 'x'.repeat(RECORD_BYTES);
    const perStep = Math.ceil((STEP_MB * 2 ** 20) / RECORD_BYTES);
    report({ writtenMb: 0, outsideMb: outside(), sstWritten: 0, msPerWrite: 0 });
    for (let written = STEP_MB; written <= totalMb; written += STEP_MB) {
      const started = performance.now();
      for (let i = 0; i < perStep; i++)
        await datastore.db.query('CREATE bench_record SET body = $body', { body });
      const msPerWrite = (performance.now() - started) / perStep;
      for (const name of sstNames(dbDir)) seen.add(name);
      report({ writtenMb: written, outsideMb: outside(), sstWritten: seen.size, msPerWrite });
    }
  } finally {
    await datastore.close({ exiting: true });
    rmSync(dir, { recursive: true, force: true });
  }
}

function readings(engine: Engine, totalMb: number): Promise<Reading[]> {
  const script = fileURLToPath(import.meta.url);
  const args = ['--expose-gc', '--import', 'tsx', script, CHILD_FLAG, engine.scheme, String(totalMb)];
  const writer = spawn(process.execPath, args, {
    env: { ...cleanEnv, ...ALLOCATOR_ENV, ...engine.env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: Reading[] = [];
  let buffer = '';
  writer.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    for (let end = buffer.indexOf('\n'); end >= 0; end = buffer.indexOf('\n')) {
      const reading = JSON.parse(buffer.slice(0, end)) as Reading;
      buffer = buffer.slice(end + 1);
      lines.push(reading);
      process.stderr.write(
        `bench: datastore: ${engine.name}: ${reading.writtenMb} MB written, outside the heap ` +
          `${reading.outsideMb.toFixed(1)} MB, of it mapped files ${reading.fileMb.toFixed(1)} MB, ` +
          `${reading.sstWritten} SST files\n`,
      );
    }
  });
  return new Promise((resolve, reject) =>
    writer.once('exit', (code) =>
      code === 0 ? resolve(lines) : reject(new Error(`the ${engine.name} writer exited with ${code}`)),
    ),
  );
}

// A plain Node process (no tsx, no agent) that loads the addon and opens an empty datastore; read 2 s after it has
// opened with the agent bench's own idle reading (treeMb): what any agent on this engine holds before its own code.
const FLOOR_SCRIPT = `
import { createRequire } from 'node:module';
const [addon, url] = process.argv.slice(1);
const { SurrealNodeEngine } = createRequire(process.cwd() + '/')(addon);
globalThis.engine = await SurrealNodeEngine.connect(url, {});
process.stdout.write('open\\n');
setInterval(() => {}, 60_000);
`;

async function engineFloor(engine: Engine): Promise<{ rss: number; anon: number }> {
  const addon = nativeAddonFile();
  if (!addon) throw new Error("SurrealDB's native addon was not found: run `npm install`");
  const dir = mkdtempSync(join(tmpdir(), 'mono-datastore-floor-'));
  const floor = spawn(
    process.execPath,
    ['--input-type=module', '-e', FLOOR_SCRIPT, addon, `${engine.scheme}://${join(dir, 'db')}`],
    {
      env: { ...cleanEnv, ...ALLOCATOR_ENV, ...ENGINE_ENV_DEFAULTS, ...engine.env },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  try {
    await new Promise<void>((resolve, reject) => {
      floor.stdout.once('data', () => resolve());
      floor.once('exit', (code) => reject(new Error(`the ${engine.name} floor process exited with ${code}`)));
    });
    await sleep(2000);
    return { rss: treeMb(floor.pid!), anon: treeMb(floor.pid!, 'RssAnon') };
  } finally {
    floor.kill('SIGKILL');
    await once(floor, 'exit').catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The lowest and highest reading in each WINDOW_MB written. A memtable's worth per window, so for SurrealKV each
 * low after the first window is what it keeps once a full memtable has gone to disk; bounded memory means lows
 * that stop rising.
 */
function windows(all: Reading[]): { lows: number[]; highs: number[] } {
  const lows: number[] = [];
  const highs: number[] = [];
  for (const { writtenMb, outsideMb } of all.slice(1)) {
    const at = Math.floor((writtenMb - 1) / WINDOW_MB);
    lows[at] = Math.min(lows[at] ?? Number.POSITIVE_INFINITY, outsideMb);
    highs[at] = Math.max(highs[at] ?? 0, outsideMb);
  }
  return { lows, highs };
}

/** How much the windows' lows rise per window, from the second window on (the first has not flushed yet). */
function risePerWindow(lows: number[]): number | undefined {
  return lows.length >= 3 ? (lows.at(-1)! - lows[1]!) / (lows.length - 2) : undefined;
}

type Summary = ReturnType<typeof summary>;

function summary(all: Reading[]) {
  const start = all[0]!.outsideMb;
  const peak = Math.max(...all.map((r) => r.outsideMb));
  const { lows, highs } = windows(all);
  const writes = all.slice(1);
  return {
    ssts: all.at(-1)!.sstWritten,
    start,
    peak,
    lows,
    highs,
    rise: risePerWindow(lows),
    meanMs: writes.reduce((sum, r) => sum + r.msPerWrite, 0) / writes.length,
  };
}

export async function bench(): Promise<{ title: string; columns: string[]; rows: (string | number)[][] }> {
  const totalMb = Number(argValue('--mb') ?? DEFAULT_MB);
  if (!Number.isInteger(totalMb) || totalMb < 3 * WINDOW_MB || totalMb % STEP_MB !== 0)
    throw new Error(`--mb must be a whole number of at least ${3 * WINDOW_MB}, in steps of ${STEP_MB}`);
  const results: Summary[] = [];
  const floors: { rss: number; anon: number }[] = [];
  for (const engine of ENGINES) floors.push(await engineFloor(engine));
  for (const engine of ENGINES) results.push(summary(await readings(engine, totalMb)));
  const [mono] = results;
  const fixed = (n: number) => n.toFixed(1);
  const each = (value: (r: Summary) => string | number) => results.map(value);
  const flat = (rise: number | undefined) => rise !== undefined && rise <= 1;
  return {
    title:
      `Datastore memory: ${totalMb} MB of ${RECORD_BYTES / 1024} KB records written through the agent's datastore ` +
      `code (its engine settings and allocator tuning), per engine of the same addon; resident memory outside V8's ` +
      `heap after every ${STEP_MB} MB`,
    columns: ['metric', 'unit', ...ENGINES.map((e) => e.name), 'target', 'met'],
    rows: [
      [
        'idle RSS of bare Node with only the engine open (private)',
        'MB',
        ...floors.map((f) => `${fixed(f.rss)} (${fixed(f.anon)})`),
        '',
        '',
      ],
      ['SST files written (memtable flushes, compactions)', 'count', ...each((r) => r.ssts), '', ''],
      ['outside the heap, freshly opened', 'MB', ...each((r) => fixed(r.start)), '', ''],
      ['outside the heap, highest', 'MB', ...each((r) => fixed(r.peak)), '', ''],
      ['the highest above freshly opened', 'MB', ...each((r) => fixed(r.peak - r.start)), '', ''],
      [`lowest in each ${WINDOW_MB} MB written`, 'MB', ...each((r) => r.lows.map(fixed).join(' ')), '', ''],
      [`highest in each ${WINDOW_MB} MB written`, 'MB', ...each((r) => r.highs.map(fixed).join(' ')), '', ''],
      [
        `the lows’ rise per ${WINDOW_MB} MB, after the first (mean)`,
        'MB',
        ...each((r) => (r.rise === undefined ? '–' : fixed(r.rise))),
        '≤ 1 (flat)',
        flat(mono!.rise) ? 'yes' : 'NO',
      ],
      ['time per write (mean)', 'ms', ...each((r) => r.meanMs.toFixed(2)), '', ''],
    ],
  };
}

const childAt = process.argv.indexOf(CHILD_FLAG);
if (childAt > 0) await child(process.argv[childAt + 1]!, Number(process.argv[childAt + 2]));
