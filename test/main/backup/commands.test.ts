// The commands a backup and a restore run on a VPS, compared as text and checked by the shell's own parser.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { agentBackupCommand, agentRestoreCommand } from '../../../src-main/backup/commands.ts';
import { commandLine } from '../../../src-main/provision/commands/remote.ts';

test('every command is valid sh, runs as root, and checks the release knows the command first', () => {
  for (const command of [
    agentBackupCommand(),
    agentBackupCommand({ summary: true }),
    agentRestoreCommand({ replace: false }),
    agentRestoreCommand({ replace: true }),
  ]) {
    assert.equal(command.root, true);
    const parsed = spawnSync('sh', ['-n', '-c', command.script]);
    assert.equal(parsed.status, 0, parsed.stderr.toString());
    const kind = command.step === 'restore' ? 'restore' : 'backup';
    assert.match(command.script, new RegExp(`grep -qs 'mono-agent:${kind}' /opt/mono/current/mono-agent.js`));
    // The bundle it checks is the one it runs, with the agent's own environment.
    assert.match(command.script, /cd \/opt\/mono\/current/);
    assert.match(command.script, /--env-file=\/etc\/mono\/agent\.env/);
    assert.match(
      command.script,
      /MONO_DATA_DIR=\/var\/lib\/mono MONO_HUB_SOCKET=\/run\/mono\/hub\.sock "\$@" mono-agent\.js/,
    );
    assert.match(commandLine(command, false), /^sudo -n sh -c /);
  }
  assert.match(agentBackupCommand({ summary: true }).script, /mono-agent\.js backup --summary$/);
  assert.match(agentBackupCommand().script, /exec env .* mono-agent\.js backup$/);
});

test('a restore stops the agent first and starts it again whatever happens', () => {
  const { script } = agentRestoreCommand({ replace: true });
  const lines = script.split('\n');
  const stop = lines.indexOf('systemctl stop mono-agent.service');
  const trap = lines.findIndex(
    (l) => l.startsWith('trap ') && l.includes('systemctl start mono-agent.service'),
  );
  const restore = lines.findIndex((l) => l.endsWith('mono-agent.js restore --replace'));
  assert.ok(stop >= 0 && trap > stop && restore > trap, script);
  assert.ok(
    lines.some((l) => l === 'trap "exit 129" HUP'),
    'a dropped SSH connection still runs the EXIT trap',
  );
  assert.doesNotMatch(agentRestoreCommand({ replace: false }).script, /--replace/);
});
