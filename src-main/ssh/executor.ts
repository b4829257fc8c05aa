// The one SSH executor (node-ssh): connects with MONO's pinned host keys, runs commands, tunnels HTTP.

import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { type Duplex, Readable } from 'node:stream';
import { NodeSSH } from 'node-ssh';
import type { Secret } from '../../agent-core/config/secret.ts';
import { HostKeyError, SshError } from '../provision/errors.ts';
import {
  defaultKnownHostsPath,
  type HostKey,
  hostKeyFromBlob,
  pinHostKey,
  readPinnedKeys,
} from './known-hosts.ts';

export interface ConnectOptions {
  host: string;
  port?: number;
  username?: string;
  /** Path of the private key (ed25519 recommended). Without it, ssh-agent ($SSH_AUTH_SOCK) is used. */
  identity?: string;
  passphrase?: Secret;
  knownHostsPath?: string;
  /** Pin an unknown host key without asking (the CLI's --accept-new-host-key). */
  acceptNewHostKey?: boolean;
  /** Asked when the host key is unknown and acceptNewHostKey is off; resolve true to pin it. */
  confirmHostKey?: (info: { host: string; port: number; key: HostKey }) => Promise<boolean>;
  readyTimeoutMs?: number;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  code: number | null;
  signal: string | null;
}

export interface ExecOptions {
  stdin?: string | Buffer | Readable;
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
  signal?: AbortSignal;
}

/** The part of an ssh2 exec channel `stream` uses (ssh2 ships no types here). */
interface StreamChannel {
  on(event: 'data', listener: (chunk: Buffer) => void): void;
  on(event: 'exit', listener: (code: number | null) => void): void;
  on(event: 'close', listener: () => void): void;
  stderr: { on(event: 'data', listener: (chunk: Buffer) => void): void };
  signal(name: string): void;
  close(): void;
  end(): void;
}

export interface HttpResult {
  status: number;
  body: string;
}

export class SshExecutor {
  private constructor(
    private readonly ssh: NodeSSH,
    readonly host: string,
    readonly port: number,
    readonly username: string,
    readonly hostKey: HostKey,
    /** True when the key was pinned by this connection (first use). */
    readonly newlyPinned: boolean,
  ) {}

  get isRoot(): boolean {
    return this.username === 'root';
  }

  static async connect(options: ConnectOptions): Promise<SshExecutor> {
    const port = options.port ?? 22;
    const username = options.username ?? 'root';
    const where = `${username}@${options.host}:${port}`;
    const knownHosts = options.knownHostsPath ?? defaultKnownHostsPath();
    const pinned = await readPinnedKeys(knownHosts, options.host, port);
    const privateKey = options.identity ? await readIdentity(options.identity, where) : undefined;

    // The first attempt only accepts a pinned key (or a new one when told to); an unknown key is asked about
    // between attempts, so a person reading the prompt never races ssh2's handshake timeout.
    let seen: HostKey | undefined;
    const attempt = async (accept: HostKey | undefined) => {
      const ssh = new NodeSSH();
      try {
        await ssh.connect({
          host: options.host,
          port,
          username,
          privateKey,
          passphrase: options.passphrase?.reveal(),
          agent: privateKey ? undefined : process.env.SSH_AUTH_SOCK,
          readyTimeout: options.readyTimeoutMs ?? 20_000,
          keepaliveInterval: 15_000,
          hostVerifier: (blob: Buffer) => {
            seen = hostKeyFromBlob(blob);
            if (pinned.length > 0) return pinned.some((k) => k.base64 === seen!.base64);
            return options.acceptNewHostKey === true || accept?.base64 === seen.base64;
          },
        } as Parameters<NodeSSH['connect']>[0]);
        return ssh;
      } catch (error) {
        ssh.dispose();
        throw error;
      }
    };

    try {
      let ssh: NodeSSH;
      let newlyPinned = false;
      try {
        ssh = await attempt(undefined);
        newlyPinned = pinned.length === 0;
      } catch (error) {
        if (!seen || pinned.length > 0 || !isHostDenied(error)) throw error;
        const key: HostKey = seen;
        const ok = options.confirmHostKey
          ? await options.confirmHostKey({ host: options.host, port, key })
          : false;
        if (!ok) {
          throw new HostKeyError(
            'unknown',
            key.fingerprint,
            undefined,
            `the host key of ${options.host}:${port} is not known yet (${key.type} ${key.fingerprint})`,
            'Check the fingerprint with your VPS provider (or run "ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub" on its console) and run again with --accept-new-host-key.',
            where,
          );
        }
        ssh = await attempt(key);
        newlyPinned = true;
      }
      if (newlyPinned) await pinHostKey(knownHosts, options.host, port, seen!);
      return new SshExecutor(ssh, options.host, port, username, seen!, newlyPinned);
    } catch (error) {
      if (error instanceof HostKeyError) throw error;
      if (pinned.length > 0 && seen && isHostDenied(error)) {
        throw new HostKeyError(
          'changed',
          seen.fingerprint,
          pinned[0]!.fingerprint,
          `the host key of ${options.host}:${port} changed: it is now ${seen.type} ${seen.fingerprint}, MONO pinned ${pinned[0]!.fingerprint}`,
          `Refusing to connect: someone may be intercepting the connection. If you rebuilt the VPS on purpose, remove its line from ${knownHosts} and deploy again.`,
          where,
        );
      }
      throw sshErrorFrom(error, where, options);
    }
  }

