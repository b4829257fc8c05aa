// `npm run bench -- fleet`: `mono fleet deploy` on as many disposable VPSes as this machine sensibly holds
// (MONO_BENCH_FLEET_HOSTS, default 24), measured as a curve — hosts × parallelism → time, and the controller's
// peak RSS and CPU (the `mono` process itself) — then what that predicts for 100 and 1,000 real hosts.
import { execFile } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runMono } from '../vps/cli.ts';
import {
  bootMany,
  buildRelease,
  createTestKey,
  removeBuilds,
  startFleetMirror,
  tempMonoHome,
  testTls,
  type Vps,
} from '../vps/harness.ts';

type Table = { title: string; columns: string[]; rows: (string | number)[][] };

const HOSTS = Number(process.env.MONO_BENCH_FLEET_HOSTS ?? 24);
/** The curve measures the rollout itself; the bake (default 60 s for a fleet) adds to it as the notes say. */
const BAKE_S = 5;

const run = promisify(execFile);

/**
 * What one running VPS costs this machine: the PSS of every process in it (its network namespace holds exactly
 * its processes; PSS shares common pages fairly instead of counting them per process or reading the page cache),
 * and the files it wrote, which live in its tmpfs upper layer (what `df /` reports inside it).
 */
async function vpsMemoryMb(vps: Vps): Promise<{ processes: number; files: number }> {
  const pids = (await run('ip', ['netns', 'pids', vps.netns])).stdout.split(/\s+/).filter(Boolean);
  let pssKb = 0;
  for (const pid of pids) {
    const rollup = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8').catch(() => '');
    pssKb += Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0);
  }
  const usedKb = Number((await vps.must('df -k --output=used / | tail -n 1')).trim());
  return { processes: pssKb / 1024, files: usedKb / 1024 };
}

interface Run {
  what: string;
  hosts: number;
  parallel: number;
  ms: number;
  rssMb: number;
  cpuS: number;
  ok: boolean;
}

