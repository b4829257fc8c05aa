// The agent's secrets file: its content arrives on stdin (never in a command line) and lands as root-only 0600.
import { LAYOUT } from '../layout.ts';
import { script } from '../shell.ts';
import type { RemoteCommand } from './remote.ts';

export function writeSecretsCommand(): RemoteCommand {
  const tmp = `${LAYOUT.configDir}/.agent.env.new`;
  return {
    step: 'secrets',
    root: true,
    what: `writing ${LAYOUT.envFile}`,
    script: script(
      `install -d -m 0700 -o root -g root ${LAYOUT.configDir}`,
      'umask 077',
      `cat > ${tmp}`,
      `chown root:root ${tmp} && chmod 0600 ${tmp}`,
      `mv -f ${tmp} ${LAYOUT.envFile}`,
    ),
  };
}

/** Without --env-file, a first install still needs the file the unit names (the agent starts with no channel). */
export function ensureSecretsFileCommand(): RemoteCommand {
  return {
    step: 'secrets',
    root: true,
    script: script(
      `install -d -m 0700 -o root -g root ${LAYOUT.configDir}`,
      `[ -e ${LAYOUT.envFile} ] || install -m 0600 -o root -g root /dev/null ${LAYOUT.envFile}`,
    ),
  };
}

/** The secrets file as it is on the VPS (read only to redact its values from logs shown to the user). */
export function readSecretsCommand(step: string): RemoteCommand {
  return { step, root: true, script: `cat ${LAYOUT.envFile} 2>/dev/null || true` };
}
