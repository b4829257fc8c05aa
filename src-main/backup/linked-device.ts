// A WhatsApp linked device's keys on this computer (the local agent's <data dir>/whatsapp-auth) as the gzipped tar
// the VPS unpacks: they live beside the datastore, not in it, so a backup does not carry them. Never logged.
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createTar, type TarEntry } from '../provision/tar.ts';
import { LINKED_DEVICE_DIR } from './commands.ts';

/** The keys under `dataDir` as a .tar.gz of `whatsapp-auth/…`; undefined when there are none. */
export async function linkedDeviceArchive(dataDir: string): Promise<Buffer | undefined> {
  const entries: TarEntry[] = [];
  const walk = async (relative: string): Promise<void> => {
    const names = await readdir(join(dataDir, relative)).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw error;
    });
    for (const name of names.sort()) {
      const path = `${relative}/${name}`;
      const info = await lstat(join(dataDir, path));
      // Regular files and folders only: a link could point anywhere on this computer.
      if (info.isDirectory()) await walk(path);
      else if (info.isFile())
        entries.push({ name: path, data: await readFile(join(dataDir, path)), mode: 0o600 });
    }
  };
  await walk(LINKED_DEVICE_DIR);
  return entries.length > 0 ? gzipSync(createTar(entries)) : undefined;
}
