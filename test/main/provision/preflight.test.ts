// Preflight decisions from the facts a VPS reports: supported or not, and what the user should do.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  preflightProblems,
  toPreflightFacts,
  versionAtLeast,
} from '../../../src-main/provision/commands/preflight.ts';
import { parseFacts } from '../../../src-main/provision/commands/remote.ts';

const debian12 = `mono_preflight=1
kernel=Linux
arch=x86_64
os_id=debian
os_name=Debian GNU/Linux 12 (bookworm)
glibc=2.36
systemd=1
free_kb=5000000
has_curl=1
has_wget=0
has_tar=1
has_xz=1
has_sha256sum=1
has_systemctl=1
has_useradd=1
has_systemd_analyze=1
has_journalctl=1
`;

const facts = (patch: string) => toPreflightFacts(parseFacts(`${debian12}${patch}`));

describe('preflight', () => {
  it('accepts Debian 12 on x86_64 and plans a Node install when none is there', () => {
    const f = facts('');
    assert.deepEqual(preflightProblems(f), []);
    assert.equal(f.nodeArch, 'x64');
    assert.equal(f.node, undefined);
  });

  it('reuses a Node ≥ 20.12, MONO’s own first', () => {
    assert.deepEqual(facts('node_system=/usr/bin/node v22.3.0\n').node, {
      path: '/usr/bin/node',
      version: 'v22.3.0',
    });
    assert.equal(facts('node_system=/usr/bin/node v18.19.0\n').node, undefined);
    assert.equal(
      facts('node_mono=v20.20.2\nnode_system=/usr/bin/node v22.3.0\n').node?.path,
      '/opt/mono/node/bin/node',
    );
  });

  it('glibc older than 2.35 (Debian 11, Ubuntu 20.04) is refused with what to use instead', () => {
    const [problem] = preflightProblems(facts('glibc=2.31\nos_name=Debian GNU/Linux 11 (bullseye)\n'));
    assert.match(problem!.reason, /glibc 2\.31 on Debian GNU\/Linux 11 \(bullseye\) is too old/);
    assert.match(problem!.hint, /Debian 12\+, Ubuntu 22\.04\+/);
    assert.match(preflightProblems(facts('glibc=\n'))[0]!.reason, /musl/);
  });

  it('names each problem: architecture, systemd, disk, missing tools', () => {
    const reasons = preflightProblems(
      facts('arch=armv7l\nsystemd=0\nfree_kb=1000\nhas_curl=0\nhas_xz=0\n'),
    ).map((p) => p.reason);
    assert.equal(reasons.length, 4, reasons.join('\n'));
    assert.match(reasons[0]!, /armv7l is not supported/);
    assert.match(reasons[1]!, /systemd is not running/);
    assert.match(reasons[2]!, /only 0 MB free under \/opt/);
    assert.match(reasons[3]!, /missing tools on the VPS: curl \(or wget\), xz/);
    // With a usable Node, the download tools are not needed.
    assert.deepEqual(
      preflightProblems(facts('has_curl=0\nhas_xz=0\nnode_system=/usr/bin/node v20.12.0\n')),
      [],
    );
  });

  it('compares versions numerically', () => {
    assert.equal(versionAtLeast('2.35', [2, 35]), true);
    assert.equal(versionAtLeast('2.4', [2, 35]), false);
    assert.equal(versionAtLeast('3.0', [2, 35]), true);
    assert.equal(versionAtLeast('20.9.0', [20, 12]), false);
    assert.equal(versionAtLeast('x', [2, 35]), false);
  });
});
