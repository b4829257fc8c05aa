// `mono start` where Electron's binary is missing (as here): it serves the UI through the bridge, prints the
// address with the launch key, answers on it, and stops cleanly on SIGTERM.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ensureRendererBuilt, ROOT } from '../renderer/harness.ts';

test('mono start --browser prints the address, serves the app and stops on SIGTERM', {
  timeout: 60_000,
}, async () => {
  ensureRendererBuilt();
  const dataDir = mkdtempSync(join(tmpdir(), 'mono-start-'));
  const child = spawn(
    process.execPath,
    [join(ROOT, 'src-main', 'cli', 'bin.js'), 'start', '--browser', '--data-dir', dataDir],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  try {
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no address printed:\n${out}`)), 45_000);
      child.stdout.on('data', (chunk) => {
        out += String(chunk);
        const match = /http:\/\/127\.0\.0\.1:\d+\/#key=[\w-]+/.exec(out);
        if (match) {
          clearTimeout(timer);
          resolve(match[0]);
        }
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}:\n${out}`)));
    });
    const page = await fetch(url.split('#')[0] as string);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<div id="root">/);
    assert.match(out, /Open this address in your browser/);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
});
