// The local side of a release: which files a VPS gets, their manifest (checked by the real sha256sum), the tar
// stream (unpacked by the real tar) and the agent's env file.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { Secret } from '../../../agent-core/config/secret.ts';
import {
  agentEnvFrom,
  envValueProblem,
  parseAgentEnv,
  readRemoteEnv,
} from '../../../src-main/provision/env-file.ts';
import { ProvisionError } from '../../../src-main/provision/errors.ts';
import {
  ReleaseSource,
  readLocalRelease,
  reusablePaths,
  wantedOnVps,
} from '../../../src-main/provision/release.ts';
import { createTar, tarStream } from '../../../src-main/provision/tar.ts';

describe('local release', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mono-release-unit-'));
    await mkdir(join(dir, 'schema'));
    await writeFile(join(dir, 'package.json'), '{"version":"4.5.6","type":"module"}');
    await writeFile(join(dir, 'mono-agent.js'), 'console.log(1)');
    await writeFile(join(dir, 'schema', '001-core.surql'), 'DEFINE TABLE x;');
    await writeFile(join(dir, 'surrealdb-node.linux-x64-gnu.node'), 'x64 addon');
    await writeFile(join(dir, 'surrealdb-node.linux-arm64-gnu.node'), 'arm64 addon');
    await writeFile(join(dir, 'surrealdb-node.darwin-arm64.node'), 'mac addon');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('keeps only the VPS architecture’s addon, with a manifest sha256sum accepts', async () => {
    const release = await readLocalRelease(dir, 'arm64');
    assert.equal(release.version, '4.5.6');
    assert.deepEqual(
      release.files.map((f) => f.path),
      ['mono-agent.js', 'package.json', 'schema/001-core.surql', 'surrealdb-node.linux-arm64-gnu.node'],
    );
    await writeFile(join(dir, '.mono-manifest'), release.manifest);
    execFileSync('sha256sum', ['--quiet', '--strict', '-c', '.mono-manifest'], { cwd: dir });
    await rm(join(dir, '.mono-manifest'));
    assert.equal(wantedOnVps('surrealdb-node.linux-x64-gnu.node', 'arm64'), false);
  });

  it('files with the same checksum in the installed manifest are reused, others uploaded', async () => {
    const release = await readLocalRelease(dir, 'x64');
    const addon = release.files.find((f) => f.path.endsWith('.node'))!;
    const remote = `${addon.sha256}  ${addon.path}\n${'0'.repeat(64)}  mono-agent.js\n`;
    assert.deepEqual(reusablePaths(release, remote), [addon.path]);
  });

  it('an archive is packed once per file set, streamed from disk, and real tar + sha256sum accept it', async () => {
    const source = new ReleaseSource(dir);
    const out = await mkdtemp(join(tmpdir(), 'mono-archive-unit-'));
    try {
      const release = await source.forArch('x64');
      assert.equal(await source.forArch('x64'), release, 'read and hashed once');
      const a = await source.archive(release, release.files);
      const b = await source.archive(release, release.files);
      assert.equal(a.path, b.path, 'packed once');
      execFileSync('tar', ['-xzf', a.path, '-C', out]);
      execFileSync('sha256sum', ['--quiet', '--strict', '-c', '.mono-manifest'], { cwd: out });
      assert.deepEqual(await readFile(join(out, 'schema', '001-core.surql'), 'utf8'), 'DEFINE TABLE x;');
      const some = await source.archive(release, release.files.slice(0, 1));
      assert.notEqual(some.path, a.path);
    } finally {
      await source.close();
      await rm(out, { recursive: true, force: true });
    }
  });

  it('a directory that is not a build says how to make one', async () => {
    await assert.rejects(
      readLocalRelease(join(dir, 'schema'), 'x64'),
      (e: unknown) => e instanceof ProvisionError && /npm run build/.test(e.hint),
    );
  });
});

