// Datastore restarts: what each start and stop of the agent leaves in its datastore, and what that costs later.
// SurrealKV writes its memtable out as a new SST file at every clean close, so every restart (an update, a reboot,
// the desktop opening its local agent) adds one; the engine merges them only when a full memtable (~100 MB of
// writes) is flushed. Meanwhile a read that walks an index (a chat's history) has to look into every file. A start
// after a crash replays the engine's log of what was not flushed, and holds it in memory again.
// Each session here is its own process, as each start of the agent is: it opens the datastore with the agent's
// openDatastore, writes a few message-like rows, and closes; at some points it also times the reads the agent makes.
// `npm run bench -- datastore-restarts` (~4 minutes).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ALLOCATOR_ENV } from '../../agent-core/config/allocator.ts';
import { median } from './stats.ts';
import { cleanEnv } from './subjects.ts';

const SESSION_FLAG = '--datastore-restarts-session';
/** Starts in all, and after which of them the reads are timed. */
const STARTS = 120;
const READ_AFTER = new Set([1, 10, 30, 60, 120]);
const ROWS_PER_SESSION = 50;
/**
 * Rows of ~3 KB written in one session to fill the memtable once (~110 MB): its flush merges the files. They go to
 * another table, so the reads after it find the same rows as before it, only in fewer files.
 */
const FILL_ROWS = 37_000;
const FILL_BYTES = 3 * 1024;
/** Rows a session writes before it is killed (~60 MB, well under a memtable's worth): the next start replays them. */
const CRASH_ROWS = 20_000;
const READS = 200;
const CHATS = 50;

type Mode = 'write' | 'read' | 'fill' | 'crash';

interface SessionResult {
  openMs: number;
  historyMs?: number;
  pointMs?: number;
  /** Resident memory of the session once its reads are done. */
  rssMb?: number;
}

async function session(dir: string, mode: Mode, from: number, rows: number) {
  const { openDatastore } = await import('../../agent-core/db/datastore.ts');
  const { silentLogger } = await import('../../agent-core/log/logger.ts');
  const opened = performance.now();
  const datastore = await openDatastore({ url: `surrealkv://${join(dir, 'db')}`, log: silentLogger });
  const result: SessionResult = { openMs: performance.now() - opened };
  const { db } = datastore;
  try {
    // As the agent's message_thread index: a chat's rows in time order.
    await db.query('DEFINE INDEX IF NOT EXISTS bench_thread ON bench_message FIELDS chat, at');
    if (mode === 'fill' || mode === 'crash') {
      const filler = 'f'.repeat(FILL_BYTES);
      for (let i = 0; i < rows; i++) await db.query('CREATE bench_filler SET body = $filler', { filler });
      // As a crash, an OOM kill or a power cut: nothing is flushed, the engine's log holds it all.
      if (mode === 'crash') process.kill(process.pid, 'SIGKILL');
    } else {
      const body = 'm'.repeat(400);
      for (let at = from; at < from + rows; at++)
        await db.query('CREATE type::record("bench_message", $at) SET chat = $chat, at = $at, body = $body', {
          at,
          chat: at % CHATS,
          body,
        });
    }
    if (mode === 'read') {
      const history: number[] = [];
      const point: number[] = [];
      for (let i = 0; i < READS; i++) {
        let started = performance.now();
        await db.query('SELECT body, at FROM bench_message WHERE chat = $chat ORDER BY at DESC LIMIT 20', {
          chat: i % CHATS,
        });
        history.push(performance.now() - started);
        started = performance.now();
        await db.query('SELECT * FROM ONLY type::record("bench_message", $at)', {
          at: (i * 37) % (from + rows),
        });
        point.push(performance.now() - started);
      }
      result.historyMs = median(history);
      result.pointMs = median(point);
      result.rssMb = process.memoryUsage().rss / 2 ** 20;
    }
  } finally {
    await datastore.close({ exiting: true });
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** One session in a process of its own, as one start of the agent. */
function runSession(dir: string, mode: Mode, from: number, rows: number): SessionResult {
  const script = fileURLToPath(import.meta.url);
  const args = [SESSION_FLAG, dir, mode, String(from), String(rows)];
  const child = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], {
    env: { ...cleanEnv, ...ALLOCATOR_ENV },
    encoding: 'utf8',
  });
  if (mode === 'crash' && child.signal === 'SIGKILL') return { openMs: Number.NaN };
  if (child.status !== 0) throw new Error(`a datastore session exited with ${child.status}: ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').at(-1)!) as SessionResult;
}

export async function bench(): Promise<{ title: string; columns: string[]; rows: (string | number)[][] }> {
  const dir = mkdtempSync(join(tmpdir(), 'mono-datastore-restarts-'));
  const sstFiles = () => readdirSync(join(dir, 'db', 'sstables')).length;
  const walMb = () =>
    readdirSync(join(dir, 'db', 'wal')).reduce(
      (sum, name) => sum + statSync(join(dir, 'db', 'wal', name)).size,
      0,
    ) /
    2 ** 20;
  const rows: (string | number)[][] = [];
  const row = (when: string, result: SessionResult) =>
    rows.push([
      when,
      sstFiles(),
      result.openMs.toFixed(1),
      result.historyMs!.toFixed(2),
      result.pointMs!.toFixed(2),
      result.rssMb!.toFixed(0),
    ]);
  try {
    let written = 0;
    for (let start = 1; start <= STARTS; start++) {
      const read = READ_AFTER.has(start);
      const result = runSession(dir, read ? 'read' : 'write', written, ROWS_PER_SESSION);
      written += ROWS_PER_SESSION;
      if (read) row(`after ${start} start${start === 1 ? '' : 's'}`, result);
      if (start % 20 === 0)
        process.stderr.write(
          `bench: datastore restarts: ${start} of ${STARTS} starts, ${sstFiles()} SST files\n`,
        );
    }
    process.stderr.write('bench: datastore restarts: filling the memtable once (~110 MB)\n');
    runSession(dir, 'fill', written, FILL_ROWS);
    // No rows of its own: the reads find what they found after the last start.
    row('the same rows after one memtable flush', runSession(dir, 'read', written, 0));
    process.stderr.write('bench: datastore restarts: a start killed after ~60 MB of writes\n');
    runSession(dir, 'crash', written, CRASH_ROWS);
    const unflushed = walMb().toFixed(0);
    row(`the start after one killed with ${unflushed} MB unflushed`, runSession(dir, 'read', written, 0));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    title:
      `Datastore restarts: each start writes ${ROWS_PER_SESSION} message-like rows and stops (the agent's ` +
      `openDatastore, one process a start); reads timed as the agent makes them, median of ${READS}`,
    columns: [
      'when',
      'SST files',
      'open (ms)',
      "a chat's last 20 rows (ms)",
      'one row by id (ms)',
      'RSS (MB)',
    ],
    rows,
  };
}

if (process.argv[2] === SESSION_FLAG) {
  const [dir, mode, from, rows] = process.argv.slice(3);
  await session(dir!, mode as Mode, Number(from), Number(rows));
  // After a DEFINE INDEX the engine keeps threads that hold the process open (db/datastore-types.ts): end it here.
  process.exit(0);
}
