// The remote commands as text: what runs as root, what is checked before what, and that no secret is inlined.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { inspectCommand } from '../../../src-main/provision/commands/inspect.ts';
import { acquireLockCommand, releaseLockCommand } from '../../../src-main/provision/commands/lock.ts';
import { installNodeCommand } from '../../../src-main/provision/commands/node-runtime.ts';
import {
  pruneCommand,
  switchCommand,
  uploadReleaseCommand,
} from '../../../src-main/provision/commands/release.ts';
import { commandLine, parseFacts } from '../../../src-main/provision/commands/remote.ts';
import { writeSecretsCommand } from '../../../src-main/provision/commands/secrets.ts';
import {
  installUnitCommand,
  journalCommand,
  restartCommand,
  unitText,
} from '../../../src-main/provision/commands/systemd.ts';
import {
  uninstallCommand,
  verifyUninstalledCommand,
} from '../../../src-main/provision/commands/uninstall.ts';
import { isSudoRefusal } from '../../../src-main/provision/session.ts';
import { sh } from '../../../src-main/provision/shell.ts';

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
  });

  it('refuses versions that are not plain directory names', () => {
    for (const bad of ['../etc', 'a b', '', '.hidden', '1.0;rm -rf /'])
      assert.throws(() => switchCommand({ current: bad }), /not a valid release version/);
  });

  it('switch renames symlinks atomically and keeps previous', () => {
    const { script } = switchCommand({ current: '2.0.0', previous: '1.0.0' });
    assert.match(script, /ln -sfn releases\/2\.0\.0 \.current\.new && mv -T \.current\.new current/);
    assert.match(script, /ln -sfn releases\/1\.0\.0 \.previous\.new && mv -T \.previous\.new previous/);
    assert.match(switchCommand({ current: '2.0.0' }).script, /rm -f previous/);
  });

  it('prune never removes current or previous and clears unfinished uploads', () => {
    const { script } = pruneCommand(3);
    assert.match(script, /rm -rf \.incoming-\* \.replaced-\*/);
    assert.match(script, /"\$r" = "\$cur" \] \|\| \[ "\$r" = "\$prev" \] \|\| \[ \$n -le 3 \]/);
  });
});

describe('node runtime', () => {
  it('checks the tarball against SHASUMS256.txt before unpacking it', () => {
    const { script } = installNodeCommand({
      mirror: 'https://example.test/dist/',
      version: 'v20.20.2',
      arch: 'arm64',
    });
    assert.match(script, /https:\/\/example\.test\/dist\/v20\.20\.2\/SHASUMS256\.txt/);
    assert.match(script, /node-v20\.20\.2-linux-arm64\.tar\.xz/);
    const compare = script.indexOf('[ "$expected" = "$actual" ]');
    const untar = script.indexOf('tar -xJf');
    assert.ok(compare > 0 && compare < untar);
    assert.ok(script.indexOf('mv -T "$tmp/node-v20.20.2-linux-arm64" /opt/mono/node') > untar);
  });

  it('refuses mirror URLs and versions that could smuggle shell into the root script', () => {
    for (const mirror of [
      'ftp://x/dist',
      'https://x/$(reboot)',
      'https://x/`id`',
      'not a url',
      "https://x/'q",
    ])
      assert.throws(
        () => installNodeCommand({ mirror, version: '20.20.2', arch: 'x64' }),
        /not a usable Node mirror/,
      );
    for (const version of ['20', '20.1.2;id', '$(id)', 'latest'])
      assert.throws(
        () => installNodeCommand({ mirror: 'https://nodejs.org/dist', version, arch: 'x64' }),
        /not a Node version/,
      );
  });
});

describe('secrets and unit', () => {
  it('the secrets file arrives on stdin and is made 0600 root before it is moved into place', () => {
    const { script } = writeSecretsCommand();
    assert.match(script, /umask 077\ncat > \/etc\/mono\/\.agent\.env\.new/);
    assert.match(
      script,
      /chmod 0600 \/etc\/mono\/\.agent\.env\.new\nmv -f \/etc\/mono\/\.agent\.env\.new \/etc\/mono\/agent\.env/,
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
      'Restart=on-failure',
      'RuntimeDirectoryMode=0700',
      'NoNewPrivileges=yes',
      'ProtectSystem=strict',
      'CapabilityBoundingSet=',
      'StandardOutput=journal',
    ])
      assert.ok(unit.split('\n').includes(line), `missing ${line}`);
  });

  it('the unit is verified before it is installed, and the journal is read as root', () => {
    const { script } = installUnitCommand();
    assert.ok(script.indexOf('systemd-analyze verify') < script.indexOf('install -m 0644'));
    assert.match(
      restartCommand().script,
      /reset-failed mono-agent\.service[\s\S]*systemctl restart mono-agent\.service/,
    );
    const journal = journalCommand({ lines: 50, follow: true });
    assert.equal(journal.root, true);
    assert.equal(journal.script, 'exec journalctl -u mono-agent.service --no-pager -n 50 -o short-iso -f');
  });
});

describe('inspect', () => {
  it('asks who holds the agent port only when the agent is not the one running', () => {
    assert.match(
      inspectCommand(8080).script,
      /systemctl is-active --quiet mono-agent\.service \|\| echo "port_user=\$\(ss -Hltnp 'sport = :8080'/,
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
    assert.match(script, /if mkdir \/var\/lock\/mono-deploy 2>\/dev\/null; then/);
    assert.match(script, /-gt 600 \]/);
    assert.match(script, /'ann@laptop pid 7'/);
    assert.match(
      releaseLockCommand('tok1').script,
      /grep -qx token=tok1 .* then rm -rf \/var\/lock\/mono-deploy; fi/,
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
    assert.match(verifyUninstalledCommand().script, /\/var\/lib\/mono/);
  });
});