describe('tar stream', () => {
  it('real tar unpacks what createTar wrote, byte for byte, including nested and long paths', async () => {
    const out = await mkdtemp(join(tmpdir(), 'mono-tar-unit-'));
    try {
      const long = `${'d'.repeat(60)}/${'f'.repeat(80)}.txt`;
      const entries = [
        { name: 'a.txt', data: Buffer.from('hello') },
        { name: 'schema/001.surql', data: Buffer.alloc(1500, 7) },
        { name: long, data: Buffer.from('long') },
        { name: 'empty', data: Buffer.alloc(0) },
      ];
      execFileSync('tar', ['-xzf', '-', '-C', out], { input: gzipSync(createTar(entries)) });
      for (const e of entries) assert.deepEqual(await readFile(join(out, e.name)), e.data);
      // The streamed form is the same archive, byte for byte.
      const chunks: Buffer[] = [];
      for await (const c of tarStream(
        entries.map((e) => ({ name: e.name, size: e.data.length, data: e.data })),
      ))
        chunks.push(c as Buffer);
      assert.deepEqual(Buffer.concat(chunks), createTar(entries));
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});

describe('agent env file', () => {
  it('collects keys and values (to redact), the HTTP port override, and a stable hash', () => {
    const env = parseAgentEnv(
      '# c\nTELEGRAM_BOT_TOKEN=123:abc\nexport ANTHROPIC_API_KEY="sk-xyz-1"\nMONO_HTTP_PORT=8000\n',
    );
    assert.deepEqual(env.keys, ['TELEGRAM_BOT_TOKEN', 'ANTHROPIC_API_KEY', 'MONO_HTTP_PORT']);
    assert.deepEqual(env.values, ['123:abc', 'sk-xyz-1', '8000']);
    assert.equal(env.httpPort, 8000);
    assert.ok(env.content instanceof Secret);
    assert.equal(String(env.content), '[redacted]');
    assert.equal(
      env.sha256,
      parseAgentEnv(
        '# c\nTELEGRAM_BOT_TOKEN=123:abc\nexport ANTHROPIC_API_KEY="sk-xyz-1"\nMONO_HTTP_PORT=8000',
      ).sha256,
    );
  });

  it('a malformed line is reported by number, never by value', () => {
    assert.throws(
      () => parseAgentEnv('GOOD=1\nsk-secret-value-without-key\n'),
      (e: unknown) =>
        e instanceof ProvisionError &&
        /line 2 is not KEY=value/.test(e.message) &&
        !e.message.includes('sk-secret'),
    );
  });

  it('values are written quoted and escaped as systemd reads them: nothing expanded, nothing cut', () => {
    const tricky = `p@ss "word" it's $HOME \\n \`id\` #not-a-comment ;x`;
    const env = parseAgentEnv(`A=plain\nB='${tricky}'\nC=  spaced value  \n`);
    assert.equal(
      env.content.reveal(),
      `A="plain"\nB="p@ss \\"word\\" it's \\$HOME \\\\n \\\`id\\\` #not-a-comment ;x"\nC="spaced value"\n`,
    );
    // Read back the way systemd does (and the way MONO reads the VPS's file to redact it): the same values.
    assert.deepEqual(readRemoteEnv(env.content.reveal()).values, ['plain', tricky, 'spaced value']);
    assert.equal(
      agentEnvFrom([['B', tricky]])
        .content.reveal()
        .split('\n')[0],
      env.content.reveal().split('\n')[1],
    );
  });

  it('a secret with a line break or another control character is refused, naming the key, never the value', () => {
    for (const value of ['sk-ant-123\nMONO_EVIL=1', 'tok\ren', 'tab\there', 'nul\u0000x', 'del\u007f'])
      assert.match(
        envValueProblem('ANTHROPIC_API_KEY', value) ?? '',
        /ANTHROPIC_API_KEY contains a line break/,
      );
    assert.throws(
      () => agentEnvFrom([['TELEGRAM_BOT_TOKEN', 'sk-secret-1\nMONO_HTTP_HOST=0.0.0.0']]),
      (e: unknown) =>
        e instanceof ProvisionError &&
        /TELEGRAM_BOT_TOKEN contains a line break/.test(e.reason) &&
        !e.message.includes('sk-secret'),
    );
    // In a file, a quoted value that would continue on the next line is refused too.
    assert.throws(
      () => parseAgentEnv('A=1\nTOKEN="sk-secret-2\nrest"\n'),
      (e: unknown) =>
        e instanceof ProvisionError &&
        /line 2: the quoted value of TOKEN does not end on its line/.test(e.reason) &&
        !e.message.includes('sk-secret'),
    );
    assert.throws(() => parseAgentEnv('TOKEN=abc\u0007def\n'), /line 1: TOKEN contains a line break/);
  });
});
