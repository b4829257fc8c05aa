// A remote command as data: the script text, whether it needs root, how long it may take, and what it does.
import { sh } from '../shell.ts';

export interface RemoteCommand {
  /** The step it belongs to (for error messages). */
  step: string;
  /** A POSIX sh script. Never contains a secret: secrets travel on stdin only. */
  script: string;
  /** Run as root (through `sudo -n` when the SSH user is not root). */
  root: boolean;
  /** What it does, in words, for the message when it fails or hangs ("downloading Node v20.20.2"). */
  what?: string;
  /** How long it may run before it is stopped (DEFAULT_TIMEOUT_S when not given). */
  timeoutS?: number;
  /** For a command whose output is streamed: how long it may send nothing before it counts as hung. */
  stallS?: number;
}

/** Most commands are a few file operations or a systemctl call: a minute means something hangs. */
export const DEFAULT_TIMEOUT_S = 60;
/** After the limit, `timeout` sends TERM to the whole process group, and KILL this much later. */
const KILL_AFTER_S = 5;
/** Exit codes of coreutils' timeout when it stopped the command (TERM, then KILL). */
export const TIMEOUT_EXIT = [124, 137] as const;

/**
 * The exact command line sent over SSH for a command, as root or as the SSH user. With a limit, coreutils'
 * `timeout` runs the script in its own process group, so a hung child (curl, systemctl, a stuck tool) is
 * stopped on the VPS too, not only the SSH channel waiting for it.
 */
export function commandLine(command: RemoteCommand, sshUserIsRoot: boolean, timeoutS?: number): string {
  const limit =
    timeoutS !== undefined ? `timeout -k ${KILL_AFTER_S} ${Math.max(1, Math.ceil(timeoutS))} ` : '';
  const body = `${limit}sh -c ${sh(command.script)}`;
  return command.root && !sshUserIsRoot ? `sudo -n ${body}` : body;
}

/** `key=value` lines (the fact format every inspection script prints) as a record; later keys win. */
export function parseFacts(text: string): Record<string, string> {
  const facts: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0 && /^[A-Za-z_][A-Za-z0-9_]*$/.test(line.slice(0, eq)))
      facts[line.slice(0, eq)] = line.slice(eq + 1).trim();
  }
  return facts;
}
