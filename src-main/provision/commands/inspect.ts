// What is installed: current and previous release, their manifest, unit and secrets fingerprints, service state.
import { LAYOUT } from '../layout.ts';
import type { RemoteCommand } from './remote.ts';

/** `httpPort`: also report who listens on the agent's port, when the agent itself is not running. */
export function inspectCommand(httpPort?: number): RemoteCommand {
  const L = LAYOUT;
  return {
    step: 'inspect',
    root: true,
    what: 'reading what is installed (releases, unit, service state)',
    script: [
      `echo "current=$(basename "$(readlink ${L.current} 2>/dev/null)" 2>/dev/null)"`,
      `echo "previous=$(basename "$(readlink ${L.previous} 2>/dev/null)" 2>/dev/null)"`,
      `echo "releases=$(ls -1t ${L.releases} 2>/dev/null | grep -v '^\\.' | tr '\\n' ' ')"`,
      `[ -f ${L.unitPath} ] && echo "unit_sha=$(sha256sum < ${L.unitPath} | cut -c1-64)"`,
      `[ -f ${L.envFile} ] && echo "env_sha=$(sha256sum < ${L.envFile} | cut -c1-64)"`,
      `id -u ${L.user} >/dev/null 2>&1 && echo user=1`,
      `echo "active=$(systemctl is-active ${L.unitName} 2>/dev/null)"`,
      `echo "enabled=$(systemctl is-enabled ${L.unitName} 2>/dev/null)"`,
      `[ -f ${L.current}/${L.manifest} ] && sed 's/^/manifest:/' ${L.current}/${L.manifest}`,
      httpPort
        ? `systemctl is-active --quiet ${L.unitName} || echo "port_user=$(ss -Hltnp 'sport = :${Math.floor(httpPort)}' 2>/dev/null | head -1 | sed -n 's/.*users:(("\\([^"]*\\)".*/\\1/p;t;s/.*/unknown/p')"`
        : '',
      'true',
    ].join('\n'),
  };
}

export interface Installed {
  current: string | undefined;
  previous: string | undefined;
  releases: string[];
  unitSha: string | undefined;
  envSha: string | undefined;
  userExists: boolean;
  active: string;
  enabled: string;
  /** The current release's manifest (sha256sum format), or empty. */
  manifest: string;
  /** Another program listening on the agent's port while the agent is not running (its name). */
  portTakenBy: string | undefined;
}

export function toInstalled(stdout: string, facts: Record<string, string>): Installed {
  return {
    current: facts.current || undefined,
    previous: facts.previous || undefined,
    releases: (facts.releases ?? '').split(' ').filter(Boolean),
    unitSha: facts.unit_sha || undefined,
    envSha: facts.env_sha || undefined,
    userExists: facts.user === '1',
    active: facts.active ?? 'unknown',
    enabled: facts.enabled ?? 'unknown',
    portTakenBy: facts.port_user || undefined,
    manifest: stdout
      .split('\n')
      .filter((l) => l.startsWith('manifest:'))
      .map((l) => `${l.slice('manifest:'.length)}\n`)
      .join(''),
  };
}
