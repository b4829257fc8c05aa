// The remote commands as text: what runs as root, what is checked before what, and that no secret is inlined.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { armGuardCommand, guardScript } from '../../../src-main/provision/commands/deploy-guard.ts';
import { inspectCommand } from '../../../src-main/provision/commands/inspect.ts';
import { acquireLockCommand, releaseLockCommand } from '../../../src-main/provision/commands/lock.ts';
import { expectedNodeSha256, installNodeCommand } from '../../../src-main/provision/commands/node-runtime.ts';
import { rollbackStageCommand, snapshotCommand } from '../../../src-main/provision/commands/recovery.ts';
import {
  pruneCommand,
  switchCommand,
  uploadReleaseCommand,
} from '../../../src-main/provision/commands/release.ts';
import { commandLine, parseFacts, TIMEOUT_EXIT } from '../../../src-main/provision/commands/remote.ts';
import { writeSecretsCommand } from '../../../src-main/provision/commands/secrets.ts';
import {
  installUnitCommand,
  journalCommand,
  restartCommand,
  socketLines,
} from '../../../src-main/provision/commands/systemd.ts';
import {
  uninstallCommand,
  verifyUninstalledCommand,
} from '../../../src-main/provision/commands/uninstall.ts';
import { SOCKET_MARK, unitFiles, unitText } from '../../../src-main/provision/commands/unit-files.ts';
import { DEFAULT_NODE_VERSION } from '../../../src-main/provision/layout.ts';
import { isSudoRefusal } from '../../../src-main/provision/session.ts';
import { sh } from '../../../src-main/provision/shell.ts';

/**
 * The script has these lines, one right after the other (indentation aside): commands are compared as the text
 * that runs, the way Kamal's tests compare them, rather than through regexes that escape every shell character.
 */
function assertLines(script: string, ...expected: string[]): void {
  const lines = script.split('\n').map((line) => line.trim());
  const found = lines.some((_, at) => expected.every((line, offset) => lines[at + offset] === line));
  assert.ok(
    found,
    `expected ${expected.length === 1 ? 'the line' : 'these lines in a row'}:\n${expected.join('\n')}\nin:\n${script}`,
  );
}

describe('command lines', () => {
  it('root commands go through sudo -n only when the SSH user is not root', () => {
    const cmd = { step: 'x', root: true, script: "echo 'hi'" };
    assert.equal(commandLine(cmd, true), `sh -c 'echo '\\''hi'\\'''`);
    assert.equal(commandLine(cmd, false), `sudo -n sh -c 'echo '\\''hi'\\'''`);
    assert.equal(commandLine({ ...cmd, root: false }, false), `sh -c 'echo '\\''hi'\\'''`);
  });

  it('quoting survives a real shell, whatever the value', () => {
    for (const value of ["it's", 'a b', '$(reboot)', '`id`', 'x"y', 'new\nline', '', 'plain-1.2']) {
      const out = execFileSync('sh', ['-c', `printf %s ${sh(value)}`], { encoding: 'utf8' });
      assert.equal(out, value);
    }
  });

  it('recognises every way sudo refuses to run without a password', () => {
    for (const text of [
      'sudo: a password is required',
      'sudo: a terminal is required to read the password',
      'sudo: sorry, you must have a tty to run sudo',
      'ann is not in the sudoers file.  This incident will be reported.',
      'Sorry, user ann is not allowed to run sudo on vps.',
      'sh: 1: sudo: not found',
      'bash: sudo: command not found',
    ])
      assert.equal(isSudoRefusal(text), true, text);
    assert.equal(isSudoRefusal('tar: write error: No space left on device'), false);
  });

  it('facts are key=value lines; other output is ignored', () => {
    assert.deepEqual(parseFacts('a=1\nnoise\nActiveState=active\nb=x=y\n=bad'), {
      a: '1',
      ActiveState: 'active',
      b: 'x=y',
    });
  });
});

