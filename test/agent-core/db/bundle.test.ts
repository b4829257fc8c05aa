// The datastore layer works from an esbuild bundle copied away from node_modules, with the native addon and the
// schema beside it — the layout agent-core/build.mjs produces in agent-core/dist/.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { platformAddonName } from '../../../agent-core/db/native-engine.ts';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..', '..');

test('a bundle finds the addon and the schema beside itself', { timeout: 60_000 }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'mono-bundle-'));
  try {
    await build({
      entryPoints: [join(import.meta.dirname, 'fixtures', 'bundle-entry.ts')],
      outfile: join(out, 'mono-agent.js'),
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      banner: {
        js: "import { createRequire as __monoRequire } from 'node:module'; const require = __monoRequire(import.meta.url);",
      },
      logLevel: 'error',
    });
    writeFileSync(join(out, 'package.json'), '{"type":"module"}\n');
    cpSync(join(root, 'agent-core', 'db', 'schema'), join(out, 'schema'), { recursive: true });
    const addon = `surrealdb-node.${platformAddonName()}.node`;
    copyFileSync(join(root, 'node_modules', '@surrealdb', 'node', 'dist', addon), join(out, addon));
    const env = { ...process.env };
    delete env.NAPI_RS_NATIVE_LIBRARY_PATH;
    const { stdout } = await run(process.execPath, [join(out, 'mono-agent.js')], {
      cwd: out,
      env,
      timeout: 50_000,
    });
    const outcome = JSON.parse(stdout) as { kind: string; dir: string; applied: string[]; healthy: boolean };
    assert.equal(outcome.kind, 'embedded');
    assert.equal(outcome.dir, join(out, 'schema/'));
    assert.ok(outcome.applied.includes('001-core'));
    assert.equal(outcome.healthy, true);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
