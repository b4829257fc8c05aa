// The bridge's address per installation: the port is kept in the desktop's folder (bridge.json) and the key in
// the vault, so an open tab or a bookmark finds MONO again at the same address after a restart.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const BRIDGE_KEY_NAME = 'bridge_key';

export function readBridgePort(dataDir: string): number | undefined {
  const file = join(dataDir, 'bridge.json');
  if (!existsSync(file)) return undefined;
  try {
    const port = (JSON.parse(readFileSync(file, 'utf8')) as { port?: unknown }).port;
    return typeof port === 'number' && Number.isInteger(port) && port > 0 && port < 65536 ? port : undefined;
  } catch {
    return undefined;
  }
}

export function saveBridgePort(dataDir: string, port: number): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, 'bridge.json');
  writeFileSync(`${file}.tmp`, `${JSON.stringify({ port })}\n`, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}