describe('release commands', () => {
  it('an upload is verified against its manifest before it gets the release name', () => {
    const { script, root } = uploadReleaseCommand({
      version: '1.2.3',
      nonce: 'ab12',
      reuseFrom: '1.2.2',
      reuse: ['surrealdb-node.linux-x64-gnu.node'],
    });
    assert.equal(root, true);
    const link = script.indexOf('ln /opt/mono/releases/1.2.2/surrealdb-node.linux-x64-gnu.node');
    const untar = script.indexOf('tar -xzf - -C /opt/mono/releases/.incoming-1.2.3-ab12');
    const check = script.indexOf('sha256sum --quiet --strict -c .mono-manifest');
    const rename = script.indexOf('mv -T /opt/mono/releases/.incoming-1.2.3-ab12 /opt/mono/releases/1.2.3');
    assert.ok(link > 0 && link < untar && untar < check && check < rename, script);
    assert.match(script, /^set -eu/);
    // A release directory is never replaced (its name says its content), and linked files are never touched.
    assertLines(
      script,
      '[ -e /opt/mono/releases/1.2.3 ] && echo exists=1 || mv -T /opt/mono/releases/.incoming-1.2.3-ab12 /opt/mono/releases/1.2.3',
    );
    assert.ok(!script.includes('rm -rf /opt/mono/releases/1.2.3'), script);
    assert.doesNotMatch(script, /chmod -R|chown -R/);
    assertLines(
      script,
      'find /opt/mono/releases/.incoming-1.2.3-ab12 -links 1 -exec chown root:root {} + -exec chmod u=rwX,go=rX {} +',
    );
  });

  it('refuses versions that are not plain directory names', () => {
    for (const bad of ['../etc', 'a b', '', '.hidden', '1.0;rm -rf /'])
      assert.throws(() => switchCommand({ current: bad }), /not a valid release version/);
  });

  it('switch renames symlinks atomically and keeps previous', () => {
    const { script } = switchCommand({ current: '2.0.0', previous: '1.0.0' });
    assertLines(script, 'ln -sfn releases/2.0.0 .current.new && mv -T .current.new current');
    assertLines(script, 'ln -sfn releases/1.0.0 .previous.new && mv -T .previous.new previous');
    assert.match(switchCommand({ current: '2.0.0' }).script, /rm -f previous/);
  });

  it('prune never removes current or previous and clears unfinished uploads', () => {
    const { script } = pruneCommand(3);
    assertLines(script, 'rm -rf .incoming-* .replaced-*');
    assertLines(script, 'if [ "$r" = "$cur" ] || [ "$r" = "$prev" ] || [ $n -le 3 ]; then continue; fi');
  });
});

