// Where one release switch's reply gap goes, read from the VPS's journal (`short-unix`, the same clock as the
// fakes' timestamps: the disposable VPS shares this machine's kernel): the old release's last reply → systemd's
// SIGTERM → the old agent's `stopped` line (drain, datastore closed) → systemd's `Stopped` (process exit and
// systemd's clean-up) → `Started` of the new one → its `ready` line → its first reply. MONO_BENCH_TRACE=1 also
// prints the journal lines and the fakes' calls around the gap.
import type { AgentFakes } from '../vps/agent-fakes.ts';

export interface SwitchPhases {
  /** Old release's last reply → systemd's `Stopping` (≤ 0: the last reply came after SIGTERM, from the drain). */
  toSigtermMs: number;
  /** SIGTERM (or the hand-over's `stopping`) → the old agent's `stopped` line: its drain and closing. */
  drainMs: number;
  /** `stopped` → systemd's `Stopped`: the process's exit and systemd's clean-up of the unit. */
  exitMs: number;
  /** `Stopped` → `Started`: systemd starting the new process. */
  relaunchMs: number;
  /** `Started` → the new agent's `ready` line: Node's start, loading the bundle, opening the datastore. */
  startMs: number;
  /**
   * A hand-over instead of a restart (agent-core/handover.ts): the old agent's `stopped` → the new one's `ready`
   * (its exit, the datastore opened by the new process, which had loaded beforehand); the three above are NaN.
   */
  handOverMs: number;
  /** `ready` → the new release's first reply. */
  firstReplyMs: number;
}

/** The phases of the switch inside `gap` ([old last reply, new first reply], epoch ms); NaN where a line is missing. */
export function switchPhases(journal: string, gap: [number, number]): SwitchPhases {
  const lines = journal.split('\n').map((line) => ({ at: Number(line.split(' ')[0]) * 1000, line }));
  const first = (match: RegExp, after: number) =>
    lines.find((l) => l.at >= after && match.test(l.line))?.at ?? Number.NaN;
  // The switch's SIGTERM: the last `Stopping` (systemd's) or `stopping` (the agent's) shortly before the new
  // release's first reply, whichever journald stamped first (it may receive the agent's line before systemd's own).
  // A hand-over has only the agent's.
  const last = (match: RegExp) =>
    lines.filter((l) => l.at >= gap[0] - 5000 && l.at <= gap[1] && match.test(l.line)).at(-1)?.at ??
    Number.NaN;
  const stops = [last(/Stopping mono-agent\.service/), last(/"msg":"stopping"/)].filter(Number.isFinite);
  const stopping = stops.length ? Math.min(...stops) : Number.NaN;
  const stopped = first(/"msg":"stopped"/, stopping);
  const unitStopped = first(/Stopped mono-agent\.service/, stopped);
  const handedOver = Number.isNaN(unitStopped) || unitStopped > gap[1];
  const started = handedOver ? Number.NaN : first(/Started mono-agent\.service/, unitStopped);
  const ready = first(/"msg":"ready"/, handedOver ? stopped : started);
  const ms = (a: number, b: number) => Math.round(b - a);
  return {
    toSigtermMs: ms(gap[0], stopping),
    drainMs: ms(stopping, stopped),
    exitMs: handedOver ? Number.NaN : ms(stopped, unitStopped),
    relaunchMs: ms(unitStopped, started),
    startMs: ms(started, ready),
    handOverMs: handedOver ? ms(stopped, ready) : Number.NaN,
    firstReplyMs: ms(ready, gap[1]),
  };
}

/** One table cell: `drain 13 + exit 171 + relaunch 16 + start 703 + first reply 889` (or `+ hand-over 120 +`). */
export function describePhases(p: SwitchPhases): string {
  const sigterm = p.toSigtermMs > 0 ? `${p.toSigtermMs} to SIGTERM + ` : '';
  const between = Number.isNaN(p.handOverMs)
    ? `exit ${p.exitMs} + relaunch ${p.relaunchMs} + start ${p.startMs}`
    : `hand-over to ready ${p.handOverMs}`;
  return `${sigterm}drain ${p.drainMs} + ${between} + first reply ${p.firstReplyMs}`;
}

/** The journal from a little before the gap (for switchPhases and the trace). */
export function journalSince(gap: [number, number]): string {
  return `journalctl -o short-unix --no-pager --since @${Math.floor(gap[0] / 1000) - 5}`;
}

/** MONO_BENCH_TRACE: every journal line and fake call around the gap, as ms from the old release's last reply. */
export function traceSwitch(label: string, journal: string, gap: [number, number], fakes: AgentFakes): void {
  if (!process.env.MONO_BENCH_TRACE) return;
  const near = (t: number) => t >= gap[0] - 1500 && t <= gap[1] + 300;
  const rows: [number, string][] = [
    [gap[0], '=== old release’s last reply'],
    [gap[1], '=== new release’s first reply'],
  ];
  for (const line of journal.split('\n')) {
    const at = Number(line.split(' ')[0]) * 1000;
    if (near(at))
      rows.push([
        at,
        line
          .slice(line.indexOf(' ') + 1)
          .replace(/"level":\d+,"time":"[^"]*",/, '')
          .slice(0, 200),
      ]);
  }
  for (const c of fakes.telegram.calls)
    if (near(c.time)) rows.push([c.time, `telegram ${c.method} ${c.status ?? '…'}`]);
  for (const c of fakes.anthropic.log)
    if (near(c.time)) rows.push([c.time, `anthropic messages ${c.status ?? '…'}`]);
  rows.sort((a, b) => a[0] - b[0]);
  process.stderr.write(`\n${label}: gap ${Math.round(gap[1] - gap[0])} ms\n`);
  for (const [at, text] of rows)
    process.stderr.write(`${String(Math.round(at - gap[0])).padStart(6)} ${text}\n`);
}
