// The remote `mono` commands without a VPS: usage errors exit 2 with the usage, and a down host fails at connect.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runMono } from '../../vps/cli.ts';

describe('mono remote commands', { timeout: 240_000 }, () => {
  it('wrong usage exits 2 and shows the usage', async () => {
    const cases: [string[], RegExp][] = [
      [['deploy'], /expected exactly one host/],
      [['deploy', 'a', 'b'], /expected exactly one host/],
      [['deploy', 'bad host'], /is not a host/],
      [['status', 'h', '--bogus'], /Unknown option '--bogus'/],
      [['fleet', 'roll', 'x'], /expected: fleet deploy HOSTS_FILE/],
      [['fleet', 'deploy', '/nonexistent/hosts'], /cannot read \/nonexistent\/hosts/],
      [['fleet', 'deploy', 'x', '--parallel', '0'], /--parallel takes a whole number/],
      [['uninstall', 'h'], /pass --yes to confirm/],
      [
        ['status', 'h', '--host-key', 'MD5:12:34'],
        /--host-key: "MD5:12:34" is not a SHA256 host key fingerprint/,
      ],
      [['deploy', 'h', '--memory-max', '12'], /--memory-max takes a whole number of MB/],
    ];
    const results = await Promise.all(cases.map(([args]) => runMono(args)));
    results.forEach((r, i) => {
      assert.equal(r.code, 2, `${cases[i]![0].join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, cases[i]![1]);
      assert.match(r.stderr, /Usage: mono /);
    });
  });

  it('--help lists the connection options', async () => {
    const r = await runMono(['deploy', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /--accept-new-host-key/);
    assert.match(r.stdout, /--env-file FILE/);
  });

  it('a bad env file or mirror fails before connecting, as a step event and a result', async () => {
    // (A missing --env-file never reaches MONO on Node 20: node itself reads that flag anywhere in argv.)
    const dir = await mkdtemp(join(tmpdir(), 'mono-cli-unit-'));
    const envFile = join(dir, 'agent.env');
    await writeFile(envFile, 'TELEGRAM_BOT_TOKEN=123:secret-value\nthis line is no setting\n');
    const bad = await runMono(['deploy', 'root@192.0.2.1', '--json', '--env-file', envFile]);
    assert.equal(bad.code, 1);
    assert.ok(!bad.stdout.includes('secret-value'));
    assert.match(bad.stdout, /line 2 is not KEY=value/);
    assert.deepEqual(
      bad.events.map((e) => [e.type, e.step ?? '', e.status ?? e.ok]),
      [
        ['step', 'secrets', 'fail'],
        ['result', '', false],
      ],
    );
    // A secret pasted with a line break (the quote never closes on its line) is refused the same way.
    await writeFile(envFile, 'ANTHROPIC_API_KEY="sk-ant-secret-value\nMONO_HTTP_HOST=0.0.0.0"\n');
    const newline = await runMono(['deploy', 'root@192.0.2.1', '--env-file', envFile]);
    assert.equal(newline.code, 1);
    assert.match(newline.stderr, /line 1: the quoted value of ANTHROPIC_API_KEY does not end on its line/);
    assert.ok(!(newline.stdout + newline.stderr).includes('secret-value'));
    const missing = await runMono(['deploy', 'root@192.0.2.1', '--secrets', '/nonexistent/agent.env']);
    assert.equal(missing.code, 1);
    assert.match(
      missing.stderr,
      /secrets failed on root@192\.0\.2\.1: cannot read \/nonexistent\/agent\.env \(ENOENT\)/,
    );
    const mirror = await runMono(['deploy', 'root@192.0.2.1', '--node-mirror', 'https://x/$(id)']);
    assert.equal(mirror.code, 1);
    assert.match(
      mirror.stderr,
      /node failed on root@192\.0\.2\.1: "https:\/\/x\/\$\(id\)" is not a usable Node mirror URL/,
    );
    const http = await runMono(['deploy', 'root@192.0.2.1', '--node-mirror', 'http://nodejs.org/dist']);
    assert.match(http.stderr, /is not a usable Node mirror URL \(https only\)/);
    const unpinned = await runMono(['deploy', 'root@192.0.2.1', '--node-version', '22.1.0']);
    assert.equal(unpinned.code, 1);
    assert.match(unpinned.stderr, /no pinned checksum for Node 22\.1\.0[\s\S]*--node-sha256/);
    await rm(dir, { recursive: true, force: true });
  });

  it('a host where nothing listens fails at connect, saying why and what to do (text and --json)', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((r) => server.close(() => r()));
    const home = await mkdtemp(join(tmpdir(), 'mono-cli-unit-'));
    try {
      const text = await runMono(['status', `root@127.0.0.1:${port}`], { MONO_HOME: home });
      assert.equal(text.code, 1);
      assert.match(
        text.stderr,
        new RegExp(
          `mono status: connect failed on root@127\\.0\\.0\\.1:${port}: root@127\\.0\\.0\\.1:${port} refused the connection\\n  → Check the host and port`,
        ),
      );
      const json = await runMono(
        ['deploy', `root@127.0.0.1:${port}`, '--json', '--release', join(home, 'none')],
        { MONO_HOME: home },
      );
      assert.equal(json.code, 1);
      const last = json.events.at(-1) as { type: string; ok: boolean; error: { name: string; step: string } };
      assert.deepEqual(
        [last.type, last.ok, last.error.name, last.error.step],
        ['result', false, 'SshError', 'connect'],
      );
      assert.ok(json.events.some((e) => e.step === 'connect' && e.status === 'fail'));
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