describe('node runtime', () => {
  const PIN = 'a'.repeat(64);

  it('downloads over https only, with a deadline, and checks the pinned hash before unpacking', () => {
    const { script, timeoutS, what } = installNodeCommand({
      mirror: 'https://example.test/dist/',
      version: 'v20.20.2',
      arch: 'arm64',
      sha256: PIN,
    });
    assert.match(script, /curl -fsSL --proto =https --proto-redir =https .*--max-time 600 /);
    assert.match(script, /wget -q --https-only -T 30 /);
    assert.ok(
      script.includes(' https://example.test/dist/v20.20.2/node-v20.20.2-linux-arm64.tar.xz '),
      script,
    );
    assert.doesNotMatch(script, /SHASUMS256/, 'no checksum list from the same mirror');
    const compare = script.indexOf(`[ "$actual" = ${PIN} ]`);
    const untar = script.indexOf('tar -xJf');
    assert.ok(compare > 0 && compare < untar);
    assert.ok(script.indexOf('mv -T "$tmp/node-v20.20.2-linux-arm64" /opt/mono/node') > untar);
    assertLines(
      script,
      'while kill -0 "$pid" 2>/dev/null; do echo "progress=$(stat -c %s "$file" 2>/dev/null || echo 0)"; sleep 1; done',
    );
    assert.ok(timeoutS! > 600, 'the command outlives curl’s own limit');
    assert.ok(what!.includes('downloading Node v20.20.2 from https://example.test'), what);
  });

  it('the default version’s tarballs are pinned by MONO; another version needs its hash given', () => {
    assert.equal(
      expectedNodeSha256(DEFAULT_NODE_VERSION, 'x64'),
      'df770b2a6f130ed8627c9782c988fda9669fa23898329a61a871e32f965e007d',
    );
    assert.equal(
      expectedNodeSha256(DEFAULT_NODE_VERSION, 'arm64'),
      '73093db209e4e9e09dd7d15a47aeaab1b74833830df03efa5f942a1122c5fa71',
    );
    assert.equal(expectedNodeSha256(DEFAULT_NODE_VERSION, 'x64', PIN), PIN, 'an explicit hash wins');
    assert.throws(() => expectedNodeSha256('22.1.0', 'x64'), /no pinned checksum[\s\S]*--node-sha256/);
    assert.equal(expectedNodeSha256('22.1.0', 'x64', PIN), PIN);
    assert.throws(() => expectedNodeSha256('22.1.0', 'x64', 'abc'), /not a SHA-256/);
  });

  it('refuses plain http and mirror URLs or versions that could smuggle shell into the root script', () => {
    for (const mirror of [
      'http://nodejs.org/dist',
      'ftp://x/dist',
      'https://x/$(reboot)',
      'https://x/`id`',
      'not a url',
      "https://x/'q",
    ])
      assert.throws(
        () => installNodeCommand({ mirror, version: '20.20.2', arch: 'x64', sha256: PIN }),
        /not a usable Node mirror URL \(https only\)/,
      );
    for (const version of ['20', '20.1.2;id', '$(id)', 'latest'])
      assert.throws(
        () => installNodeCommand({ mirror: 'https://nodejs.org/dist', version, arch: 'x64', sha256: PIN }),
        /not a Node version/,
      );
  });
});

describe('time limits', () => {
  it('a command with a limit runs under coreutils timeout (its process group), inside sudo', () => {
    const cmd = { step: 'unit', root: true, script: 'sleep 100' };
    assert.equal(commandLine(cmd, true, 60), `timeout -k 5 60 sh -c 'sleep 100'`);
    assert.equal(commandLine(cmd, false, 0.2), `sudo -n timeout -k 5 1 sh -c 'sleep 100'`);
    assert.equal(commandLine(cmd, true), `sh -c 'sleep 100'`, 'a stream (logs -f) has none');
  });

  it('timeout really stops a hung child of the script, not only the shell', () => {
    const started = Date.now();
    const out = execFileSync(
      'sh',
      [
        '-c',
        `${commandLine({ step: 'x', root: false, script: 'sleep 30 & wait' }, true, 1)}; echo "exit=$?"`,
      ],
      { encoding: 'utf8' },
    );
    assert.equal(out.trim(), 'exit=124');
    assert.ok(Date.now() - started < 10_000);
    assert.ok(TIMEOUT_EXIT.includes(124));
  });

  it('every command that installs, restarts or downloads says what it does and has a limit that fits', () => {
    assert.ok(installUnitCommand().what && installUnitCommand().timeoutS! >= 60);
    // A release that hangs on stop is killed after TimeoutStopSec (10 s): restart must outlive that.
    assert.ok(restartCommand().timeoutS! > 20);
    for (const c of [
      acquireLockCommand({ owner: 'o', machine: 'm', pid: 1, token: 't' }),
      releaseLockCommand('t'),
      inspectCommand(),
      writeSecretsCommand(),
      switchCommand({ current: '1.0.0' }),
      pruneCommand(3),
    ])
      assert.ok(c.what, `${c.step} says what it does`);
  });
});

