// The one SSH executor (node-ssh): connects with MONO's pinned host keys, runs commands, tunnels HTTP.

import { request } from 'node:http';
import { type Duplex, Readable, Transform } from 'node:stream';
import { NodeSSH } from 'node-ssh';
import type { Secret } from '../../agent-core/config/secret.ts';
import { ProvisionError, SshError } from '../provision/errors.ts';
import { decideHostKey, type HostKeyDecision, hostKeyError } from './host-keys.ts';
import {
  defaultKnownHostsPath,
  type HostKey,
  hostKeyFromBlob,
  pinHostKey,
  readPinnedKeys,
} from './known-hosts.ts';
import { isHostDenied, readIdentity, sshErrorFrom } from './ssh-errors.ts';

export interface ConnectOptions {
  host: string;
  port?: number;
  username?: string;
  /** Path of the private key (ed25519 recommended). Without it, ssh-agent ($SSH_AUTH_SOCK) is used. */
  identity?: string;
  passphrase?: Secret;
  knownHostsPath?: string;
  /**
   * The fingerprint the host key must have (SHA256:…): the CLI's --host-key, or what the owner confirmed in the
   * wizard. An unknown key that matches is pinned; any other key is refused.
   */
  hostKey?: string;
  /** Pin an unknown host key without asking (the CLI's --accept-new-host-key). */
  acceptNewHostKey?: boolean;
  /** Asked when the host key is unknown and nothing else decides; resolve true to pin it. */
  confirmHostKey?: (info: { host: string; port: number; key: HostKey }) => Promise<boolean>;
  readyTimeoutMs?: number;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  code: number | null;
  signal: string | null;
  /** The command was stopped because it ran past `timeoutMs`. */
  timedOut?: boolean;
}

export interface ExecOptions {
  stdin?: string | Buffer | Readable;
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
  signal?: AbortSignal;
  /** Stop the command (close its channel) after this long; the result then says `timedOut`. */
  timeoutMs?: number;
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

/** A host's key as seen on the wire, and how it compares with what MONO pinned. Nothing is pinned by looking. */
export interface HostKeyInfo {
  host: string;
  port: number;
  key: HostKey;
  /** new: nothing pinned for this host yet; pinned: the key MONO pinned; changed: differs from the pinned key. */
  status: 'new' | 'pinned' | 'changed';
  pinnedFingerprint?: string;
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

  /**
   * Reads the key a host presents, without logging in and without pinning anything: what the wizard shows the
   * owner before they decide to trust it.
   */
  static async fetchHostKey(options: {
    host: string;
    port?: number;
    knownHostsPath?: string;
    readyTimeoutMs?: number;
  }): Promise<HostKeyInfo> {
    const port = options.port ?? 22;
    const pinned = await readPinnedKeys(
      options.knownHostsPath ?? defaultKnownHostsPath(),
      options.host,
      port,
    );
    let seen: HostKey | undefined;
    const ssh = new NodeSSH();
    try {
      await ssh.connect({
        host: options.host,
        port,
        username: 'root',
        readyTimeout: options.readyTimeoutMs ?? 20_000,
        hostVerifier: (blob: Buffer) => {
          seen = hostKeyFromBlob(blob);
          return false; // Never log in: the key is all this connection is for.
        },
      } as Parameters<NodeSSH['connect']>[0]);
    } catch (error) {
      if (!seen) throw sshErrorFrom(error, `${options.host}:${port}`, options);
    } finally {
      ssh.dispose();
    }
    if (!seen) throw new SshError('disconnected', `${options.host}:${port} presented no host key`, '');
    const key: HostKey = seen;
    const status =
      pinned.length === 0 ? 'new' : pinned.some((k) => k.base64 === key.base64) ? 'pinned' : 'changed';
    return {
      host: options.host,
      port,
      key,
      status,
      ...(pinned[0] && { pinnedFingerprint: pinned[0].fingerprint }),
    };
  }

