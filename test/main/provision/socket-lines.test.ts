// The check that systemd really holds the agent's port before the agent restarts, run by sh against stand-ins for
// systemctl and ss: after the socket's address changed systemd holds nothing, and only then is the agent stopped
// and the socket restarted; where systemd holds the port, the restart keeps it (connections keep waiting). The
// socket is enabled only when it is not (each `systemctl enable` reloads all of systemd).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { socketLines } from '../../../src-main/provision/commands/systemd.ts';
import { LAYOUT } from '../../../src-main/provision/layout.ts';

describe('systemd holds the port before the agent restarts', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mono-socket-lines-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  /**
   * Runs the lines with `ss` printing `listening` (or absent) and `systemctl is-enabled` printing `enabled`, and
   * returns the systemctl calls made (the is-enabled question left out).
   */
  async function run(
    listening: string | undefined,
    listen = 'ListenStream=0.0.0.0:7420',
    enabled = 'enabled',
  ): Promise<string[]> {
    const bin = join(dir, `bin-${Math.random().toString(36).slice(2)}`);
    execFileSync('mkdir', ['-p', bin]);
    const calls = join(bin, 'calls');
    await writeFile(calls, '');
    await writeFile(
      join(bin, 'systemctl'),
      `#!/bin/sh\nif [ "$1" = is-enabled ]; then echo '${enabled}'; exit 0; fi\necho "$*" >> ${calls}\n`,
    );
    if (listening !== undefined)
      await writeFile(
        join(bin, 'ss'),
        `#!/bin/sh\n[ "$2" = "sport = :7420" ] && printf '%s\\n' '${listening}'\n`,
      );
    for (const name of ['systemctl', 'ss']) await chmod(join(bin, name), 0o755).catch(() => {});
    // Only these tools on the PATH, so the machine's own ss (if any) is not found.
    for (const tool of ['sed', 'head', 'grep'])
      await symlink(
        execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim(),
        join(bin, tool),
      );
    const socketFile = join(bin, 'mono-agent.socket');
    await writeFile(socketFile, `[Socket]\n${listen}\nBacklog=1024\n`);
    const text = socketLines().split(LAYOUT.socketPath).join(socketFile);
    const out = execFileSync('/bin/sh', ['-c', `set -eu\n${text}`], {
      env: { PATH: bin },
      encoding: 'utf8',
    });
    const made = (await readFile(calls, 'utf8')).trim().split('\n').filter(Boolean);
    return out.includes('socket=rebound') ? [...made, 'rebound'] : made;
  }

  it('systemd holds the port: the socket is only started, the agent is not stopped', async () => {
    const held = 'LISTEN 0 1024 0.0.0.0:7420 0.0.0.0:* users:(("node",pid=293,fd=3),("systemd",pid=1,fd=25))';
    assert.deepEqual(await run(held), ['start mono-agent.socket']);
  });

  it('a socket not (or only until the next reboot) enabled is enabled; an enabled one is left alone', async () => {
    const held = 'LISTEN 0 1024 0.0.0.0:7420 0.0.0.0:* users:(("systemd",pid=1,fd=25))';
    for (const state of ['disabled', 'enabled-runtime', ''])
      assert.deepEqual(await run(held, undefined, state), [
        'enable --quiet mono-agent.socket',
        'start mono-agent.socket',
      ]);
    assert.deepEqual(await run(held, undefined, 'enabled'), ['start mono-agent.socket']);
  });

  it('the agent holds the port itself (the socket lost it to a reload): stopped, socket restarted, once', async () => {
    const own = 'LISTEN 0 511 0.0.0.0:7420 0.0.0.0:* users:(("node",pid=1019,fd=22))';
    assert.deepEqual(await run(own), ['stop mono-agent.service', 'restart mono-agent.socket', 'rebound']);
    // Nobody listens at all (the new address, nothing started yet): the same.
    assert.deepEqual(await run(''), ['stop mono-agent.service', 'restart mono-agent.socket', 'rebound']);
    // An IPv6 address names its port the same way.
    assert.equal((await run(own, 'ListenStream=[::]:7420')).at(-1), 'rebound');
  });

  it('without ss nothing can be told: the socket is only started', async () => {
    assert.deepEqual(await run(undefined), ['start mono-agent.socket']);
  });
});