describe('secrets and unit', () => {
  it('the secrets file arrives on stdin and is made 0600 root before it is moved into place', () => {
    const { script } = writeSecretsCommand();
    assertLines(
      script,
      'umask 077',
      'cat > /etc/mono/.agent.env.new',
      'chown root:root /etc/mono/.agent.env.new && chmod 0600 /etc/mono/.agent.env.new',
      'mv -f /etc/mono/.agent.env.new /etc/mono/agent.env',
    );
  });

  it('the unit runs the agent hardened as its own user with the secrets file, and restarts on failure', () => {
    const unit = unitText({ nodePath: '/opt/mono/node/bin/node', httpPort: 7420 });
    for (const line of [
      'User=mono',
      'ExecStart=/opt/mono/node/bin/node /opt/mono/current/mono-agent.js',
      'EnvironmentFile=/etc/mono/agent.env',
      'Environment=MONO_DATA_DIR=/var/lib/mono',
      'Environment=MONO_HTTP_HOST=127.0.0.1',
      'Environment=MONO_HUB_SOCKET=/run/mono/hub.sock',
      // The agent names its process here and hands the service over to a new release's (handover.ts).
      'PIDFile=/run/mono/agent.pid',
      'Environment=MONO_PID_FILE=/run/mono/agent.pid',
      // Two malloc arenas and a fixed mmap threshold: the engine's memory comes back after large frames.
      'Environment=GLIBC_TUNABLES=glibc.malloc.arena_max=2:glibc.malloc.mmap_threshold=1048576:glibc.malloc.trim_threshold=4194304',
      'Restart=on-failure',
      'RestartPreventExitStatus=2',
      'MemoryHigh=450M',
      'MemoryMax=600M',
      'RuntimeDirectoryMode=0700',
      'NoNewPrivileges=yes',
      'ProtectSystem=strict',
      'CapabilityBoundingSet=',
      'StandardOutput=journal',
    ])
      assert.ok(unit.split('\n').includes(line), `missing ${line}`);
    const small = unitText({ nodePath: '/usr/bin/node', httpPort: 7420, memoryMaxMb: 256 }).split('\n');
    assert.ok(small.includes('MemoryMax=256M') && small.includes('MemoryHigh=192M'));
  });

  it('the unit is verified before it is installed, and the journal is read as root', () => {
    const { script } = installUnitCommand();
    assert.ok(script.indexOf('systemd-analyze verify') < script.indexOf('install -m 0644'));
    assert.match(
      restartCommand().script,
      /reset-failed mono-agent\.service[\s\S]*systemctl restart mono-agent\.service/,
    );
    // A hand-over is offered only to a running agent named in the PID file; any other way ends in a restart.
    const handOver = restartCommand('restart', { handOver: true }).script;
    assert.match(
      handOver,
      /is-active mono-agent\.service\)" = active \] && \[ "\$\(cat \/run\/mono\/agent\.pid[^\n]*\nkill -USR2 "\$pid"/,
    );
    assert.match(
      handOver,
      /echo handover=refused; systemctl restart mono-agent\.service; fi\nelse systemctl restart/,
    );
    assert.doesNotMatch(restartCommand().script, /USR2/);
    const journal = journalCommand({ lines: 50, follow: true });
    assert.equal(journal.root, true);
    assert.equal(journal.script, 'exec journalctl -u mono-agent.service --no-pager -n 50 -o short-iso -f');
  });
});

