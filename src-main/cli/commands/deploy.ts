// `mono deploy HOST`: install MONO on a fresh VPS or update it (see src-main/provision/deploy.ts).
import { fileURLToPath } from 'node:url';
import { DEFAULT_MEMORY_MAX_MB } from '../../provision/commands/unit-files.ts';
import { deploy } from '../../provision/deploy.ts';
import { requireOne, runCommand, withInterrupt } from '../../provision/terminal/command.ts';
import { expandHome, seconds, targetFrom, UsageError } from '../../provision/terminal/options.ts';
import { formatBytes, formatMs } from '../../provision/terminal/render.ts';

export const DEPLOY_OPTIONS = {
  'env-file': { type: 'string' },
  // Node 20 itself reads `--env-file` anywhere on its command line and stops when the file is missing.
  secrets: { type: 'string' },
  release: { type: 'string' },
  'node-mirror': { type: 'string' },
  'node-version': { type: 'string' },
  'node-sha256': { type: 'string' },
  'memory-max': { type: 'string' },
  'health-timeout': { type: 'string' },
  bake: { type: 'string' },
} as const;

export const DEPLOY_HELP = `Installs MONO on the VPS, or updates it to this build. Safe to run again.
  --env-file FILE            the agent's secrets (KEY=value lines), uploaded to /etc/mono/agent.env (0600);
                             --secrets FILE is the same (Node 20 also reads --env-file for itself)
  --release DIR              the agent build to deploy (default: agent-core/dist, made by "npm run build")
  --node-mirror URL          where the VPS downloads Node when it has none (https only; default
                             https://nodejs.org/dist)
  --node-version X.Y.Z       which Node to install then (MONO pins the checksum of its default version)
  --node-sha256 HASH         the tarball's SHA-256 for another version (from its signed SHASUMS256.txt)
  --memory-max MB            the agent's memory ceiling (default ${DEFAULT_MEMORY_MAX_MB}, sized for a 1 GB VPS)
  --health-timeout SECONDS   how long the new release may take to report healthy (default 30)
  --bake SECONDS             how long it must then stay healthy (same process, no restart, /healthz ok and
                             its channels up) before it counts; otherwise the previous release comes back
                             (default 10; 60 for each host of a fleet)`;

export function deployOptionsFrom(values: Record<string, unknown>) {
  return {
    releaseDir: typeof values.release === 'string' ? expandHome(values.release) : defaultReleaseDir(),
    envFile:
      typeof values['env-file'] === 'string'
        ? expandHome(values['env-file'])
        : typeof values.secrets === 'string'
          ? expandHome(values.secrets)
          : undefined,
    nodeMirror: values['node-mirror'] as string | undefined,
    nodeVersion: values['node-version'] as string | undefined,
    nodeSha256: typeof values['node-sha256'] === 'string' ? values['node-sha256'].toLowerCase() : undefined,
    memoryMaxMb: memoryMb(values['memory-max']),
    healthTimeoutMs: seconds(values['health-timeout'], 'health-timeout'),
    bakeMs: seconds(values.bake, 'bake'),
    lockTimeoutMs: seconds(values['lock-timeout'], 'lock-timeout'),
  };
}

function memoryMb(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const mb = Number(value);
  if (!Number.isInteger(mb) || mb < 128 || mb > 1_048_576)
    throw new UsageError('--memory-max takes a whole number of MB, at least 128');
  return mb;
}

export function defaultReleaseDir(): string {
  return fileURLToPath(new URL('../../../agent-core/dist/', import.meta.url));
}

export async function run(argv: string[]): Promise<number> {
  return runCommand(
    'deploy',
    argv,
    {
      usage: 'deploy [user@]host[:port] --identity KEY [--env-file FILE]',
      options: DEPLOY_OPTIONS,
      help: DEPLOY_HELP,
    },
    async ({ values, positionals, output, interactive }) => {
      const target = targetFrom(requireOne(positionals, 'host'), values, interactive);
      const r = await withInterrupt((signal) =>
        deploy({ target, ...deployOptionsFrom(values), onProgress: output.listener, signal }),
      );
      output.result(
        { ...r },
        r.changed
          ? `MONO ${r.release} is running on ${r.host}${r.previousRelease ? ` (was ${r.previousRelease})` : ''}; ${formatBytes(r.uploadedBytes)} sent in ${formatMs(r.durationMs)}${r.securityScore ? `; systemd-analyze security: ${r.securityScore}` : ''}.`
          : `${r.host} is already at ${r.release}, nothing to do.`,
      );
      return 0;
    },
  );
}
