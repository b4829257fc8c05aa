// Temporary directories for datastore tests. The engine finishes shutting down on its own threads after close()
// (it still renames its WAL and manifest for a moment), so removal retries until the directory holds still.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function makeTempDir(prefix = 'mono-db-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function removeTempDir(dir: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      rmSync(dir, { recursive: true, force: true });
      return;
    } catch (error) {
      if (attempt >= 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
