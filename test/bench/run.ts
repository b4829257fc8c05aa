// `npm run bench`: every benchmark in one run, each printed as a side-by-side table.
// `npm run bench -- agent` runs only the named ones (agent, provision, fleet, desktop).
import { existsSync } from 'node:fs';
import { benchAgent } from './agent.ts';

type Table = { title: string; columns: string[]; rows: (string | number)[][] };

const BENCHES: Record<string, () => Promise<Table | undefined>> = {
  async agent() {
    const rows = await benchAgent();
    return {
      title: 'Agent: MONO beside a bare-Node webhook → LLM → reply pipeline (same fakes, same machine)',
      columns: ['metric', 'unit', 'bare Node', 'MONO', 'target', 'met'],
      rows: rows.map((r) => [
        r.metric,
        r.unit,
        r.values['bare Node'],
        r.values.MONO,
        r.target,
        r.ok ? 'yes' : 'NO',
      ]),
    };
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
};

async function optional(path: string): Promise<Table | undefined> {
  if (!existsSync(new URL(path, import.meta.url))) return undefined;
  const module = (await import(path)) as { bench?: () => Promise<Table> };
  return module.bench?.();
}

function print(table: Table): void {
  const cells = [
    table.columns,
    ...table.rows.map((row) => row.map((c) => (typeof c === 'number' ? c.toFixed(1) : c))),
  ];
  const widths = table.columns.map((_, i) => Math.max(...cells.map((row) => String(row[i]).length)));
  const line = (row: (string | number)[]) =>
    `| ${row.map((c, i) => String(c).padEnd(widths[i]!)).join(' | ')} |`;
  console.log(`\n${table.title}\n`);
  console.log(line(cells[0]!));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of cells.slice(1)) console.log(line(row));
}

const wanted = process.argv.slice(2);
for (const [name, run] of Object.entries(BENCHES)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  const table = await run();
  if (table) print(table);
  else console.log(`\n(${name}: no benchmark yet)`);
}
process.exit(0);
