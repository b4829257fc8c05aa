#!/usr/bin/env node
// Builds the deployable agent: agent-core/dist/ holds mono-agent.js (one ESM bundle), the SurrealDB schema and
// the native SurrealDB addons for the platforms a release can run on. Copy dist/ anywhere and run
// `node mono-agent.js`: nothing else is needed at run time.
//
//   node agent-core/build.mjs [--out DIR] [--version X.Y.Z]
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const { values } = parseArgs({ options: { out: { type: 'string' }, version: { type: 'string' } } });
const finalDir = values.out ?? join(here, 'dist');
// Built beside the target and swapped in at the end: tests running the previous build never see half a dist/.
const outDir = `${finalDir}.building-${process.pid}`;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const version = values.version ?? pkg.version;

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });

await build({
  entryPoints: { 'mono-agent': join(here, 'main.ts') },
  outdir: outDir,
  // Features loaded with import() (email, WhatsApp, Claude's SDK, Stripe) become chunks read only when used.
  // They sit beside mono-agent.js so that paths relative to import.meta.url (schema/, the addon) hold in all.
  splitting: true,
  chunkNames: 'chunk-[name]-[hash]',
  bundle: true,
  // Node's built-in fetch and AbortController for grammY instead of the polyfills its Node build imports.
  alias: {
    'node-fetch': join(here, 'build-shims', 'node-fetch.js'),
    'abort-controller': join(here, 'build-shims', 'abort-controller.js'),
    // Start-up: no pino transport code (never used), node:assert loaded on first use.
    'thread-stream': join(here, 'build-shims', 'thread-stream.cjs'),
    assert: join(here, 'build-shims', 'assert.cjs'),
  },
  platform: 'node',
  target: 'node20',
  format: 'esm',
  minify: true,
  // node-fetch (under grammY) recognises AbortSignal by its class name: mangled names break every API call.
  keepNames: true,
  sourcemap: 'linked',
  legalComments: 'none',
  // CommonJS dependencies call require() for Node's built-ins; give the ESM bundle a real one. One for all
  // chunks (they sit in one folder, so it resolves the same for each): each createRequire costs start-up time.
  banner: {
    js: "import { createRequire as __monoCreateRequire } from 'node:module'; const require = (globalThis.__monoRequire ??= __monoCreateRequire(import.meta.url));",
  },
  define: { __MONO_VERSION__: JSON.stringify(version) },
  logLevel: 'warning',
});

// The schema is read from beside the bundle at start (agent-core/db/schema in development).
cpSync(join(here, 'db', 'schema'), join(outDir, 'schema'), { recursive: true });

// @surrealdb/node loads `./surrealdb-node.<platform>.node` relative to the bundle. Ship the Linux builds
// a VPS can run plus the one for this machine (local mode); a release for one VPS keeps only its own.
const addonDir = join(root, 'node_modules', '@surrealdb', 'node', 'dist');
const wanted = new Set(['linux-x64-gnu', 'linux-arm64-gnu', hostAddonName()]);
for (const name of wanted) {
  const file = join(addonDir, `surrealdb-node.${name}.node`);
  if (existsSync(file)) copyFileSync(file, join(outDir, `surrealdb-node.${name}.node`));
}

writeFileSync(
  join(outDir, 'package.json'),
  `${JSON.stringify({ name: 'mono-agent', version, type: 'module', private: true, engines: { node: '>=20.12' } }, null, 2)}\n`,
);
const oldDir = `${finalDir}.old-${process.pid}`;
if (existsSync(finalDir)) renameSync(finalDir, oldDir);
renameSync(outDir, finalDir);
rmSync(oldDir, { recursive: true, force: true });
console.log(`built mono-agent ${version} → ${finalDir}`);

function hostAddonName() {
  const { platform, arch } = process;
  if (platform === 'linux') return `linux-${arch}-${isMusl() ? 'musl' : 'gnu'}`;
  if (platform === 'win32') return `win32-${arch}-msvc`;
  return `${platform}-${arch}`;
}

function isMusl() {
  return !process.report?.getReport()?.header?.glibcVersionRuntime;
}
