// The desktop's way to the agent's database: a local port that forwards each connection through SSH to the
// db hub's unix socket on the VPS (nothing is opened to the internet; the socket is root's and the agent's only).

import type { AddressInfo } from 'node:net';
import { createServer, type Socket } from 'node:net';
import { errorMessage } from '../../agent-core/util/error-message.ts';
import { SshExecutor } from '../ssh/executor.ts';
import { type Target, targetName } from './connect.ts';
import { ProvisionError } from './errors.ts';
import { LAYOUT } from './layout.ts';

export interface HubTunnel {
  /** The hub's RPC endpoint through the tunnel, for the SurrealDB SDK (ws engine). */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Opens the tunnel (one SSH connection, one local port on 127.0.0.1); `onError` hears about broken forwards. */
export async function openHubTunnel(options: {
  target: Target;
  socketPath?: string;
  onError?: (error: Error) => void;
}): Promise<HubTunnel> {
  const ssh = await SshExecutor.connect(options.target);
  const path = options.socketPath ?? LAYOUT.hubSocket;
  // Checked once up front so a wrong user fails with a reason instead of every connection failing silently.
  try {
    (await ssh.openUnixSocket(path)).destroy();
  } catch (error) {
    ssh.close();
    throw new ProvisionError(
      'tunnel',
      `cannot open the db hub socket ${path} as ${ssh.username} (${errorMessage(error)})`,
      ssh.isRoot
        ? 'Is the agent running? Check "mono status".'
        : 'Only root and the agent may open the hub socket: connect as root for the database tunnel.',
      { host: targetName(options.target) },
    );
  }
  const sockets = new Set<Socket>();
  const server = createServer((local) => {
    sockets.add(local);
    local.once('close', () => sockets.delete(local));
    ssh.openUnixSocket(path).then(
      (remote) => {
        local.pipe(remote).pipe(local);
        remote.on('error', () => local.destroy());
        local.on('error', () => remote.destroy());
        local.once('close', () => remote.destroy());
      },
      (error: Error) => {
        options.onError?.(error);
        local.destroy();
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `ws://127.0.0.1:${port}/rpc`,
    port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
      ssh.close();
    },
  };
}
