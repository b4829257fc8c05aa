// What a failed SSH connection means for the user: unreachable, refused, wrong key, unreadable key.
import { readFile } from 'node:fs/promises';
import { SshError } from '../provision/errors.ts';

export async function readIdentity(path: string, where: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new SshError(
      'key',
      `cannot read the SSH key ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`,
      'Pass --identity with the path of your private key (for example ~/.ssh/id_ed25519).',
      { cause: error, host: where },
    );
  }
}

export function isHostDenied(error: unknown): boolean {
  return /host denied|verification failed/i.test((error as Error)?.message ?? '');
}

export function sshErrorFrom(
  error: unknown,
  where: string,
  options: { host: string; identity?: string; username?: string },
): SshError {
  const e = error as NodeJS.ErrnoException & { level?: string };
  const message = e?.message ?? String(error);
  const code = e?.code ?? '';
  if (code === 'ECONNREFUSED')
    return new SshError(
      'refused',
      `${where} refused the connection`,
      'Check the host and port, and that the VPS runs an SSH server (sshd) on that port.',
      { cause: error, host: where },
    );
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return new SshError(
      'unreachable',
      `the host name ${options.host} does not resolve`,
      'Check the spelling of the host, or use its IP address.',
      { cause: error, host: where },
    );
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'ETIMEDOUT' || /timed out/i.test(message))
    return new SshError(
      'unreachable',
      `${where} cannot be reached (${code || message})`,
      'Check that the VPS is running, the address is right, and no firewall blocks the SSH port.',
      { cause: error, host: where },
    );
  if (e?.level === 'client-authentication' || /authentication methods failed/i.test(message))
    return new SshError(
      'auth',
      `${where} did not accept the key ${options.identity ?? '(from ssh-agent)'}`,
      `Add the matching public key to ~${options.username ?? 'root'}/.ssh/authorized_keys on the VPS, or pass the right --identity.`,
      { cause: error, host: where },
    );
  if (/privateKey|passphrase|Unsupported key format|Cannot parse/i.test(message))
    return new SshError(
      'key',
      `the SSH key ${options.identity} cannot be used: ${message}`,
      'Use an unencrypted ed25519 key, or give its passphrase.',
      { cause: error, host: where },
    );
  return new SshError(
    'disconnected',
    `SSH to ${where} failed: ${message}`,
    'Check the host, the port and your key, then run the command again.',
    { cause: error, host: where },
  );
}