  /** Runs a command line as is (callers build it); resolves with its exit code, never throws on non-zero. */
  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    let channel: { close(): void; signal?(name: string): void } | undefined;
    const onAbort = () => {
      channel?.signal?.('TERM');
      channel?.close();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const stdin =
        options.stdin === undefined
          ? undefined
          : typeof options.stdin === 'string' || Buffer.isBuffer(options.stdin)
            ? bufferStream(options.stdin)
            : options.stdin;
      const result = await this.ssh.execCommand(command, {
        stdin,
        noTrim: true,
        onStdout: options.onStdout,
        onStderr: options.onStderr,
        onChannel: (c) => {
          channel = c;
        },
      });
      return result;
    } catch (error) {
      throw new SshError(
        'disconnected',
        `the SSH connection to ${this.host} failed: ${(error as Error).message}`,
        'Check the network and run the command again.',
        {
          cause: error,
        },
      );
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Runs a long-lived command (journalctl -f) and hands its output over as it comes, keeping none of it:
   * node-ssh's execCommand would hold everything in memory for as long as it runs.
   */
  stream(
    command: string,
    o: { onStdout: (chunk: Buffer) => void; onStderr?: (chunk: Buffer) => void; signal?: AbortSignal },
  ): Promise<{ code: number | null }> {
    const connection = this.ssh.connection;
    if (!connection) return Promise.reject(new Error('not connected'));
    return new Promise((resolve, reject) => {
      connection.exec(command, (error: Error | undefined, channel: StreamChannel) => {
        if (error) {
          reject(error);
          return;
        }
        let code: number | null = null;
        const stop = () => {
          channel.signal('TERM');
          channel.close();
        };
        if (o.signal?.aborted) stop();
        o.signal?.addEventListener('abort', stop, { once: true });
        channel.on('data', o.onStdout);
        channel.stderr.on('data', (c: Buffer) => o.onStderr?.(c));
        channel.on('exit', (c: number | null) => {
          code = c ?? null;
        });
        channel.on('close', () => {
          o.signal?.removeEventListener('abort', stop);
          resolve({ code });
        });
        channel.end();
      });
    });
  }

  /** An HTTP GET to a port on the VPS's own loopback, through the SSH connection (nothing opened outside). */
  async httpGet(port: number, path: string, timeoutMs = 2000, host = '127.0.0.1'): Promise<HttpResult> {
    const channel = await this.ssh.forwardOut('127.0.0.1', 0, host, port);
    return new Promise<HttpResult>((resolve, reject) => {
      // An ssh2 channel is not a net.Socket (no setTimeout): time the request out ourselves.
      const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      const req = request(
        {
          host,
          port,
          path,
          method: 'GET',
          createConnection: () => channel as never,
          headers: { connection: 'close' },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            clearTimeout(timer);
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
          });
          res.on('error', reject);
        },
      );
      req.on('error', (e) => {
        clearTimeout(timer);
        channel.destroy();
        reject(e);
      });
      req.end();
    });
  }

  /** A stream to a unix socket on the VPS (an OpenSSH streamlocal forward), opened as the SSH user. */
  async openUnixSocket(path: string): Promise<Duplex> {
    return (await this.ssh.forwardOutStreamLocal(path)) as unknown as Duplex;
  }

  close(): void {
    this.ssh.dispose();
  }
}

function bufferStream(data: string | Buffer): Readable {
  // node-ssh pipes a Readable into the channel and ends it; a one-chunk stream keeps binary data intact.
  return Readable.from([Buffer.isBuffer(data) ? data : Buffer.from(data)]);
}

/**
 * A buffer as a stream of 256 kB chunks that reports how much the SSH channel has taken so far (the pipe
 * pulls a chunk only when the previous one was accepted, so this follows the real upload).
 */
export function progressStream(data: Buffer, onProgress: (sent: number, total: number) => void): Readable {
  const chunk = 256 * 1024;
  let offset = 0;
  return new Readable({
    read() {
      if (offset >= data.length) {
        this.push(null);
        return;
      }
      const end = Math.min(offset + chunk, data.length);
      this.push(data.subarray(offset, end));
      offset = end;
      onProgress(offset, data.length);
    },
  });
}

async function readIdentity(path: string, where: string): Promise<string> {
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

function isHostDenied(error: unknown): boolean {
  return /host denied|verification failed/i.test((error as Error)?.message ?? '');
}

function sshErrorFrom(error: unknown, where: string, options: ConnectOptions): SshError {
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
