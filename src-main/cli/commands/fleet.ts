// `mono fleet deploy HOSTS_FILE --parallel N --canary K`: one release to many VPSes, canaries first.
import { readFile } from 'node:fs/promises';
import { fleetDeploy } from '../../provision/fleet.ts';
import { parseHostsFile } from '../../provision/host-spec.ts';
import { runCommand, withInterrupt } from '../../provision/terminal/command.ts';
import { targetFrom, UsageError } from '../../provision/terminal/options.ts';
import { formatMs } from '../../provision/terminal/render.ts';
import { DEPLOY_HELP, DEPLOY_OPTIONS, deployOptionsFrom } from './deploy.ts';

export async function run(argv: string[]): Promise<number> {
  return runCommand(
    'fleet',
    argv,
    {
      usage: 'fleet deploy HOSTS_FILE [--parallel N] [--canary K]',
      options: { ...DEPLOY_OPTIONS, parallel: { type: 'string', short: 'p' }, canary: { type: 'string' } },
      help: `Deploys to every host in HOSTS_FILE (one [user@]host[:port] per line, # comments). The first K hosts are
canaries: if one fails, the others are not touched. Then N hosts at a time.
  -p, --parallel N           hosts deployed at once (default 4)
  --canary K                 canary hosts (default 1)
${DEPLOY_HELP}`,
      multiHost: true,
    },
    async ({ values, positionals, output, interactive }) => {
      if (positionals[0] !== 'deploy' || positionals.length !== 2)
        throw new UsageError('expected: fleet deploy HOSTS_FILE');
      const parallel = values.parallel === undefined ? 4 : Number(values.parallel);
      const canary = values.canary === undefined ? 1 : Number(values.canary);
      if (!Number.isInteger(parallel) || parallel < 1)
        throw new UsageError('--parallel takes a whole number ≥ 1');
      if (!Number.isInteger(canary) || canary < 0) throw new UsageError('--canary takes a whole number ≥ 0');
      let text: string;
      try {
        text = await readFile(positionals[1]!, 'utf8');
      } catch (error) {
        throw new UsageError(`cannot read ${positionals[1]} (${(error as NodeJS.ErrnoException).code})`);
      }
      const hosts = parseHostsFile(text);
      if (hosts.length === 0) throw new UsageError(`${positionals[1]} lists no hosts`);
      const r = await withInterrupt((signal) =>
        fleetDeploy({
          signal,
          targets: hosts.map((h) =>
            targetFrom(`${h.username}@${h.host}:${h.port}`, values, interactive && parallel === 1),
          ),
          parallel,
          canary,
          ...deployOptionsFrom(values),
          onProgress: output.listener,
        }),
      );
      const lines = r.outcomes.map((o) =>
        o.status === 'failed'
          ? `✗ ${o.host}  failed at ${o.error.step}: ${o.error.reason}\n    → ${o.error.hint}`
          : o.status === 'skipped'
            ? `– ${o.host}  not touched (${o.reason})`
            : `✓ ${o.host}  ${o.status === 'deployed' ? `deployed ${o.result.version}` : `already at ${o.result.version}`}`,
      );
      const count = (s: string) => r.outcomes.filter((o) => o.status === s).length;
      lines.push(
        `${r.haltedByCanary ? 'Rollout stopped: a canary failed. ' : ''}${count('deployed')} deployed, ${count('unchanged')} unchanged, ${count('failed')} failed, ${count('skipped')} not touched, in ${formatMs(r.durationMs)}.`,
      );
      if (r.ok) output.result({ ...r }, lines.join('\n'));
      else {
        output.result({ ...r, ok: false }, lines.join('\n'));
      }
      return r.ok ? 0 : 1;
    },
  );
}
