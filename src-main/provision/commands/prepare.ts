// The agent's system user and MONO's directories (idempotent: safe on every deploy).
import { LAYOUT } from '../layout.ts';
import { script } from '../shell.ts';
import { journaldLimitsLines } from './fault-settings.ts';
import type { RemoteCommand } from './remote.ts';

export function prepareCommand(): RemoteCommand {
  const L = LAYOUT;
  return {
    step: 'prepare',
    root: true,
    what: `creating the ${L.user} user and MONO's directories`,
    script: script(
      `getent group ${L.user} >/dev/null || groupadd --system ${L.user}`,
      `id -u ${L.user} >/dev/null 2>&1 || useradd --system --gid ${L.user} --home-dir ${L.dataDir} --no-create-home --shell /usr/sbin/nologin --comment 'MONO agent' ${L.user}`,
      `install -d -m 0755 -o root -g root ${L.root} ${L.releases}`,
      // The data and the secrets are the agent's and root's alone.
      `install -d -m 0700 -o ${L.user} -g ${L.user} ${L.dataDir}`,
      `install -d -m 0700 -o root -g root ${L.configDir}`,
      ...journaldLimitsLines(),
    ),
  };
}
