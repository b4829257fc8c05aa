// Datastore memory: what the embedded engine (SurrealKV) keeps resident as data is written, and whether it comes back.
// SurrealKV holds everything written since its last flush in an in-memory table (the memtable) and writes it out as
// an SST file once it is full; SurrealDB 3.0.3 gives no setting for that table's size. The soak writes a few MB a
// minute, so there the table's filling looks like drift for half an hour; here the same datastore code (the agent's
// openDatastore, its engine settings and allocator tuning) takes 3 KB records as fast as it can, through several
// flushes, and resident memory outside V8's heap is read after every 10 MB written.
// `npm run bench -- datastore`; a child process does the writing, so that glibc's tuning applies from its start.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { ALLOCATOR_ENV } from '../../agent-core/config/allocator.ts';
import { cleanEnv, treeMb } from './subjects.ts';

/** Megabytes of records written in all: enough for three flushes of SurrealKV's 100 MB memtable. */
const TOTAL_MB = 400;
const STEP_MB = 10;
/** Under the engine's 4 KB value-log threshold, so records stay in the memtable and SSTs, as the agent's rows do. */
const RECORD_BYTES = 3 * 1024;
const CHILD_FLAG = '--datastore-memory-child';

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

async function child(): Promise<void> {
  const { openDatastore } = await import('../../agent-core/db/datastore.ts');
  const { silentLogger } = await import('../../agent-core/log/logger.ts');
  const gc = (globalThis as { gc?: () => void }).gc!;
  const dir = mkdtempSync(join(tmpdir(), 'mono-datastore-memory-'));
  const sstables = join(dir, 'db', 'sstables');
  const seen = new Set<string>();
  const outside = () => {
    gc();
    return mb(process.memoryUsage().rss - v8.getHeapStatistics().total_physical_size);
  };
  const report = (reading: Omit<Reading, 'fileMb'>) =>
    process.stdout.write(`${JSON.stringify({ ...reading, fileMb: treeMb(process.pid, 'RssFile') })}\n`);
  const datastore = await openDatastore({
    url: `surrealkv://${join(dir, 'db')}`,
    log: silentLogger,
  });
  try {
    const body = 'x'.repeat(RECORD_BYTES);
    const perStep = Math.ceil((STEP_MB * 2 ** 20) / RECORD_BYTES);
    report({ writtenMb: 0, outsideMb: outside(), sstWritten: 0, msPerWrite: 0 });
    for (let written = STEP_MB; written <= TOTAL_MB; written += STEP_MB) {
      const started = performance.now();
      for (let i = 0; i < perStep; i++)
        await datastore.db.query('CREATE bench_record SET body = $body', { body });
      const msPerWrite = (performance.now() - started) / perStep;
      for (const name of readdirSync(sstables)) seen.add(name);
      report({ writtenMb: written, outsideMb: outside(), sstWritten: seen.size, msPerWrite });
    }
  } finally {
    await datastore.close({ exiting: true });
    rmSync(dir, { recursive: true, force: true });
  }
}

function readings(): Promise<Reading[]> {
  const script = fileURLToPath(import.meta.url);
  const writer = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', script, CHILD_FLAG], {
    env: { ...cleanEnv, ...ALLOCATOR_ENV },
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
        `bench: datastore: ${reading.writtenMb} MB written, outside the heap ${reading.outsideMb.toFixed(1)} MB, ` +
          `of it mapped files ${reading.fileMb.toFixed(1)} MB, ${reading.sstWritten} SST files\n`,
      );
    }
  });
  return new Promise((resolve, reject) =>
    writer.once('exit', (code) =>
      code === 0 ? resolve(lines) : reject(new Error(`the datastore writer exited with ${code}`)),
    ),
  );
}

/**
 * The lowest reading of each cycle after a flush (readings with the same SST count, which only grows): what the
 * engine keeps once a full memtable has gone to disk.
 */
function lowsAfterFlushes(all: Reading[]): number[] {
  const lows = new Map<number, number>();
  for (const { sstWritten, outsideMb } of all)
    if (sstWritten > 0)
      lows.set(sstWritten, Math.min(lows.get(sstWritten) ?? Number.POSITIVE_INFINITY, outsideMb));
  return [...lows.values()];
}

export async function bench(): Promise<{ title: string; columns: string[]; rows: (string | number)[][] }> {
  const all = await readings();
  const start = all[0]!.outsideMb;
  const peak = Math.max(...all.map((r) => r.outsideMb));
  const lows = lowsAfterFlushes(all);
  const risePerFlush = lows.length >= 2 ? (lows.at(-1)! - lows[0]!) / (lows.length - 1) : undefined;
  const fixed = (n: number) => n.toFixed(1);
  const writes = all.slice(1);
  const meanMs = writes.reduce((sum, r) => sum + r.msPerWrite, 0) / writes.length;
  return {
    title:
      `Datastore memory: ${TOTAL_MB} MB of ${RECORD_BYTES / 1024} KB records written through the agent's datastore ` +
      `(SurrealKV, its settings and allocator tuning); resident memory outside V8's heap after every ${STEP_MB} MB`,
    columns: ['metric', 'unit', 'MONO datastore', 'target', 'met'],
    rows: [
      ['SST files written (memtable flushes, compactions)', 'count', all.at(-1)!.sstWritten, '', ''],
      ['outside the heap, freshly opened', 'MB', fixed(start), '', ''],
      ['outside the heap, highest', 'MB', fixed(peak), '', ''],
      ['the highest above freshly opened', 'MB', fixed(peak - start), '', ''],
      ['lowest of each cycle after a flush', 'MB', lows.map(fixed).join(' ') || '–', '', ''],
      [
        'the lows’ rise per flush (mean)',
        'MB',
        risePerFlush === undefined ? '–' : fixed(risePerFlush),
        '≤ 1 (flat)',
        risePerFlush === undefined ? '–' : risePerFlush <= 1 ? 'yes' : 'NO',
      ],
      ['time per write (mean)', 'ms', meanMs.toFixed(2), '', ''],
      [
        `outside the heap per ${STEP_MB} MB written`,
        'MB',
        all.map((r) => r.outsideMb.toFixed(0)).join(' '),
        '',
        '',
      ],
    ],
  };
}

if (process.argv.includes(CHILD_FLAG)) await child();
