// `npm run bench`: every benchmark in one run, each printed as a side-by-side table.
// `npm run bench -- agent` runs only the named ones (agent, peers, provision, fleet, desktop, backup, media, datastore,
// datastore-restarts, soak);
// `peers` is the agent table with OpenClaw beside MONO (`--install` installs it into a cache outside the
// repository first).
import { existsSync } from 'node:fs';
import { benchAgent } from './agent.ts';
import { installOpenclaw, OPENCLAW_VERSION, openclawInstalled, PEER_CACHE } from './peers/openclaw.ts';
import { BARE_NODE, MONO, OPENCLAW } from './subjects.ts';

type Table = { title: string; columns: string[]; rows: (string | number)[][] };

const BENCHES: Record<string, () => Promise<Table | 'skip' | undefined>> = {
  // The whole run (`npm run bench`) puts OpenClaw beside MONO where it is installed; `agent` alone leaves it out.
  async agent() {
    return agentTable(wanted.length === 0 && openclawInstalled());
  },
  async peers() {
    if (wanted.length === 0) return 'skip'; // the whole run's agent table has it already
    if (!openclawInstalled()) {
      if (!process.argv.includes('--install')) {
        console.log(
          `\n(peers: OpenClaw is not installed in ${PEER_CACHE}; \`npm run bench -- peers --install\` installs openclaw@${OPENCLAW_VERSION} there)`,
        );
        return 'skip';
      }
      installOpenclaw((text) => process.stderr.write(`bench: ${text}\n`));
    }
    return agentTable(true);
  },
  // Other areas add their benchmark module beside this file, exporting `bench(): Promise<Table>`.
  async provision() {
    return optional('./provision.ts');
  },
  async fleet() {
    return optional('./fleet.ts');
  },
  async desktop() {
    return optional('./desktop.ts');
  },
  async backup() {
    return optional('./backup.ts');
  },
  async media() {
    return optional('./media.ts');
  },
  async datastore() {
    return optional('./datastore-memory.ts');
  },
  async 'datastore-restarts'() {
    return optional('./datastore-restarts.ts');
  },
  // Half an hour or more: only when named (`npm run bench -- soak [--minutes N]`).
  async soak() {
    if (wanted.length === 0) return 'skip';
    return optional('./soak.ts');
  },
};

async function agentTable(withPeer: boolean): Promise<Table> {
  const subjects = withPeer ? [BARE_NODE, MONO, OPENCLAW] : [BARE_NODE, MONO];
  const rows = await benchAgent({ subjects });
  const names = subjects.map((s) => s.name);
  const peer = withPeer ? ` and OpenClaw ${OPENCLAW_VERSION}` : '';
  return {
    title: `Agent: MONO beside a bare-Node webhook → LLM → reply pipeline${peer} (same fakes, same machine, one run)`,
    columns: ['metric', 'unit', ...names, 'target', 'met'],
    rows: rows.map((r) => [
      r.metric,
      r.unit,
      ...names.map((n) => r.values[n] ?? '–'),
      r.target,
      r.ok ? 'yes' : 'NO',
    ]),
  };
}

async function optional(path: string): Promise<Table | undefined> {
  if (!existsSync(new URL(path, import.meta.url))) return undefined;
  const module = (await import(path)) as { bench?: () => Promise<Table> };
  return module.bench?.();
}

function print(table: Table): void {
  const cells = [
    table.columns,
    ...table.rows.map((row) =>
      row.map((c) => (typeof c === 'number' && !Number.isInteger(c) ? c.toFixed(1) : c)),
    ),
  ];
  const widths = table.columns.map((_, i) => Math.max(...cells.map((row) => String(row[i]).length)));
  const line = (row: (string | number)[]) =>
    `| ${row.map((c, i) => String(c).padEnd(widths[i]!)).join(' | ')} |`;
  console.log(`\n${table.title}\n`);
  console.log(line(cells[0]!));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of cells.slice(1)) console.log(line(row));
}

const wanted = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
for (const [name, run] of Object.entries(BENCHES)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  const table = await run();
  if (table === 'skip') continue;
  if (table) print(table);
  else console.log(`\n(${name}: no benchmark yet)`);
}
process.exit(0);
