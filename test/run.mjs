#!/usr/bin/env node
// Runs the test suite with Node's own test runner (TypeScript through tsx).
// `node test/run.mjs [dir-or-file …]` runs a part of it; with no argument, everything under test/.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function collect(path, out) {
  if (statSync(path).isDirectory()) {
    for (const name of readdirSync(path).sort()) collect(join(path, name), out);
  } else if (/\.test\.tsx?$/.test(path)) {
    out.push(path);
  }
  return out;
}

const roots = process.argv.slice(2);
const files = (roots.length ? roots : ['test']).flatMap((root) => collect(root, []));
if (files.length === 0) {
  console.error('No test files found under', roots.join(' ') || 'test/');
  process.exit(1);
}
const concurrency = process.env.MONO_TEST_CONCURRENCY ?? '2';
// --test-force-exit: a file whose tests are done exits even if something it broke still holds the event loop (a
// request the engine never answers, say), so a regression fails the run instead of hanging it.
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-force-exit', `--test-concurrency=${concurrency}`, ...files],
  { stdio: 'inherit', env: { ...process.env, MONO_LOG_LEVEL: process.env.MONO_LOG_LEVEL ?? 'warn' } },
);
process.exit(result.status ?? 1);
