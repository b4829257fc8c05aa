// `mono fleet deploy HOSTS_FILE --parallel N --canary K`: one release to many VPSes, canaries first and baked.
import { readFile } from 'node:fs/promises';
import { FLEET_BAKE_MS, type FleetResult, fleetDeploy } from '../../provision/fleet.ts';
import { parseHostsFile } from '../../provision/host-spec.ts';
import { runCommand, withInterrupt } from '../../provision/terminal/command.ts';
import { expandHome, targetFrom, UsageError } from '../../provision/terminal/options.ts';
import { formatMs } from '../../provision/terminal/render.ts';
import { DEPLOY_HELP, DEPLOY_OPTIONS, deployOptionsFrom } from './deploy.ts';

export async function run(argv: string[]): Promise<number> {
  return runCommand(
    'fleet',
    argv,
    {
      usage: 'fleet deploy HOSTS_FILE [--parallel N] [--canary K] [--bake SECONDS] [--max-failures F]',
      options: {
        ...DEPLOY_OPTIONS,
        parallel: { type: 'string', short: 'p' },
        canary: { type: 'string' },
        'max-failures': { type: 'string' },
        'node-via': { type: 'string' },
        'node-mirror-ca': { type: 'string' },
      },
      help: `Deploys to every host in HOSTS_FILE (one [user@]host[:port] per line, # comments). The first K hosts are
canaries: each must become healthy and stay so through the bake; if one fails it goes back to its previous
release and no other host is touched. Then N hosts at a time, each with its own gate and bake; once more than
F of them failed, no further host is started. The summary says which host runs which release.
  -p, --parallel N           hosts deployed at once (default 4)
  --canary K                 canary hosts (default 1)
  --max-failures F           hosts after the canaries that may fail before the rollout stops (default 0)
  --node-via controller|hosts  controller (default): Node is downloaded once here and uploaded to hosts that
                             need it; hosts: each downloads it from --node-mirror (hash checked either way)
  --node-mirror-ca FILE      the certificate authority of a private https Node mirror (PEM)
${DEPLOY_HELP.replace('(default 10; 60 for each host of a fleet)', `(default ${FLEET_BAKE_MS / 1000} for each host of a fleet)`)}`,
      multiHost: true,
    },
    async ({ values, positionals, output, interactive }) => {
      if (positionals[0] !== 'deploy' || positionals.length !== 2)
        throw new UsageError('expected: fleet deploy HOSTS_FILE');
      const whole = (name: string, fallback: number, min: number) => {
        const n = values[name] === undefined ? fallback : Number(values[name]);
        if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} takes a whole number ≥ ${min}`);
        return n;
      };
      const parallel = whole('parallel', 4, 1);
      const canary = whole('canary', 1, 0);
      const maxFailures = whole('max-failures', 0, 0);
      const nodeVia = values['node-via'] ?? 'controller';
      if (nodeVia !== 'controller' && nodeVia !== 'hosts')
        throw new UsageError('--node-via takes controller or hosts');
      const readText = async (path: string, what: string) => {
        try {
          return await readFile(expandHome(path), 'utf8');
        } catch (error) {
          throw new UsageError(
            `cannot read ${what ? `${what} ` : ''}${path} (${(error as NodeJS.ErrnoException).code})`,
          );
        }
      };
      const text = await readText(positionals[1]!, '');
      const hosts = parseHostsFile(text);
      if (hosts.length === 0) throw new UsageError(`${positionals[1]} lists no hosts`);
      const ca =
        typeof values['node-mirror-ca'] === 'string'
          ? await readText(values['node-mirror-ca'], 'the CA file')
          : undefined;
      const r = await withInterrupt((signal) =>
        fleetDeploy({
          signal,
          targets: hosts.map((h) =>
            targetFrom(`${h.username}@${h.host}:${h.port}`, values, interactive && parallel === 1),
          ),
          parallel,
          canary,
          maxFailures,
          nodeVia,
          ...(ca && { nodeMirrorCa: ca }),
          ...deployOptionsFrom(values),
          onProgress: output.listener,
        }),
      );
      output.result({ ...r, ok: r.ok }, summary(r));
      return r.ok ? 0 : 1;
    },
  );
}

/** One line per host (what it runs now), why the rollout stopped if it did, and the releases across the fleet. */
export function summary(r: FleetResult): string {
  const lines = r.outcomes.map((o) => {
    const who = `${o.host}${o.canary ? ' (canary)' : ''}`;
    if (o.status === 'failed') {
      const runs =
        o.running === 'unchanged'
          ? 'still runs what it ran before'
          : o.running === 'nothing'
            ? 'runs nothing (first install)'
            : o.running === 'unknown'
              ? 'state unknown: check "mono status"'
              : `runs ${o.running} again`;
      return `✗ ${who}  failed at ${o.error.step}: ${o.error.reason.split('\n')[0]}\n    → ${runs}. ${o.error.hint}`;
    }
    if (o.status === 'skipped') return `– ${who}  not touched (${o.reason})`;
    return `✓ ${who}  ${o.status === 'deployed' ? `runs ${o.release} (deployed)` : `already ran ${o.release}`}`;
  });
  const count = (s: string) => r.outcomes.filter((o) => o.status === s).length;
  if (r.haltedByCanary) lines.push('Rollout stopped: a canary failed, so no other host was touched.');
  else if (r.haltedByBudget) lines.push('Rollout stopped: more hosts failed than --max-failures allows.');
  lines.push(
    `Releases now: ${[
      ...Object.entries(r.releases).map(
        ([release, hosts]) => `${release} on ${hosts.length} host${hosts.length === 1 ? '' : 's'}`,
      ),
      ...(r.untouched.length ? [`${r.untouched.length} not touched`] : []),
    ].join('; ')}.`,
    `${count('deployed')} deployed, ${count('unchanged')} unchanged, ${count('failed')} failed, ${count('skipped')} not touched, in ${formatMs(r.durationMs)} (this machine: ${r.controller.maxRssMb} MB peak, ${r.controller.cpuS} s CPU${r.nodeDownloads ? `, Node downloaded ${r.nodeDownloads}×` : ''}).`,
  );
  return lines.join('\n');
}
