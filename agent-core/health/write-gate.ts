// The last line of the disk guard, at the engine's door: while the disk is full, every request that may write
// waits until space comes back; reads, pings and session calls go through. Whatever part of the agent (or the
// desktop through the db hub) asks, no commit can fail for lack of space, and so the engine never aborts.
import type { CborCodec } from 'surrealdb';
import type { DiskGuard } from './disk-guard.ts';

/** RPC methods that change data (SurrealDB's protocol); `query` is judged by its text. */
const WRITE_METHODS = new Set([
  'create',
  'insert',
  'insert_relation',
  'update',
  'upsert',
  'merge',
  'patch',
  'delete',
  'relate',
  'run',
  'import',
  'commit',
  // A live query is stored by the engine.
  'live',
  'kill',
]);

/** A statement that can write, anywhere in a query's text (a false alarm only delays a read while full). */
const WRITE_STATEMENT =
  /\b(CREATE|INSERT|UPDATE|UPSERT|DELETE|RELATE|DEFINE|REMOVE|ALTER|REBUILD|ACCESS|LIVE|KILL)\b/i;

export function mayWrite(frame: { method?: unknown; params?: unknown }): boolean {
  const method = typeof frame.method === 'string' ? frame.method.toLowerCase() : '';
  if (WRITE_METHODS.has(method)) return true;
  if (method !== 'query') return false;
  const sql = Array.isArray(frame.params) ? frame.params[0] : undefined;
  return typeof sql !== 'string' || WRITE_STATEMENT.test(sql);
}

/** The gate for SharedEngine.gate(): decodes a request only while the disk is full (never on the normal path). */
export function diskWriteGate(
  disk: DiskGuard,
  codec: CborCodec,
): (request: Uint8Array) => Promise<void> | undefined {
  return (request) => {
    if (!disk.holding()) return undefined;
    let frame: { method?: unknown; params?: unknown };
    try {
      frame = codec.decode(request) as typeof frame;
    } catch {
      return undefined; // the engine answers a malformed request with its own error
    }
    return mayWrite(frame) ? disk.room() : undefined;
  };
}
