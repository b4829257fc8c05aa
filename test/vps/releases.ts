// Agent releases for the VPS tests: the real agent bundled once from the last commit, then one copy per
// version, each reporting its own version; a `fault` makes a release fail the way a real one can.
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const REPO = new URL('../../', import.meta.url).pathname;

/**
 * How a test release fails. `crash-after`: exits `seconds` after its /healthz first answered ok (once healthy,
 * then again after every restart). `never-healthy`: runs but never serves. `degraded`: serves, but /healthz says
 * `degraded`. `failing-migration`: a new migration that deletes every message, then one that fails. `hanging-stop`:
 * never healthy, and ignores SIGTERM (systemd must kill it).
 */
export type Fault =
  | { kind: 'crash-at-start' }
  | { kind: 'crash-after'; seconds: number }
  | { kind: 'never-healthy' }
  | { kind: 'degraded' }
  | { kind: 'failing-migration' }
  | { kind: 'hanging-stop' };

/** A version string that appears nowhere else in the bundle: each release's own version replaces it. */
const BASE_VERSION = '0.0.0-mono-test-base-5d8c1f';

const builds = new Map<string, Promise<string>>();
let base: Promise<string> | undefined;
let source: Promise<string> | undefined;

/**
 * The agent sources to build from: the last commit (git archive), so a teammate's half-saved file in the shared
 * working tree cannot break these tests. MONO_VPS_AGENT_SOURCE=worktree builds the working tree instead, any
 * other value is taken as a git revision.
 */
function agentSource(): Promise<string> {
  source ??= (async () => {
    const rev = process.env.MONO_VPS_AGENT_SOURCE ?? 'HEAD';
    if (rev === 'worktree') return REPO;
    const dir = await mkdtemp(join(tmpdir(), 'mono-agent-src-'));
    await run('sh', ['-c', `git -C ${REPO} archive ${rev} agent-core package.json | tar -x -C ${dir}`], {
      timeout: 120_000,
    });
    await symlink(join(REPO, 'node_modules'), join(dir, 'node_modules'));
    return dir;
  })();
  return source;
}

/** One real bundle (`node agent-core/build.mjs`) per test process; on a busy machine this takes a while. */
function bundleBase(): Promise<string> {
  base ??= (async () => {
    const root = await agentSource();
    const out = await mkdtemp(join(tmpdir(), 'mono-release-base-'));
    try {
      await run(
        process.execPath,
        [join(root, 'agent-core/build.mjs'), '--out', out, '--version', BASE_VERSION],
        { cwd: root, timeout: 600_000 },
      );
    } catch (error) {
      await rm(out, { recursive: true, force: true });
      throw error;
    }
    return out;
  })();
  return base;
}

/**
 * A release of the real agent with the given version: the base bundle with its version literal replaced (what
 * `build.mjs --version X` would have baked in), so it reports `version` on /healthz and is a build of its own.
 */
export function buildRelease(version: string, o: { broken?: boolean; fault?: Fault } = {}): Promise<string> {
  const fault = o.fault ?? (o.broken ? { kind: 'crash-at-start' } : undefined);
  const id = `${version}${fault ? `-${fault.kind}` : ''}`;
  let build = builds.get(id);
  if (!build) {
    build = derive(version, fault, id);
    builds.set(id, build);
  }
  return build;
}

async function derive(version: string, fault: Fault | undefined, id: string): Promise<string> {
  const from = await bundleBase();
  const out = await mkdtemp(join(tmpdir(), `mono-release-${id}-`));
  await cp(from, out, { recursive: true });
  let found = false;
  for (const name of await readdir(out)) {
    if (!name.endsWith('.js') && name !== 'package.json') continue;
    const text = await readFile(join(out, name), 'utf8');
    if (!text.includes(BASE_VERSION)) continue;
    if (name.endsWith('.js')) found = true;
    await writeFile(join(out, name), text.split(BASE_VERSION).join(version));
  }
  if (!found) throw new Error(`the bundle does not contain its version literal ${BASE_VERSION}`);
  if (fault) await applyFault(out, fault);
  return out;
}

const exit = (message: string) =>
  `console.error(${JSON.stringify(`mono-agent: ${message}`)}); process.exit(3);`;

/** Code run before the agent's own (an ES module's statements run in order after its imports are loaded). */
function preamble(fault: Fault): string {
  switch (fault.kind) {
    case 'crash-at-start':
      return exit('this release is broken on purpose');
    case 'crash-after':
      return `{ const port = process.env.MONO_HTTP_PORT ?? '7420'; const t = setInterval(async () => { try { if ((await fetch('http://127.0.0.1:' + port + '/healthz')).ok) { clearInterval(t); setTimeout(() => { ${exit(`crashing on purpose ${fault.seconds} s after becoming healthy`)} }, ${fault.seconds * 1000}); } } catch {} }, 250); }`;
    case 'never-healthy':
      return `console.error('mono-agent: this release never serves, on purpose'); setInterval(() => {}, 60000); await new Promise(() => {});`;
    case 'hanging-stop':
      return `console.error('mono-agent: this release hangs when stopped, on purpose'); process.on('SIGTERM', () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0)); setInterval(() => {}, 60000); await new Promise(() => {});`;
    default:
      return '';
  }
}

async function applyFault(dir: string, fault: Fault): Promise<void> {
  const code = preamble(fault);
  if (code) {
    const entry = join(dir, 'mono-agent.js');
    await writeFile(entry, `${code}\n${await readFile(entry, 'utf8')}`);
  }
  if (fault.kind === 'degraded') {
    // The health answer's `status: <healthy> ? 'ok' : 'degraded'` (whatever the condition), minified: always degraded.
    let patched = false;
    for (const name of (await readdir(dir)).filter((n) => n.endsWith('.js'))) {
      const text = await readFile(join(dir, name), 'utf8');
      const next = text.replace(/status:[^,{}?]+\?"ok":"degraded"/g, 'status:"degraded"');
      if (next !== text) {
        patched = true;
        await writeFile(join(dir, name), next);
      }
    }
    if (!patched) throw new Error('no health status expression found to make degraded');
  }
  if (fault.kind === 'failing-migration') {
    // Two new migrations: the first deletes every message (it manages its own transaction, so it is committed
    // and recorded), the second fails on every start. What the first did is what the snapshot must undo.
    await writeFile(
      join(dir, 'schema', '900-forget-messages.surql'),
      '-- Damages data on purpose: commits on its own.\nBEGIN TRANSACTION;\nDELETE message;\nCOMMIT TRANSACTION;\n',
    );
    await writeFile(
      join(dir, 'schema', '901-fails-on-purpose.surql'),
      '-- Fails on purpose, on every start.\nTHROW "this migration fails on purpose";\n',
    );
  }
}

export async function removeBuilds(): Promise<void> {
  for (const b of builds.values())
    await rm(await b.catch(() => ''), { recursive: true, force: true }).catch(() => {});
  builds.clear();
  const b = await base?.catch(() => undefined);
  if (b) await rm(b, { recursive: true, force: true });
  base = undefined;
  const src = await source?.catch(() => undefined);
  if (src && src !== REPO) await rm(src, { recursive: true, force: true });
  source = undefined;
}
