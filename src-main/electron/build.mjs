#!/usr/bin/env node
// Builds what Electron runs: the main process (ESM) and the sandboxed preload (CommonJS) into dist/electron/,
// and the renderer into dist/renderer/ with Vite. `bundleElectron` is exported for the build test.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export async function bundleElectron(outDir = join(root, 'dist', 'electron')) {
  const common = {
    bundle: true,
    platform: 'node',
    target: 'node22',
    // Optional native speed-ups of ws and ssh2 stay out: both fall back to JavaScript when they are missing.
    external: ['electron', 'bufferutil', 'utf-8-validate', 'cpu-features', '*.node'],
    sourcemap: 'linked',
    logLevel: 'warning',
  };
  await build({
    ...common,
    entryPoints: [join(root, 'src-main', 'electron', 'main.ts')],
    outfile: join(outDir, 'main.mjs'),
    format: 'esm',
    banner: {
      js: "import { createRequire as __monoRequire } from 'node:module'; const require = __monoRequire(import.meta.url);",
    },
  });
  await build({
    ...common,
    entryPoints: [join(root, 'src-main', 'electron', 'preload.ts')],
    outfile: join(outDir, 'preload.cjs'),
    format: 'cjs',
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // Installers need Electron itself, an optional dependency that npm installs only on Node.js 22.12 or newer.
  if (process.argv.includes('--for-installers')) {
    try {
      createRequire(import.meta.url).resolve('electron/package.json');
    } catch {
      console.error(
        `Building installers needs Electron, which npm installs only with Node.js 22.12 or newer (this is ${process.versions.node}).\nInstall Node.js 22.12+, run npm install again, then npm run dist.`,
      );
      process.exit(1);
    }
  }
  await bundleElectron();
  const vite = spawnSync(
    process.execPath,
    [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'],
    { cwd: root, stdio: 'inherit' },
  );
  process.exit(vite.status ?? 1);
}
