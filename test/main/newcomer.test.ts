// What a newcomer meets first: CI runs exactly the commands the README tells them to run, Electron (whose tooling
// needs Node.js 22.12+) is optional so `npm install` on Node 20 is clean, and `mono start` says why it opens the
// browser on an older Node instead of failing.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import { NODE_MIN, nodeRunsElectron, nodeSupported } from '../../src-main/cli/commands/start.ts';
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

/** The part of the installed `semver` (a dependency of our tooling) this check uses. */
const semver = createRequire(import.meta.url)('semver') as {
  subset(range: string, of: string): boolean;
  satisfies(version: string, range: string): boolean;
  validRange(range: string): string | null;
};

test('package.json asks for a Node.js every installed package accepts, and the README says the same', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const ours: string = pkg.engines.node;
  assert.ok(semver.validRange(ours), ours);
  // npm's record of what it installed says which packages are optional (Electron, platform binaries): those may
  // ask for more, npm skips them on an older Node.
  const installed = JSON.parse(readFileSync(join(ROOT, 'node_modules', '.package-lock.json'), 'utf8')) as {
    packages: Record<string, { optional?: boolean }>;
  };
  const stricter: string[] = [];
  let checked = 0;
  for (const [path, entry] of Object.entries(installed.packages)) {
    const manifest = join(ROOT, path, 'package.json');
    if (entry.optional || !existsSync(manifest)) continue;
    const wants = JSON.parse(readFileSync(manifest, 'utf8')).engines?.node as string | undefined;
    if (typeof wants !== 'string' || !semver.validRange(wants)) continue;
    checked++;
    if (!semver.subset(ours, wants)) stricter.push(`${path.replace(/^.*node_modules\//, '')} wants ${wants}`);
  }
  assert.ok(checked > 100, `only ${checked} packages declare a Node.js version`);
  assert.deepEqual(stricter, [], `engines.node is ${ours}, but`);
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  assert.match(readme, new RegExp(`On a machine with Node\\.js ${NODE_MIN.replace(/[.()]/g, '\\$&')}`));
});

test('mono start refuses a Node.js that package.json does not accept, and says which one it needs', () => {
  const range = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).engines.node as string;
  for (const version of [
    '18.20.4',
    '20.12.2',
    '20.18.3',
    '20.19.0',
    '20.20.2',
    '21.7.3',
    '22.11.0',
    '22.12.0',
    '24.1.0',
  ])
    assert.equal(nodeSupported(version), semver.satisfies(version, range), version);
  assert.equal(nodeSupported('20.12.2'), false);
});
