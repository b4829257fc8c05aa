// Cost per day as an SVG bar chart (no chart library): the last N days, a budget line, hover titles.
import type { UsageRow } from '../../../agent-core/contract/tables.ts';
import { niceTicks, tokens, usd } from '../../lib/format.ts';

export interface DayTotal {
  day: string;
  cost: number;
  input: number;
  output: number;
  requests: number;
}

export function totalsByDay(rows: UsageRow[], days: number, today = new Date()): DayTotal[] {
  const out: DayTotal[] = [];
  for (let i = days - 1; i >= 0; i--) {
    const day = new Date(today.getTime() - i * 86_400_000).toISOString().slice(0, 10);
    const of = rows.filter((r) => r.day === day);
    out.push({
      day,
      cost: of.reduce((n, r) => n + r.cost_usd, 0),
      input: of.reduce(
        (n, r) => n + r.input_tokens + r.cache_read_input_tokens + r.cache_creation_input_tokens,
        0,
      ),
      output: of.reduce((n, r) => n + r.output_tokens, 0),
      requests: of.reduce((n, r) => n + r.requests, 0),
    });
  }
  return out;
}

export function UsageChart({ data, budget }: { data: DayTotal[]; budget?: number }) {
  const width = 720;
  const height = 220;
  const { ticks, top: max, decimals } = niceTicks(Math.max(budget ?? 0, ...data.map((d) => d.cost)) * 1.1);
  // Room on the left for the longest axis label ("$0.0015"), about 7 px per character.
  const pad = { top: 12, right: 8, bottom: 26, left: 16 + 7 * `$${max.toFixed(decimals)}`.length };
  const inner = { w: width - pad.left - pad.right, h: height - pad.top - pad.bottom };
  const slot = inner.w / data.length;
  const y = (v: number) => pad.top + inner.h - (v / max) * inner.h;

  return (
    <svg className="chart" viewBox={`0 0 ${width} ${height}`} role="img" aria-label="Cost per day">
      {ticks.map((t) => (
        <g key={t}>
          <line x1={pad.left} x2={width - pad.right} y1={y(t)} y2={y(t)} className="chart-grid" />
          <text x={pad.left - 8} y={y(t) + 4} className="chart-label" textAnchor="end">
            ${t.toFixed(decimals)}
          </text>
        </g>
      ))}
      {data.map((d, i) => {
        const h = Math.max(d.cost > 0 ? 2 : 0, inner.h - (y(d.cost) - pad.top));
        const x = pad.left + i * slot + slot * 0.18;
        const over = budget !== undefined && d.cost >= budget;
        return (
          <g key={d.day}>
            <rect
              x={x}
              y={pad.top + inner.h - h}
              width={slot * 0.64}
              height={h}
              rx={3}
              className={over ? 'bar bar-over' : 'bar'}
            >
              <title>
                {`${d.day}: ${usd(d.cost)} · ${tokens(d.input)} in / ${tokens(d.output)} out · ${d.requests} requests`}
              </title>
            </rect>
            {(i % 5 === 0 || i === data.length - 1) && (
              <text x={x + slot * 0.32} y={height - 8} className="chart-label" textAnchor="middle">
                {new Date(`${d.day}T12:00:00`).toLocaleDateString(undefined, {
                  day: 'numeric',
                  month: 'short',
                })}
              </text>
            )}
          </g>
        );
      })}
      {budget !== undefined && budget > 0 && (
        <g>
          <line x1={pad.left} x2={width - pad.right} y1={y(budget)} y2={y(budget)} className="chart-budget" />
          <text
            x={width - pad.right}
            y={y(budget) - 5}
            className="chart-label chart-budget-label"
            textAnchor="end"
          >
            daily budget {usd(budget)}
          </text>
        </g>
      )}
    </svg>
  );
}
