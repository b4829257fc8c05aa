// The commands a backup and a restore run on a VPS, compared as text and checked by the shell's own parser.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import {
  agentBackupCommand,
  agentRestoreCommand,
  readLinkedDeviceCommand,
} from '../../../src-main/backup/commands.ts';
import { commandLine } from '../../../src-main/provision/commands/remote.ts';

test('every command is valid sh, runs as root, and checks the release knows the command first', () => {
  for (const command of [
    agentBackupCommand(),
    agentBackupCommand({ summary: true }),
    agentRestoreCommand({ replace: false, bytes: 1024 }),
    agentRestoreCommand({ replace: true, bytes: 1024 }),
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
  const { script } = agentRestoreCommand({ replace: true, bytes: 1024 });
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
  assert.doesNotMatch(agentRestoreCommand({ replace: false, bytes: 1024 }).script, /--replace/);
});

test('a restore may take as long as its file needs at 50 kB/s, on top of five minutes, and the VPS enforces it', () => {
  const limit = (bytes: number) => agentRestoreCommand({ replace: true, bytes }).timeoutS;
  assert.equal(limit(0), 300);
  // 10 MB: 300 s + 200 s; 1 GB: 300 s + 20,000 s (the 60 s default would cut a 3 MB backup short on a slow link).
  assert.equal(limit(10_000_000), 500);
  assert.equal(limit(1_000_000_000), 20_300);
  const line = commandLine(agentRestoreCommand({ replace: true, bytes: 1_000_000_000 }), true, 20_300);
  assert.match(line, /^timeout -k 5 20300 sh -c /);
});

test('a streamed backup and the linked-device read have a whole-run limit and a silence limit', () => {
  for (const command of [agentBackupCommand(), readLinkedDeviceCommand()]) {
    assert.ok(command.timeoutS && command.timeoutS >= 300, `${command.step}: ${command.timeoutS}`);
    assert.ok(command.stallS && command.stallS < command.timeoutS, `${command.step}: ${command.stallS}`);
    assert.match(command.what ?? '', /backup|keys/);
  }
  assert.equal(agentBackupCommand({ summary: true }).timeoutS, 300);
});
