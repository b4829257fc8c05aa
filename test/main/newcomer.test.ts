// What a newcomer meets first: CI runs exactly the commands the README tells them to run, Electron (whose tooling
// needs Node.js 22.12+) is optional so `npm install` on Node 20 is clean, and `mono start` says why it opens the
// browser on an older Node instead of failing.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { nodeRunsElectron } from '../../src-main/cli/commands/start.ts';
import { ROOT } from '../renderer/harness.ts';

test('CI runs exactly the two commands the README gives for the tests', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = /Run the whole test suite:\n\n```sh\n(.+)\n```/.exec(readme)?.[1] ?? '';
  const fromReadme = block.split('&&').map((c) => c.trim());
  const ci = readFileSync(join(ROOT, '.ci', 'run'), 'utf8')
    .split('\n')
    .filter((line) => line.trim() && !line.startsWith('#') && !/^(set|cd) /.test(line));
  assert.deepEqual(ci, fromReadme);
  assert.deepEqual(fromReadme, ['npm install', 'npm test']);
});

test('Electron and its packaging tools do not burden npm install on Node 20', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  assert.equal(pkg.optionalDependencies?.electron !== undefined, true, 'electron is optional');
  assert.equal(pkg.dependencies.electron, undefined);
  assert.equal(pkg.devDependencies.electron, undefined);
  assert.equal(pkg.devDependencies['electron-builder'], undefined, 'fetched by npx at packaging time');
  assert.match(pkg.scripts.dist, /npx --yes electron-builder@\d+\.\d+\.\d+ /, 'pinned');
});

test('the desktop app needs Node.js 22.12 or newer; older versions use the browser', () => {
  assert.equal(nodeRunsElectron('20.20.2'), false);
  assert.equal(nodeRunsElectron('22.11.0'), false);
  assert.equal(nodeRunsElectron('22.12.0'), true);
  assert.equal(nodeRunsElectron('24.1.0'), true);
});
