// `mono status HOST`: version, uptime, health, memory and channels of the agent on a VPS.
import { status } from '../../provision/status.ts';
import { requireOne, runCommand } from '../../provision/terminal/command.ts';
import { targetFrom } from '../../provision/terminal/options.ts';
import { formatBytes } from '../../provision/terminal/render.ts';

export async function run(argv: string[]): Promise<number> {
  return runCommand(
    'status',
    argv,
    {
      usage: 'status [user@]host[:port]',
      options: {},
      help: 'Shows what runs on the VPS and whether it is healthy.',
    },
    async ({ values, positionals, output, interactive }) => {
      const r = await status({
        target: targetFrom(requireOne(positionals, 'host'), values, interactive),
        onProgress: () => {},
      });
      const text = r.installed
        ? [
            `host      ${r.host}`,
            `version   ${r.version ?? 'unknown'}${r.release && r.release !== r.version ? ` (release ${r.release})` : ''}`,
            `service   ${r.service}${r.restarts ? `, ${r.restarts} automatic restarts` : ''}`,
            `health    ${r.healthy ? `ok (db ${r.health?.db ?? '?'})` : `NOT healthy: ${r.healthProblem}`}`,
            `uptime    ${r.uptimeS !== undefined ? formatUptime(r.uptimeS) : 'n/a'}`,
            `memory    ${formatBytes(r.memoryBytes)} resident${r.cgroupMemoryBytes ? ` (${formatBytes(r.cgroupMemoryBytes)} with cache)` : ''}`,
            `channels  ${
              r.channels
                ? Object.entries(r.channels)
                    .map(([k, v]) => `${k}: ${v}`)
                    .join(', ')
                : 'n/a'
            }`,
          ].join('\n')
        : `MONO is not installed on ${r.host}. Run "mono deploy ${r.host}".`;
      output.result({ ...r }, text);
      return r.installed && r.healthy ? 0 : 1;
    },
  );
}

function formatUptime(s: number): string {
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  return d ? `${d}d ${h}h ${m}m` : h ? `${h}h ${m}m` : `${m}m ${Math.floor(s % 60)}s`;
}
