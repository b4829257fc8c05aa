// "Where is my data": the local agent's folder, its size on disk, and opening it in the system's file manager.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Bytes under `dir` (files only, links not followed); stops counting after `maxEntries` so a huge tree stays cheap. */
export async function folderSize(dir: string, maxEntries = 100_000): Promise<number | undefined> {
  if (!existsSync(dir)) return undefined;
  let bytes = 0;
  let seen = 0;
  const pending = [dir];
  while (pending.length > 0 && seen < maxEntries) {
    const current = pending.pop() as string;
    const entries = await readdir(current, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      seen += 1;
      const path = join(current, entry.name);
      if (entry.isDirectory()) pending.push(path);
      else if (entry.isFile()) bytes += (await lstat(path).catch(() => ({ size: 0 }))).size;
    }
  }
  return bytes;
}

/** Opens a folder in the file manager: Electron's shell where there is one, else the platform's own opener. */
export function openFolder(dir: string, openPath?: (path: string) => Promise<string>): Promise<boolean> {
  if (openPath) return openPath(dir).then((error) => error === '');
  const command =
    process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  return new Promise((resolve) => {
    const child = spawn(command, [dir], { stdio: 'ignore', detached: true });
    child.once('error', () => resolve(false));
    child.once('spawn', () => {
      child.unref();
      resolve(true);
    });
  });
}