export async function bench(): Promise<Table> {
  const key = await createTestKey();
  const home = await tempMonoHome();
  const fleet: Vps[] = [];
  let mirror: Awaited<ReturnType<typeof startFleetMirror>> | undefined;
  const runs: Run[] = [];
  try {
    const bootStarted = performance.now();
    // Booted in batches: dozens of containers starting at once on two cores mostly wait for each other.
    for (let i = 0; i < HOSTS; i += 8) fleet.push(...(await bootMany(key, Math.min(8, HOSTS - i))));
    const bootS = (performance.now() - bootStarted) / 1000;
    mirror = await startFleetMirror(fleet);
    const caFile = join(home, 'ca.pem');
    await writeFile(caFile, (await testTls()).ca);
    let version = 0;
    const rollout = async (what: string, hosts: Vps[], parallel: number) => {
      const file = join(home, `hosts-${hosts.length}`);
      await writeFile(file, hosts.map((v) => `root@${v.host}`).join('\n'));
      const cli = await runMono(
        [
          ...['fleet', 'deploy', file, '--json', '-i', key.identity, '--accept-new-host-key'],
          ...[
            '--node-mirror',
            mirror!.localUrl,
            '--node-mirror-ca',
            caFile,
            '--node-sha256',
            mirror!.nodeSha256,
          ],
          ...['--parallel', String(parallel), '--canary', '1', '--bake', String(BAKE_S)],
          ...['--release', await buildRelease(`5.0.${version++}`)],
        ],
        { MONO_HOME: home },
        3_600_000,
      );
      const r = cli.events.at(-1) as {
        ok: boolean;
        durationMs: number;
        controller: { maxRssMb: number; cpuS: number };
      };
      runs.push({
        what,
        hosts: hosts.length,
        parallel,
        ms: r.durationMs,
        rssMb: r.controller.maxRssMb,
        cpuS: r.controller.cpuS,
        ok: r.ok,
      });
      if (!r.ok) console.error(cli.stdout.slice(-4000));
    };
    await rollout('fresh install (Node sent once)', fleet, 16);
    // Measured with the agent running on every VPS, after the install wrote Node and the release there.
    const memory = await Promise.all(fleet.map(vpsMemoryMb));
    const mean = (f: (m: { processes: number; files: number }) => number) =>
      Math.round(memory.reduce((sum, m) => sum + f(m), 0) / memory.length);
    for (const parallel of [1, 4, 8, 16]) await rollout('update', fleet, parallel);
    await rollout('update', fleet.slice(0, Math.ceil(HOSTS / 3)), 8);
    await rollout('update', fleet.slice(0, Math.ceil((2 * HOSTS) / 3)), 8);

    const s = (ms: number) => Math.round(ms / 100) / 10;
    const serial = runs.find((r) => r.what === 'update' && r.parallel === 1 && r.hosts === HOSTS)!;
    const laneS = serial.ms / 1000 / HOSTS;
    const cpuPerHost = Math.max(...runs.filter((r) => r.what === 'update').map((r) => r.cpuS / r.hosts));
    const rows: (string | number)[][] = runs.map((r) => [
      r.what,
      r.hosts,
      r.parallel,
      s(r.ms),
      s(r.ms / r.hosts),
      r.rssMb,
      r.cpuS,
      Math.round((r.cpuS / r.hosts) * 1000),
      r.ok ? 'yes' : 'NO',
    ]);
    // Real hosts bring their own CPUs: a lane costs about what one host takes alone here, and a wave of lanes
    // runs side by side; the canary goes first and bakes; every host bakes after it answered healthy.
    const predict = (hosts: number, parallel: number, bakeS: number) =>
      Math.round(laneS + bakeS + Math.ceil((hosts - 1) / parallel) * laneS + bakeS);
    for (const hosts of [100, 1000])
      rows.push([
        `prediction, real hosts, bake ${BAKE_S} s / 60 s`,
        hosts,
        16,
        `${predict(hosts, 16, BAKE_S)} / ${predict(hosts, 16, 60)}`,
        '–',
        `≈ ${Math.max(...runs.map((r) => r.rssMb))}`,
        Math.round(cpuPerHost * hosts),
        Math.round(cpuPerHost * 1000),
        '–',
      ]);
    rows.push([
      `(${HOSTS} VPSes booted in ${Math.round(bootS)} s; each running VPS: ${mean((m) => m.processes)} MB PSS of its processes + ${mean((m) => m.files)} MB of files in its tmpfs)`,
      '',
      '',
      '',
      '',
      '≤ 300 at P16',
      '',
      '',
      runs.filter((r) => r.parallel === 16).every((r) => r.rssMb <= 300) ? 'yes' : 'NO',
    ]);
    return {
      title: `Fleet rollout on ${HOSTS} disposable VPSes sharing this machine's 2 cores (canary 1, --bake ${BAKE_S})`,
      columns: [
        'run',
        'hosts',
        'parallel',
        'time s',
        's/host',
        'controller peak RSS MB',
        'controller CPU s',
        'CPU ms/host',
        'ok',
      ],
      rows,
    };
  } finally {
    await mirror?.close();
    await Promise.allSettled(fleet.map((v) => v.stop()));
    await rm(home, { recursive: true, force: true });
    await rm(key.dir, { recursive: true, force: true });
    await removeBuilds();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const table = await bench();
  const cells = [table.columns, ...table.rows.map((r) => r.map(String))];
  const widths = table.columns.map((_, i) => Math.max(...cells.map((r) => String(r[i]).length)));
  console.log(`\n${table.title}\n`);
  for (const [i, row] of cells.entries()) {
    console.log(`| ${row.map((c, j) => String(c).padEnd(widths[j]!)).join(' | ')} |`);
    if (i === 0) console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  }
  process.exit(0);
}
