// The agent's system user and MONO's directories (idempotent: safe on every deploy).
import { LAYOUT } from '../layout.ts';
import { script } from '../shell.ts';
import { journaldLimitsLines } from './fault-settings.ts';
import type { RemoteCommand } from './remote.ts';

export function prepareCommand(): RemoteCommand {
  return {
    step: 'prepare',
    root: true,
    what: `creating the ${LAYOUT.user} user and MONO's directories`,
    script: script(
      `getent group ${LAYOUT.user} >/dev/null || groupadd --system ${LAYOUT.user}`,
      `id -u ${LAYOUT.user} >/dev/null 2>&1 || useradd --system --gid ${LAYOUT.user} --home-dir ${LAYOUT.dataDir} --no-create-home --shell /usr/sbin/nologin --comment 'MONO agent' ${LAYOUT.user}`,
      `install -d -m 0755 -o root -g root ${LAYOUT.root} ${LAYOUT.releases}`,
      // The data and the secrets are the agent's and root's alone.
      `install -d -m 0700 -o ${LAYOUT.user} -g ${LAYOUT.user} ${LAYOUT.dataDir}`,
      `install -d -m 0700 -o root -g root ${LAYOUT.configDir}`,
      ...journaldLimitsLines(),
    ),
  };
}
