// What a move to another VPS does to the agents besides backing up and restoring: stop and start one, and carry a
// WhatsApp linked device's keys from the old server to the new one (they live beside the datastore, not in it).
import { connectStep, type Target, targetName } from '../provision/connect.ts';
import { type ProgressListener, StepReporter } from '../provision/progress.ts';
import { agentServiceCommand, readLinkedDeviceCommand, writeLinkedDeviceCommand } from './commands.ts';
import { agentCommandError, streamCommand } from './remote.ts';

export async function setAgentRunning(
  target: Target,
  running: boolean,
  onProgress?: ProgressListener,
): Promise<void> {
  const step = running ? 'start' : 'stop';
  const reporter = new StepReporter(targetName(target), ['connect', step], onProgress);
  const session = await connectStep(target, reporter);
  try {
    await reporter.run(step, running ? 'Starting the agent' : 'Stopping the agent', () =>
      session.run(agentServiceCommand(step)),
    );
  } finally {
    session.close();
  }
}

/** What carrying a linked device's keys did: whether there were any, and where the server's own keys went. */
export interface LinkedDeviceCopy {
  moved: boolean;
  /** The keys the new server had already, moved aside rather than overwritten. */
  keptAside?: string;
}

/** Copies the linked device's keys (both agents stopped or the new one not yet linked). */
export async function copyLinkedDevice(
  from: Target,
  to: Target,
  onProgress?: ProgressListener,
): Promise<LinkedDeviceCopy> {
  const reporter = new StepReporter(targetName(from), ['connect', 'whatsapp'], onProgress);
  const source = await connectStep(from, reporter);
  let archive: Buffer;
  try {
    archive = await reporter.run('whatsapp', 'Reading the WhatsApp linked device’s keys', async () => {
      const command = readLinkedDeviceCommand();
      const read = streamCommand(source, command, {});
      const chunks: Buffer[] = [];
      read.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
      const { code, stderr, reported } = await read.done;
      if (code !== 0) throw agentCommandError(source, command, code, stderr, reported);
      return Buffer.concat(chunks);
    });
  } finally {
    source.close();
  }
  if (archive.length === 0) return { moved: false };
  return { moved: true, ...(await installLinkedDevice(to, archive, onProgress)) };
}

/**
 * Unpacks a linked device's keys (a .tar.gz of whatsapp-auth/…, sent on stdin only) into the server's agent data
 * directory, for the agent's user alone; keys the server had are moved aside, never overwritten.
 */
export async function installLinkedDevice(
  to: Target,
  archive: Buffer,
  onProgress?: ProgressListener,
): Promise<{ keptAside?: string }> {
  const writer = new StepReporter(targetName(to), ['connect', 'whatsapp'], onProgress);
  const target = await connectStep(to, writer);
  try {
    const { facts } = await writer.run('whatsapp', 'Installing the WhatsApp linked device’s keys', () =>
      target.run(writeLinkedDeviceCommand(), { stdin: archive }),
    );
    return facts.kept_aside ? { keptAside: facts.kept_aside } : {};
  } finally {
    target.close();
  }
}
