// Host specs and MONO's known_hosts: what a user types, and fingerprints exactly as OpenSSH shows them.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { formatHostSpec, parseHostSpec, parseHostsFile } from '../../../src-main/provision/host-spec.ts';
import {
  findPinnedKeys,
  hostKeyFromBlob,
  pinHostKey,
  readPinnedKeys,
} from '../../../src-main/ssh/known-hosts.ts';

describe('host specs', () => {
  it('parses [user@]host[:port] with root and 22 as defaults', () => {
    assert.deepEqual(parseHostSpec('203.0.113.7'), { host: '203.0.113.7', port: 22, username: 'root' });
    assert.deepEqual(parseHostSpec('ann@vps.example.com:2222'), {
      host: 'vps.example.com',
      port: 2222,
      username: 'ann',
    });
    assert.deepEqual(parseHostSpec('[2001:db8::1]:2200'), {
      host: '2001:db8::1',
      port: 2200,
      username: 'root',
    });
    assert.deepEqual(parseHostSpec('2001:db8::1'), { host: '2001:db8::1', port: 22, username: 'root' });
    assert.equal(formatHostSpec(parseHostSpec('ann@[2001:db8::1]:2200')), 'ann@[2001:db8::1]:2200');
    for (const bad of ['', 'host:0', 'host:99999', 'a b', 'us er@host', 'host;rm'])
      assert.throws(() => parseHostSpec(bad), /host|port|user/i, bad);
  });

  it('a hosts file skips comments and names the bad line', () => {
    assert.deepEqual(
      parseHostsFile('# fleet\nroot@10.0.0.1\n\n  deploy@10.0.0.2:2222  # eu\n').map(formatHostSpec),
      ['root@10.0.0.1', 'deploy@10.0.0.2:2222'],
    );
    assert.throws(() => parseHostsFile('ok\nbad host\n'), /line 2/);
  });
});

describe('known hosts', () => {
  it('fingerprints match ssh-keygen, and pinned keys are found by host and port', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mono-kh-unit-'));
    try {
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'k')]);
      const pub = (await readFile(join(dir, 'k.pub'), 'utf8')).split(' ');
      const key = hostKeyFromBlob(Buffer.from(pub[1]!, 'base64'));
      assert.equal(key.type, 'ssh-ed25519');
      assert.equal(
        key.fingerprint,
        execFileSync('ssh-keygen', ['-lf', join(dir, 'k.pub')], { encoding: 'utf8' }).split(' ')[1],
      );
      const file = join(dir, 'known_hosts');
      await pinHostKey(file, '10.0.0.1', 22, key);
      await pinHostKey(file, '10.0.0.1', 2222, key);
      assert.match(
        await readFile(file, 'utf8'),
        /^10\.0\.0\.1 ssh-ed25519 AAAA.*\n\[10\.0\.0\.1\]:2222 ssh-ed25519 /,
      );
      // The file is in OpenSSH's format: ssh-keygen can look the host up in it.
      assert.match(
        execFileSync('ssh-keygen', ['-F', '[10.0.0.1]:2222', '-f', file], { encoding: 'utf8' }),
        /ssh-ed25519/,
      );
      assert.equal((await readPinnedKeys(file, '10.0.0.1', 22))[0]?.fingerprint, key.fingerprint);
      assert.deepEqual(await readPinnedKeys(file, '10.0.0.2', 22), []);
      assert.deepEqual(findPinnedKeys('# comment\n|1|hashed ssh-ed25519 AAAA\n', '10.0.0.1', 22), []);
      assert.deepEqual(await readPinnedKeys(join(dir, 'missing'), 'x', 22), []);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
