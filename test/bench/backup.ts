// Backup benchmark (`npm run bench -- backup`): an agent holding 10,000 messages, backed up while it runs (through
// its db hub, as `mono backup` does), plain and encrypted, and restored into a new data directory by the agent's
// own bundle; beside SurrealDB's own export and import of the same datastore. Then `mono backup` and `mono restore`
// end to end, as a user runs them (a child process each, from starting the CLI to its exit).
import { execFile } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { backupStream } from '../../agent-core/backup/backup.ts';
import { Secret } from '../../agent-core/config/secret.ts';
import { connectLocalHub } from '../../agent-core/hub/local-client.ts';
import { historyRows, seedEverything } from '../agent-core/backup/helpers.ts';
import { AGENT_BUNDLE, AgentProcess, tempDataDir } from '../helpers/agent-process.ts';

type Table = { title: string; columns: string[]; rows: (string | number)[][] };

const MESSAGES = 10_000;
const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const MONO = fileURLToPath(new URL('../../src-main/cli/bin.js', import.meta.url));

/** Runs `mono …` as a user would; resolves to its wall time and the result line of its --json output. */
async function mono(args: string[]): Promise<{ ms: number; result: Record<string, unknown> }> {
  const { ms, value } = await timed(() =>
    run(process.execPath, [MONO, ...args, '--json'], { cwd: REPO, maxBuffer: 64 * 1024 * 1024 }),
  );
  const result = value.stdout
    .split('\n')
    .filter((l) => l.startsWith('{"type":"result"'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)[0];
  if (!result?.ok) throw new Error(`mono ${args[0]} failed: ${value.stdout.slice(-2000)}${value.stderr}`);
  return { ms, result };
}

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await work();
  return { ms: performance.now() - started, value };
}

