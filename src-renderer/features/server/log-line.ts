// One agent log line for people: pino's JSON (alone, or after journald's "time host unit[pid]:" prefix) becomes
// "time level message key=value"; anything else is shown as it is.
const LEVELS: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

export function formatLogLine(line: string): string {
  const start = line.indexOf('{');
  if (start < 0) return line;
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line.slice(start));
  } catch {
    return line;
  }
  const { time, level, msg, name: _name, pid: _pid, hostname: _host, ...rest } = record;
  const when =
    typeof time === 'string'
      ? time.slice(11, 19)
      : typeof time === 'number'
        ? new Date(time).toISOString().slice(11, 19)
        : '';
  const extra = Object.entries(rest)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  return `${when} ${(LEVELS[Number(level)] ?? String(level ?? '')).padEnd(5)} ${String(msg ?? '')} ${extra}`.trim();
}
