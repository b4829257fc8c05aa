// agent_status.faults: what the agent is living through (a full disk, short memory, services it cannot reach,
// how its last run ended), as the agent writes it, and the words the desktop and the tray use for it.

export interface AgentFaults {
  disk?: {
    /** ok; low: new messages are refused (senders retry later); critical: nothing is written until space returns. */
    level: 'ok' | 'low' | 'critical';
    free_bytes: number;
    total_bytes: number;
    refuse_below_bytes: number;
    since?: string;
  };
  memory?: { pressure: boolean; limit_bytes?: number };
  /** Services unreachable right now (telegram, whatsapp, email, anthropic), with the replies waiting for each. */
  outages?: { service: string; since: string; detail: string; waiting: number }[];
  /** The last time the kernel killed the agent for memory: when, and the limit it hit. */
  memory_kill?: { at: string; limit_bytes?: number; peak_bytes?: number };
  /** How the last run ended when it was not a clean stop (systemd's verdict). */
  last_exit?: { result: string; detail?: string; at?: string };
  updated_at?: string;
}

export interface FaultNote {
  /** bad: the agent is not doing its job right now; warn: it is, but the owner should know. */
  level: 'bad' | 'warn';
  text: string;
}

const SERVICES: Record<string, string> = {
  telegram: 'Telegram',
  whatsapp: 'WhatsApp',
  email: 'the mail server',
  anthropic: 'Claude',
};

/** A memory kill is worth showing for a week. */
const RECENT_MS = 7 * 86_400_000;

function megabytes(bytes: number): string {
  return bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(1)} GB` : `${Math.round(bytes / 1024 ** 2)} MB`;
}

function clock(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** One line per fault worth the owner's attention, most urgent first. */
export function faultNotes(faults: AgentFaults | undefined, now = Date.now()): FaultNote[] {
  if (!faults) return [];
  const notes: FaultNote[] = [];
  const disk = faults.disk;
  if (disk?.level === 'critical')
    notes.push({
      level: 'bad',
      text: `The server's disk is full (${megabytes(disk.free_bytes)} free): your agent waits for space and writes nothing until then. Free some space on the server.`,
    });
  else if (disk?.level === 'low')
    notes.push({
      level: 'bad',
      text: `The server's disk is nearly full (${megabytes(disk.free_bytes)} free of ${megabytes(disk.total_bytes)}): new messages wait with Telegram and WhatsApp until you free some space.`,
    });
  for (const outage of faults.outages ?? [])
    notes.push({
      level: 'warn',
      text: `${SERVICES[outage.service] ?? outage.service} cannot be reached since ${clock(outage.since)}${outage.waiting > 0 ? ` — ${outage.waiting} waiting` : ''}. Messages wait and are answered when it is back.`,
    });
  if (faults.memory?.pressure)
    notes.push({
      level: 'warn',
      text: `Your agent is short of memory${faults.memory.limit_bytes ? ` (limit ${megabytes(faults.memory.limit_bytes)})` : ''}: it takes messages a few at a time.`,
    });
  const kill = faults.memory_kill;
  if (kill && now - Date.parse(kill.at) < RECENT_MS)
    notes.push({
      level: 'warn',
      text: `Your agent was killed for lack of memory on ${clock(kill.at)}${kill.limit_bytes ? ` (limit ${megabytes(kill.limit_bytes)})` : ''} and restarted; nothing was lost.`,
    });
  return notes;
}

/** A few words for the tray's "needs you" list. */
export function faultTrayNotes(faults: AgentFaults | undefined, now = Date.now()): string[] {
  if (!faults) return [];
  const notes: string[] = [];
  if (faults.disk?.level === 'critical') notes.push('disk full');
  else if (faults.disk?.level === 'low') notes.push('disk nearly full');
  for (const outage of faults.outages ?? [])
    notes.push(`${SERVICES[outage.service] ?? outage.service} unreachable`);
  const kill = faults.memory_kill;
  if (kill && now - Date.parse(kill.at) < RECENT_MS)
    notes.push(`killed for memory${kill.limit_bytes ? ` at ${megabytes(kill.limit_bytes)}` : ''}`);
  return notes;
}
