// What MONO tells its owner about the faults it meets: what happened, that nothing is lost, what happens next and
// what the owner can do.
import { formatLocal } from '../jobs/local-time.ts';
import { formatBytes } from './disk-thresholds.ts';

const SERVICE_NAMES: Record<string, string> = {
  telegram: 'Telegram',
  whatsapp: 'WhatsApp',
  email: 'the mail server',
  anthropic: 'Claude (Anthropic)',
};

export const serviceName = (name: string) => SERVICE_NAMES[name] ?? name;

const clock = (at: number, timeZone: string) => formatLocal(new Date(at), timeZone).slice(11, 16);

/**
 * "from 22:00 to 23:15" within one local day; across days each end carries its date, as formatLocal writes it
 * ("from 2026-12-07 22:00 (Monday) to 2026-12-09 08:00 (Wednesday)"): the clock times alone read as 10 hours.
 */
function fromTo(since: number, until: number, timeZone: string): string {
  const from = formatLocal(new Date(since), timeZone);
  const to = formatLocal(new Date(until), timeZone);
  if (from.slice(0, 10) === to.slice(0, 10)) return `from ${from.slice(11, 16)} to ${to.slice(11, 16)}`;
  return `from ${from} to ${to}`;
}

export const diskLow = (freeBytes: number, totalBytes: number) =>
  `My server's disk is nearly full (${formatBytes(freeBytes)} free of ${formatBytes(totalBytes)}). ` +
  `I've stopped taking new messages for now — Telegram and WhatsApp keep them and deliver them again later — ` +
  `and I'm finishing the ones I already have. Please free some space on the server (old files, logs, backups); ` +
  `I'll carry on by myself as soon as there is room.`;

export const diskBack = (freeBytes: number) =>
  `Disk space is back (${formatBytes(freeBytes)} free): I'm taking new messages again.`;

export const outageNow = (service: string, since: number, timeZone: string, waiting: number) =>
  `I can't reach ${serviceName(service)} since ${clock(since, timeZone)}. ` +
  `${waiting > 0 ? `${waiting} message${waiting === 1 ? '' : 's'} wait` : 'Messages wait'} and will be ` +
  `answered when it's back; I keep trying.`;

export const outageOver = (service: string, since: number, until: number, timeZone: string) =>
  `${capitalise(serviceName(service))} was unreachable ${fromTo(since, until, timeZone)}. ` +
  `The messages that waited are being answered now.`;

export const memoryKill = (limitBytes: number | undefined) =>
  `I was restarted after running out of memory${limitBytes ? ` (my limit is ${formatBytes(limitBytes)})` : ''}. ` +
  `Nothing was lost: the messages I had are being answered. If this happens often, give me more memory ` +
  `(MemoryMax in the service) or a larger server.`;

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