  static async connect(options: ConnectOptions): Promise<SshExecutor> {
    const port = options.port ?? 22;
    const username = options.username ?? 'root';
    const where = `${username}@${options.host}:${port}`;
    const knownHostsPath = options.knownHostsPath ?? defaultKnownHostsPath();
    const pinned = await readPinnedKeys(knownHostsPath, options.host, port);
    const privateKey = options.identity ? await readIdentity(options.identity, where) : undefined;

    // The first attempt decides without asking; an unknown key is asked about between attempts, so a person
    // reading the prompt never races ssh2's handshake timeout. The second attempt accepts only the key shown.
    let seen: HostKey | undefined;
    let decision: HostKeyDecision | undefined;
    const attempt = async (confirmed: HostKey | undefined) => {
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
            decision = decideHostKey(seen, {
              pinned,
              expected: options.hostKey,
              acceptNew: options.acceptNewHostKey,
              confirmed,
            });
            return decision.accept;
          },
        } as Parameters<NodeSSH['connect']>[0]);
        return ssh;
      } catch (error) {
        ssh.dispose();
        throw error;
      }
    };
    const refusal = () => {
      const d = decision as Extract<HostKeyDecision, { accept: false }>;
      return hostKeyError(d.reason, {
        host: options.host,
        port,
        presented: seen!,
        pinnedFingerprint: pinned[0]?.fingerprint,
        expected: options.hostKey,
        where,
        knownHostsPath,
      });
    };

    try {
      let ssh: NodeSSH;
      try {
        ssh = await attempt(undefined);
      } catch (error) {
        const unknown = decision?.accept === false && decision.reason === 'unknown';
        if (!unknown || !seen || !isHostDenied(error) || !options.confirmHostKey) throw error;
        const key: HostKey = seen;
        if (!(await options.confirmHostKey({ host: options.host, port, key }))) throw refusal();
        ssh = await attempt(key);
      }
      const newlyPinned = decision?.accept === true && decision.pin;
      if (newlyPinned) await pinHostKey(knownHostsPath, options.host, port, seen!);
      return new SshExecutor(ssh, options.host, port, username, seen!, newlyPinned);
    } catch (error) {
      if (error instanceof ProvisionError) throw error;
      if (seen && decision?.accept === false && isHostDenied(error)) throw refusal();
      throw sshErrorFrom(error, where, options);
    }
  }

  /**
   * Runs a command line as is (callers build it); resolves with its exit code, never throws on non-zero. With
   * `timeoutMs`, a command still running then is stopped (TERM, and its channel closed) and `timedOut` is set.
   */
  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    let channel: { close(): void; signal?(name: string): void } | undefined;
    const stop = () => {
      channel?.signal?.('TERM');
      channel?.close();
    };
    options.signal?.addEventListener('abort', stop, { once: true });
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    try {
      const stdin =
        options.stdin === undefined
          ? undefined
          : typeof options.stdin === 'string' || Buffer.isBuffer(options.stdin)
            ? bufferStream(options.stdin)
            : options.stdin;
      const running = this.ssh.execCommand(command, {
        stdin,
        noTrim: true,
        onStdout: options.onStdout,
        onStderr: options.onStderr,
        onChannel: (c) => {
          channel = c;
        },
      });
      if (options.timeoutMs === undefined) return await running;
      // A dead connection may never close the channel: the deadline settles the call whatever the channel does.
      const deadline = new Promise<ExecResult>((resolve) => {
        timer = setTimeout(() => {
          timedOut = true;
          stop();
          setTimeout(() => resolve({ stdout: '', stderr: '', code: null, signal: 'TERM' }), 2000).unref();
        }, options.timeoutMs);
      });
      const result = await Promise.race([running, deadline]);
      return timedOut ? { ...result, code: null, timedOut: true } : result;
    } catch (error) {
      if (timedOut) return { stdout: '', stderr: '', code: null, signal: 'TERM', timedOut: true };
      throw new SshError(
        'disconnected',
        `the SSH connection to ${this.host} failed: ${(error as Error).message}`,
        'Check the network and run the command again.',
        {
          cause: error,
        },
      );
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', stop);
    }
  }

  /**
   * Runs a command whose output may be long or binary (a backup file, journalctl -f) and hands it over as it comes,
   * keeping none of it: node-ssh's execCommand would hold everything in memory for as long as it runs. With
   * `timeoutMs` (the whole run) or `stallMs` (the longest wait between two chunks of output on either stream) the
   * command is stopped (TERM, and its channel closed) when it passes one, and `timedOut` says which; the call
   * settles even when a dead connection never closes the channel. Without either it runs until the signal aborts.
   */
  stream(
    command: string,
    o: {
      onStdout: (chunk: Buffer) => void;
      onStderr?: (chunk: Buffer) => void;
      signal?: AbortSignal;
      timeoutMs?: number;
      stallMs?: number;
    },
  ): Promise<{ code: number | null; timedOut?: 'limit' | 'stall' }> {
    const connection = this.ssh.connection;
    if (!connection) return Promise.reject(new Error('not connected'));
    return new Promise((resolve, reject) => {
      connection.exec(command, (error: Error | undefined, channel: StreamChannel) => {
        if (error) {
          reject(error);
          return;
        }
        let code: number | null = null;
        let timedOut: 'limit' | 'stall' | undefined;
        let limit: NodeJS.Timeout | undefined;
        let stall: NodeJS.Timeout | undefined;
        let settled = false;
        const settle = () => {
          if (settled) return;
          settled = true;
          clearTimeout(limit);
          clearTimeout(stall);
          o.signal?.removeEventListener('abort', stop);
          resolve(timedOut ? { code: null, timedOut } : { code });
        };
        const stop = () => {
          channel.signal('TERM');
          channel.close();
        };
        const giveUp = (why: 'limit' | 'stall') => {
          if (settled || timedOut) return;
          timedOut = why;
          stop();
          setTimeout(settle, 2000).unref();
        };
        const alive = () => {
          if (o.stallMs === undefined || timedOut) return;
          clearTimeout(stall);
          stall = setTimeout(() => giveUp('stall'), o.stallMs);
        };
        if (o.timeoutMs !== undefined) limit = setTimeout(() => giveUp('limit'), o.timeoutMs);
        alive();
        if (o.signal?.aborted) stop();
        o.signal?.addEventListener('abort', stop, { once: true });
        channel.on('data', (c: Buffer) => {
          alive();
          o.onStdout(c);
        });
        channel.stderr.on('data', (c: Buffer) => {
          alive();
          o.onStderr?.(c);
        });
        channel.on('exit', (c: number | null) => {
          code = c ?? null;
        });
        channel.on('close', settle);
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
 * Passes a stream through, reporting how much the SSH channel has taken so far (the pipe pulls only as fast as
 * the channel accepts, so this follows the real upload).
 */
export function progressStream(
  source: Readable,
  total: number,
  onProgress: (sent: number, total: number) => void,
): Readable {
  let sent = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      sent += chunk.length;
      onProgress(sent, total);
      done(null, chunk);
    },
  });
  source.on('error', (error) => counter.destroy(error));
  return source.pipe(counter);
}
