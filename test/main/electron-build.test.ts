// Electron cannot run here, so this checks what it would load: the main bundle and the sandboxed preload build,
// the preload is small CommonJS that needs nothing but Electron, and the contract's schemas stay in main.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
// @ts-expect-error: a plain .mjs build script without types
import { bundleElectron } from '../../src-main/electron/build.mjs';

test('the main process and the preload bundle; the preload only requires electron', {
  timeout: 60_000,
}, async () => {
  const out = mkdtempSync(join(tmpdir(), 'mono-electron-'));
  try {
    await bundleElectron(out);
    const preload = readFileSync(join(out, 'preload.cjs'), 'utf8');
    const requires = [...preload.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]);
    assert.deepEqual([...new Set(requires)], ['electron']);
    assert.ok(preload.includes('exposeInMainWorld'));
    assert.ok(preload.length < 10_000, `preload is ${preload.length} bytes`);
    assert.doesNotMatch(preload, /ZodError|safeParse/);
    const main = readFileSync(join(out, 'main.mjs'), 'utf8');
    assert.match(main, /from "electron"/);
    assert.match(main, /requestSingleInstanceLock/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
