// What is installed: current and previous release, their manifest, unit and secrets fingerprints, service state.
import { LAYOUT } from '../layout.ts';
import type { Installed } from '../plan.ts';
import type { RemoteCommand } from './remote.ts';

/** `httpPort`: also report who listens on the agent's port, when the agent itself is not running. */
export function inspectCommand(httpPort?: number): RemoteCommand {
  return {
    step: 'inspect',
    root: true,
    what: 'reading what is installed (releases, unit, service state)',
    script: [
      `cur=$(basename "$(readlink ${LAYOUT.current} 2>/dev/null)" 2>/dev/null)`,
      'echo "current=$cur"',
      `[ -n "$cur" ] && [ -d "${LAYOUT.releases}/$cur" ] && echo current_exists=1`,
      `[ -n "$cur" ] && echo "current_version=$(grep -o '"version": *"[^"]*"' "${LAYOUT.releases}/$cur/package.json" 2>/dev/null | head -1 | sed 's/.*"\\([^"]*\\)"$/\\1/')"`,
      `echo "previous=$(basename "$(readlink ${LAYOUT.previous} 2>/dev/null)" 2>/dev/null)"`,
      `echo "releases=$(ls -1t ${LAYOUT.releases} 2>/dev/null | grep -v '^\\.' | tr '\\n' ' ')"`,
      // Both unit files in one hash, as deploy computes it: the socket is part of how the agent runs.
      `[ -f ${LAYOUT.unitPath} ] && echo "unit_sha=$(cat ${LAYOUT.unitPath} ${LAYOUT.socketPath} 2>/dev/null | sha256sum | cut -c1-64)"`,
      `[ -f ${LAYOUT.envFile} ] && echo "env_sha=$(sha256sum < ${LAYOUT.envFile} | cut -c1-64)"`,
      `[ -f ${LAYOUT.snapshotDir}/info ] && sed -n 's/^for=/snapshot_for=/p' ${LAYOUT.snapshotDir}/info`,
      `id -u ${LAYOUT.user} >/dev/null 2>&1 && echo user=1`,
      `echo "active=$(systemctl is-active ${LAYOUT.unitName} 2>/dev/null)"`,
      `echo "enabled=$(systemctl is-enabled ${LAYOUT.unitName} 2>/dev/null)"`,
      `[ -f ${LAYOUT.current}/${LAYOUT.manifest} ] && sed 's/^/manifest:/' ${LAYOUT.current}/${LAYOUT.manifest}`,
      // Who else holds the port (the socket unit, when MONO's, is not someone else).
      httpPort
        ? `systemctl is-active --quiet ${LAYOUT.unitName} ${LAYOUT.socketName} || echo "port_user=$(ss -Hltnp 'sport = :${Math.floor(httpPort)}' 2>/dev/null | head -1 | sed -n 's/.*users:(("\\([^"]*\\)".*/\\1/p;t;s/.*/unknown/p')"`
        : '',
      'true',
    ].join('\n'),
  };
}

export function toInstalled(stdout: string, facts: Record<string, string>): Omit<Installed, 'healthy'> {
  return {
    current: facts.current || undefined,
    currentExists: facts.current_exists === '1',
    currentVersion: facts.current_version || undefined,
    previous: facts.previous || undefined,
    releases: (facts.releases ?? '').split(' ').filter(Boolean),
    unitSha: facts.unit_sha || undefined,
    envSha: facts.env_sha || undefined,
    snapshotFor: facts.snapshot_for || undefined,
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
