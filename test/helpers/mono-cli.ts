// Runs the `mono` command line (src-main/cli/bin.js) against an agent's data directory, as its owner would on the
// same machine: exit code and everything it printed.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MONO = fileURLToPath(new URL('../../src-main/cli/bin.js', import.meta.url));

export function mono(args: string[], dataDir: string): { code: number | null; out: string } {
  const result = spawnSync(process.execPath, [MONO, ...args, '--data-dir', dataDir], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: result.status, out: `${result.stdout}${result.stderr}` };
}