describe('units and the way back', () => {
  it('a release that takes its port from systemd gets a socket unit; the service requires it', () => {
    const files = unitFiles({ nodePath: '/usr/bin/node', httpPort: 7420, socketActivation: true });
    assert.match(files.service, /^Requires=mono-agent\.socket$/m);
    assertLines(files.socket!, 'ListenStream=127.0.0.1:7420');
    assert.match(
      unitFiles({ nodePath: '/n', httpPort: 80, httpHost: '::1', socketActivation: true }).socket!,
      /ListenStream=\[::1\]:80/,
    );
    const plain = unitFiles({ nodePath: '/usr/bin/node', httpPort: 7420 });
    assert.equal(plain.socket, undefined);
    assert.doesNotMatch(plain.service, /mono-agent\.socket/);
    assert.notEqual(plain.sha256, files.sha256);
    assert.equal(files.stdin, `${files.service}${SOCKET_MARK}\n${files.socket}`);
  });

  it('going back switches current first, holds socket-activated starts while files change, then restarts', () => {
    const { script } = rollbackStageCommand({
      release: '1.0.0+abc',
      previous: '0.9.0',
      oldConfig: true,
      restoreData: true,
    });
    const order = [
      'ln -sfn releases/1.0.0+abc .current.new',
      'touch /run/mono-deploy-hold',
      'systemctl stop mono-agent.service',
      'cp -p /etc/mono/previous/agent.env /etc/mono/agent.env',
      'mv -T /var/lib/mono /var/lib/mono-failed',
      'cp -a --reflink=auto /var/lib/mono-snapshot/data /var/lib/mono',
      'rm -f /run/mono-deploy-hold /run/systemd/system/mono-agent.service.d/mono-deploy-hold.conf\n',
      'systemctl start mono-agent.service',
    ].map((text) => script.indexOf(text));
    assert.ok(
      order.every((at, i) => at > 0 && (i === 0 || at > order[i - 1]!)),
      `${order}\n${script}`,
    );
    // The data the failed release wrote is kept aside, never deleted.
    assert.doesNotMatch(script, /rm -rf \/var\/lib\/mono\b(?!-failed)/);
    // In a unit file `$$` is a literal `$`: the hold loop's shell variables survive systemd's expansion.
    assert.ok(script.includes(String.raw`[ \$\$i -lt 9000 ]`), script);
    const plain = rollbackStageCommand({
      release: '1.0.0+abc',
      previous: undefined,
      oldConfig: false,
      restoreData: false,
    });
    assert.doesNotMatch(plain.script, /mono-deploy-hold|previous\/agent\.env|mono-snapshot/);
    // Nothing to restore: one restart, never a stop (a queued connection would start the agent in between) but
    // where systemd holds no socket on the port (then nothing can be queued: socket-lines.test.ts).
    assert.doesNotMatch(plain.script.replace(socketLines(), ''), /systemctl stop/);
    // Units put back: systemd reads the socket's old address before the check that it holds it.
    const reload = script.indexOf('systemctl daemon-reload', script.indexOf('cp -p /etc/mono/previous/'));
    assert.ok(reload > 0 && reload < script.indexOf(socketLines()), script);
    assert.match(plain.script, /systemctl restart mono-agent\.service/);
    assert.match(plain.script, /rm -f previous/);
  });

  it('a snapshot is put back only if it was completed before the release that failed', () => {
    const { script } = rollbackStageCommand({
      release: '1.0.0+abc',
      previous: undefined,
      oldConfig: false,
      restoreData: true,
      snapshotFor: '1.1.0+def',
    });
    execFileSync('sh', ['-n'], { input: script });
    const check = script.indexOf('grep -qx for=1.1.0+def /var/lib/mono-snapshot/info');
    assert.ok(check > 0 && check < script.indexOf('mv -T /var/lib/mono /var/lib/mono-failed'), script);
    assert.match(script, /else echo "data=kept/);
  });

  it('a snapshot is taken with the agent stopped and its starts held, and replaces the last one only when complete', () => {
    const { script } = snapshotCommand({ before: '1.1.0+abc', from: '1.0.0+def' });
    const stop = script.indexOf('systemctl stop mono-agent.service');
    assert.ok(script.indexOf('touch /run/mono-deploy-hold') < stop);
    assert.ok(stop < script.indexOf('cp -a --reflink=auto /var/lib/mono /var/lib/mono-snapshot.new/data'));
    assert.match(
      script,
      /rm -rf \/var\/lib\/mono-snapshot && mv -T \/var\/lib\/mono-snapshot\.new \/var\/lib\/mono-snapshot/,
    );
    assert.match(script, /trap 'rm -f \/run\/mono-deploy-hold/);
    // A copy that worked keeps the hold: the restart step lifts it and starts the new release.
    assert.ok(script.trimEnd().endsWith('trap - EXIT'));
    assert.match(
      restartCommand().script,
      /if \[ -e \/run\/mono-deploy-hold \]; then .*systemctl start mono-agent\.service; else systemctl restart/,
    );
  });
});

describe('the deploy guard', () => {
  const spec = {
    release: '1.1.0+aaaaaaaaaaaa',
    version: '1.1.0',
    back: {
      release: '1.0.0+bbbbbbbbbbbb',
      version: '1.0.0',
      previous: undefined,
      oldConfig: true,
      restoreData: true,
    },
    port: 7420,
    stableS: 10,
    lockToken: 'abcdef0123456789',
  };

  it('is valid sh that keeps a stable release and otherwise goes back; data only if the new release ran', () => {
    const text = guardScript(spec);
    execFileSync('sh', ['-n'], { input: text });
    const keepNew = text.indexOf('stable 1.1.0; then');
    const goBack = text.indexOf('is not healthy: going back to 1.0.0+bbbbbbbbbbbb');
    assert.ok(keepNew > 0 && goBack > keepNew, text);
    // Going back after the new release ran restores the snapshot; before its switch it never does.
    const cut = text.indexOf('stopped before its switch');
    assert.match(text.slice(0, cut), /mono-snapshot\/data/);
    assert.doesNotMatch(text.slice(cut).split('\nelse\n')[0]!, /mono-snapshot\/data/);
    // It releases only its own deploy's lock.
    assert.ok(text.includes('grep -qx token=abcdef0123456789 /var/lock/mono-deploy/info'), text);
    assert.throws(() => guardScript({ ...spec, release: '1.1.0; rm -rf /' }));
  });

  it('arms a transient timer from a root-only script read on stdin, replacing any earlier one', () => {
    const { script, root } = armGuardCommand(45);
    assert.equal(root, true);
    execFileSync('sh', ['-n'], { input: script });
    const stop = script.indexOf('systemctl stop mono-deploy-guard.timer');
    assert.ok(stop >= 0 && stop < script.indexOf('systemd-run'));
    assertLines(
      script,
      'cat > /etc/mono/deploy-guard.sh.new && chmod 0700 /etc/mono/deploy-guard.sh.new && mv -f /etc/mono/deploy-guard.sh.new /etc/mono/deploy-guard.sh',
    );
    assert.match(script, /--on-active=45s/);
  });
});

describe('inspect', () => {
  it('asks who holds the agent port only when the agent is not the one running', () => {
    const { script } = inspectCommand(8080);
    assert.ok(
      script.includes(
        `systemctl is-active --quiet mono-agent.service mono-agent.socket || echo "port_user=$(ss -Hltnp 'sport = :8080'`,
      ),
      script,
    );
    assert.doesNotMatch(inspectCommand().script, /ss -H/);
  });
});

describe('lock and uninstall', () => {
  it('the lock is a mkdir; a stale one is replaced; only its holder releases it', () => {
    const { script } = acquireLockCommand({
      owner: 'ann@laptop pid 7',
      machine: 'laptop',
      pid: 7,
      token: 'tok1',
    });
    assert.ok(script.includes('if mkdir /var/lock/mono-deploy 2>/dev/null; then '), script);
    assert.match(script, /-gt 600 \]/);
    assert.match(script, /'ann@laptop pid 7'/);
    assertLines(
      releaseLockCommand('tok1').script,
      'if grep -qx token=tok1 /var/lock/mono-deploy/info 2>/dev/null; then rm -rf /var/lock/mono-deploy; fi',
    );
  });

  it('uninstall removes every MONO path, the user and the lock, and verify checks each', () => {
    const { script } = uninstallCommand();
    for (const p of [
      '/opt/mono',
      '/var/lib/mono',
      '/etc/mono',
      '/run/mono',
      '/etc/systemd/system/mono-agent.service',
    ])
      assert.ok(script.includes(p), p);
    assert.ok(script.indexOf('userdel mono') > script.indexOf('systemctl disable --now'));
    assert.ok(script.trimEnd().endsWith('rm -rf /var/lock/mono-deploy'));
    assert.ok(verifyUninstalledCommand().script.includes(' /var/lib/mono '));
  });
});
