// A linked device's keys on this computer, packed for the VPS: unpacked by the system's tar (as the server does)
// they are the same files with the same bytes; a symbolic link is never followed or carried; no keys, no archive.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { linkedDeviceArchive } from '../../../src-main/backup/linked-device.ts';

const dir = mkdtempSync(join(tmpdir(), 'mono-linked-archive-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('the keys unpack as the same files; links are left out; no keys, no archive', async () => {
  const data = join(dir, 'agent');
  mkdirSync(data);
  assert.equal(await linkedDeviceArchive(data), undefined, 'no whatsapp-auth folder');
  const auth = join(data, 'whatsapp-auth');
  mkdirSync(auth, { mode: 0o700 });
  assert.equal(await linkedDeviceArchive(data), undefined, 'an empty folder');
  writeFileSync(join(dir, 'outside.txt'), 'not a key');
  const files: Record<string, string> = {
    'creds.json': '{"noiseKey":"known-creds-content"}',
    'pre-key-1.json': '{"private":"known-pre-key"}',
    'nested/session-4915112345678.0.json': '{"session":"known"}',
  };
  mkdirSync(join(auth, 'nested'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(auth, name), content);
  symlinkSync(join(dir, 'outside.txt'), join(auth, 'link.json'));

  const archive = await linkedDeviceArchive(data);
  assert.ok(archive);
  const out = join(dir, 'out');
  mkdirSync(out);
  execFileSync('tar', ['-C', out, '-xzf', '-', 'whatsapp-auth'], { input: archive });
  const listed = execFileSync('find', ['whatsapp-auth', '-type', 'f'], { cwd: out, encoding: 'utf8' })
    .trim()
    .split('\n')
    .sort();
  assert.deepEqual(
    listed,
    Object.keys(files)
      .map((name) => `whatsapp-auth/${name}`)
      .sort(),
  );
  for (const [name, content] of Object.entries(files))
    assert.equal(readFileSync(join(out, 'whatsapp-auth', name), 'utf8'), content);
});
