// A remote command as data: the script text, whether it needs root, and what the executor feeds its stdin.
import { sh } from '../shell.ts';

export interface RemoteCommand {
  /** The step it belongs to (for error messages). */
  step: string;
  /** A POSIX sh script. Never contains a secret: secrets travel on stdin only. */
  script: string;
  /** Run as root (through `sudo -n` when the SSH user is not root). */
  root: boolean;
}

/** The exact command line sent over SSH for a command, as root or as the SSH user. */
export function commandLine(command: RemoteCommand, sshUserIsRoot: boolean): string {
  const body = `sh -c ${sh(command.script)}`;
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
