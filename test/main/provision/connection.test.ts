// Host specs and MONO's known_hosts: what a user types, and fingerprints exactly as OpenSSH shows them.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  formatHostSpec,
  hostProblem,
  parseHostSpec,
  parseHostsFile,
  portProblem,
  usernameProblem,
} from '../../../src-main/provision/host-spec.ts';
import { decideHostKey, parseFingerprint } from '../../../src-main/ssh/host-keys.ts';
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
    for (const bad of ['', 'host:0', 'host:99999', 'a b', 'us er@host', 'host;rm', '-oProxyCommand=x', 'h:'])
      assert.throws(() => parseHostSpec(bad), /host|port|user/i, bad);
  });

  it('host, user and port follow one set of rules (the desktop form uses the same functions)', () => {
    for (const ok of ['203.0.113.7', 'vps.example.com', 'VPS-1.example', '2001:db8::1', 'localhost'])
      assert.equal(hostProblem(ok), undefined, ok);
    for (const bad of [
      '',
      '-vps',
      'vps-.example',
      'a..b',
      'a b',
      'x;rm',
      '999.1.1.1',
      `${'a'.repeat(64)}.com`,
    ])
      assert.match(hostProblem(bad) ?? '', /not a host name or IP address/, bad);
    for (const ok of ['root', 'deployer', 'ann.b', '_svc']) assert.equal(usernameProblem(ok), undefined, ok);
    for (const bad of ['', '-root', '1ann', 'a b', 'a;b', 'x'.repeat(33)])
      assert.match(usernameProblem(bad) ?? '', /not a valid user name/, bad);
    assert.equal(portProblem(22), undefined);
    for (const bad of [0, 65536, 2.5, Number.NaN]) assert.match(portProblem(bad) ?? '', /1 to 65535/);
  });

  it('a hosts file skips comments and names the bad line', () => {
    assert.deepEqual(
      parseHostsFile('# fleet\nroot@10.0.0.1\n\n  deploy@10.0.0.2:2222  # eu\n').map(formatHostSpec),
      ['root@10.0.0.1', 'deploy@10.0.0.2:2222'],
    );
    assert.throws(() => parseHostsFile('ok\nbad host\n'), /line 2/);
  });
});

describe('host key policy', () => {
  const key = (n: number) =>
    hostKeyFromBlob(
      Buffer.concat([Buffer.from([0, 0, 0, 11]), Buffer.from('ssh-ed25519'), Buffer.from([n])]),
    );
  const a = key(1);
  const b = key(2);

  it('an unknown key is refused unless expected, confirmed or explicitly trusted; only then is it pinned', () => {
    const table: [Parameters<typeof decideHostKey>[1], ReturnType<typeof decideHostKey>][] = [
      [{ pinned: [] }, { accept: false, reason: 'unknown' }],
      [
        { pinned: [], expected: a.fingerprint },
        { accept: true, pin: true },
      ],
      // A man in the middle presents b where the owner confirmed a: nothing is pinned.
      [
        { pinned: [], expected: b.fingerprint },
        { accept: false, reason: 'mismatch' },
      ],
      [
        { pinned: [], expected: b.fingerprint, acceptNew: true },
        { accept: false, reason: 'mismatch' },
      ],
      [
        { pinned: [], confirmed: a },
        { accept: true, pin: true },
      ],
      [
        { pinned: [], confirmed: b },
        { accept: false, reason: 'unknown' },
      ],
      [
        { pinned: [], acceptNew: true },
        { accept: true, pin: true },
      ],
      [{ pinned: [a] }, { accept: true, pin: false }],
      [
        { pinned: [a], expected: a.fingerprint },
        { accept: true, pin: false },
      ],
      [
        { pinned: [a], expected: b.fingerprint },
        { accept: false, reason: 'mismatch' },
      ],
      // A changed key is refused whatever else was said.
      [{ pinned: [b] }, { accept: false, reason: 'changed' }],
      [
        { pinned: [b], acceptNew: true, confirmed: a, expected: a.fingerprint },
        { accept: false, reason: 'changed' },
      ],
    ];
    for (const [policy, expected] of table)
      assert.deepEqual(
        decideHostKey(a, policy),
        expected,
        JSON.stringify({ ...policy, pinned: policy.pinned.length }),
      );
  });

  it('a fingerprint is read as ssh-keygen -lf prints it, with or without prefix and padding', () => {
    assert.equal(parseFingerprint(` ${a.fingerprint} `), a.fingerprint);
    assert.equal(parseFingerprint(`${a.fingerprint.slice(7)}=`), a.fingerprint);
    for (const bad of ['', 'MD5:aa:bb', 'SHA256:short', `${a.fingerprint}x`])
      assert.throws(() => parseFingerprint(bad), /SHA256:1oUt0x… as "ssh-keygen -lf" prints it/);
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