export async function bench(): Promise<Table> {
  const source = tempDataDir('mono-bench-backup-');
  const restored = tempDataDir('mono-bench-restored-');
  const imported = tempDataDir('mono-bench-imported-');
  const files = tempDataDir('mono-bench-files-');
  const cliRestored = tempDataDir('mono-bench-cli-restored-');
  const agent = new AgentProcess({ MONO_DATA_DIR: source.dir, MONO_LOG_LEVEL: 'info' });
  try {
    await agent.start();
    const config = { dataDir: source.dir, hub: {} };
    const hub = await connectLocalHub(config);
    const plainFile = join(files.dir, 'plain.monobak');
    const sealedFile = join(files.dir, 'sealed.monobak');
    let plain: { ms: number };
    let sealed: { ms: number };
    const cliFile = join(files.dir, 'cli.monobak');
    try {
      await seedEverything(hub.db);
      const rows = historyRows(MESSAGES);
      for (let i = 0; i < rows.length; i += 1000)
        await hub.db
          .query('INSERT INTO message $rows RETURN NONE', { rows: rows.slice(i, i + 1000) })
          .collect();
      const write = async (file: string, passphrase?: Secret) => {
        const stream = await backupStream(hub.db, { live: true, ...(passphrase ? { passphrase } : {}) });
        const chunks: Buffer[] = [];
        for await (const chunk of stream.bytes) chunks.push(chunk);
        writeFileSync(file, Buffer.concat(chunks));
      };
      await write(join(files.dir, 'warm-up.monobak'));
      plain = await timed(() => write(plainFile));
      sealed = await timed(() => write(sealedFile, new Secret('a passphrase for the benchmark')));
    } finally {
      await hub.close();
    }
    // `mono backup` of the running agent, as a user runs it.
    const cliBackup = await mono(['backup', '--data-dir', source.dir, '--out', cliFile]);
    await agent.stop();

    // SurrealDB's own export of the same (now stopped) datastore, and its import into a new one.
    const sqlFile = join(files.dir, 'export.surql');
    const exported = JSON.parse(
      (
        await run(
          process.execPath,
          ['--import', 'tsx', 'test/bench/backup-surreal.ts', 'export', source.dir, sqlFile],
          { cwd: REPO },
        )
      ).stdout,
    ) as { ms: number; bytes: number };
    const sql = readFileSync(sqlFile);
    const gzipBytes = gzipSync(sql).length;
    const compressing = await timed(async () =>
      brotliCompressSync(sql, { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } }),
    );
    const brotliBytes = compressing.value.length;
    const importing = await timed(
      async () =>
        JSON.parse(
          (
            await run(
              process.execPath,
              ['--import', 'tsx', 'test/bench/backup-surreal.ts', 'import', sqlFile, imported.dir],
              { cwd: REPO },
            )
          ).stdout,
        ) as { ms: number; messages: number },
    );

    // The agent's own bundle restores (a child for the staging, then the swap), as on a VPS.
    const restoring = await timed(
      () =>
        new Promise<void>((resolve, reject) => {
          const child = execFile(
            process.execPath,
            [AGENT_BUNDLE, 'restore'],
            {
              env: { PATH: process.env.PATH ?? '', MONO_DATA_DIR: restored.dir },
              maxBuffer: 64 * 1024 * 1024,
            },
            (error, stdout) => {
              if (error || !stdout.includes('"type":"result"'))
                reject(error ?? new Error(stdout.slice(-2000)));
              else resolve();
            },
          );
          child.stdin!.end(readFileSync(plainFile));
        }),
    );

    // `mono restore` into a new data directory, as a user runs it (check, restore, count).
    const cliRestore = await mono(['restore', '--data-dir', cliRestored.dir, cliFile]);
    const restoredMessages = (cliRestore.result.counts as Record<string, number>).message;
    const backedUp = (cliBackup.result.counts as Record<string, number>).message;
    if (backedUp === undefined || backedUp < MESSAGES || restoredMessages !== backedUp)
      throw new Error(`mono backup wrote ${backedUp} messages, mono restore holds ${restoredMessages}`);

    const kB = (bytes: number) => bytes / 1024;
    return {
      title: `Backup and restore of an agent holding ${MESSAGES.toLocaleString('en')} messages (backup while it runs, through its db hub)`,
      columns: ['metric', 'unit', 'MONO backup', 'SurrealDB export/import', 'note'],
      rows: [
        [
          'backup to a compressed file',
          'ms',
          plain.ms,
          exported.ms + compressing.ms,
          'MONO: live, through the hub; SurrealDB: export of the stopped datastore + brotli 5',
        ],
        ['backup, encrypted', 'ms', sealed.ms, '–', 'scrypt (N=2^17, r=8) + AES-256-GCM'],
        [
          'file size',
          'kB',
          kB(statSync(plainFile).size),
          kB(brotliBytes),
          `SurrealQL: ${Math.round(kB(exported.bytes))} kB raw, ${Math.round(kB(gzipBytes))} kB gzip`,
        ],
        ['file size, encrypted', 'kB', kB(statSync(sealedFile).size), '–', ''],
        [
          'restore',
          'ms',
          restoring.ms,
          importing.ms,
          'MONO: bundle checks, stages, migrates, counts, swaps; SurrealDB: import process',
        ],
        ['engine time of the import alone', 'ms', '–', importing.value.ms, ''],
        [
          '`mono backup`, end to end',
          'ms',
          cliBackup.ms,
          '–',
          `a child process, start to exit (its own count: ${cliBackup.result.durationMs} ms); ${Math.round(kB(statSync(cliFile).size))} kB`,
        ],
        [
          '`mono restore`, end to end',
          'ms',
          cliRestore.ms,
          '–',
          `into a new data directory: check, restore, count (its own count: ${cliRestore.result.durationMs} ms)`,
        ],
      ],
    };
  } finally {
    await agent.stop().catch(() => {});
    for (const dir of [source, restored, imported, files, cliRestored]) dir.remove();
  }
}
