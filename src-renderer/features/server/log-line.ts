// One agent log line for people: pino's JSON (alone, or after journald's "time host unit[pid]:" prefix) becomes
// "time level message key=value", the time on this computer's clock; anything else is shown as it is.
const LEVELS: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

/** HH:MM:SS on this computer's clock, as every other time on the desktop (the agent logs in UTC). */
function clockHere(at: Date): string {
  if (Number.isNaN(at.getTime())) return '';
  return [at.getHours(), at.getMinutes(), at.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

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
  const when = typeof time === 'string' || typeof time === 'number' ? clockHere(new Date(time)) : '';
  const extra = Object.entries(rest)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  return `${when} ${(LEVELS[Number(level)] ?? String(level ?? '')).padEnd(5)} ${String(msg ?? '')} ${extra}`.trim();
}
