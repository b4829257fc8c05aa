// Flushes a directory tree to the disk before it is swapped in: a restore must not be able to end, by power loss,
// with a renamed but half-written datastore.
import { closeSync, fsyncSync, openSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export function syncTree(dir: string, o: { shallow?: boolean } = {}): void {
  if (!o.shallow) {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) syncTree(path);
      else if (entry.isFile()) syncPath(path);
    }
  }
  syncPath(dir);
}

function syncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
