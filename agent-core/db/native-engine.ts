// Loads SurrealDB's embedded engine (the raw `SurrealNodeEngine` class inside @surrealdb/node's platform addon),
// both from node_modules in development and from beside the bundle in agent-core/dist/.
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Options the embedded engine accepts at connect (same as @surrealdb/node's ConnectionOptions). */
export interface RawEngineOptions {
  strict?: boolean;
  query_timeout?: number;
  transaction_timeout?: number;
  capabilities?: boolean | Record<string, unknown>;
}

/** One embedded datastore. `execute` takes and returns CBOR: the WebSocket RPC request / its result or `{error}`. */
export interface RawEngine {
  execute(request: Uint8Array): Promise<Uint8Array>;
  notifications(): Promise<RawNotificationReceiver>;
  import(sql: string): Promise<void>;
  export(options: Uint8Array): Promise<string>;
  free(): void;
}

/** The single stream of live-query notifications of one engine (CBOR; `null` once the engine is gone). */
export interface RawNotificationReceiver {
  recv(): Promise<Uint8Array | null>;
}

export interface RawEngineClass {
  connect(url: string, options?: RawEngineOptions): Promise<RawEngine>;
  version?(): string;
}

/** The addon could not be found or loaded; says where it looked. */
export class NativeEngineLoadError extends Error {
  override readonly name = 'NativeEngineLoadError';
  constructor(
    readonly addon: string,
    readonly tried: string[],
    readonly causes: unknown[],
  ) {
    super(
      `SurrealDB's native addon ${addon} could not be loaded (looked in: ${tried.join(', ') || 'nowhere'}). ` +
        'Rebuild the agent with `npm run build` (the addon must sit beside mono-agent.js), reinstall node_modules, ' +
        'or point NAPI_RS_NATIVE_LIBRARY_PATH at the .node file. @surrealdb/node 3.x needs glibc >= 2.35.',
    );
  }
}

let cached: RawEngineClass | undefined;

/**
 * SurrealKV sizes its block cache and value-log files from the machine's memory, which it learns by reading every
 * process in /proc (sysinfo's System::new_all): ~25 ms of each start, and a cache of half the RAM. A personal
 * agent's datastore is small, so fixed sizes (what the engine itself picks on a 2 GB VPS) unless you set them.
 */
export const ENGINE_ENV_DEFAULTS: Readonly<Record<string, string>> = {
  SURREAL_SURREALKV_BLOCK_CACHE_CAPACITY: String(16 * 1024 * 1024),
  SURREAL_SURREALKV_VLOG_MAX_FILE_SIZE: String(64 * 1024 * 1024),
};

/** The raw engine class, loaded once per process. */
export function loadNativeEngine(): RawEngineClass {
  if (cached) return cached;
  // Read by the engine when it first opens a datastore; set before it is loaded, while no other thread reads them.
  for (const [name, value] of Object.entries(ENGINE_ENV_DEFAULTS)) process.env[name] ??= value;
  const addon = addonName();
  const require = createRequire(import.meta.url);
  const tried: string[] = [];
  const causes: unknown[] = [];
  for (const file of candidateFiles(addon)) {
    tried.push(file);
    if (!existsSync(file)) continue;
    try {
      const binding = require(file) as { SurrealNodeEngine?: RawEngineClass };
      if (typeof binding.SurrealNodeEngine?.connect !== 'function') {
        causes.push(new Error(`${file} has no SurrealNodeEngine.connect`));
        continue;
      }
      cached = binding.SurrealNodeEngine;
      return cached;
    } catch (error) {
      causes.push(error);
    }
  }
  throw new NativeEngineLoadError(addon, tried, causes);
}

/** The addon file that would be tried first and exists (the datastore bench loads it into a bare process). */
export function nativeAddonFile(): string | undefined {
  return candidateFiles(addonName()).find((file) => existsSync(file));
}

function addonName(): string {
  return `surrealdb-node.${platformAddonName()}.node`;
}

/**
 * Where the addon may be, in order: an explicit override (the variable @surrealdb/node itself honours), beside
 * this module (the bundle: dist/mono-agent.js with the .node files next to it), then the installed package.
 */
function candidateFiles(addon: string): string[] {
  const files: string[] = [];
  const override = process.env.NAPI_RS_NATIVE_LIBRARY_PATH;
  if (override) files.push(override);
  const here = dirname(fileURLToPath(import.meta.url));
  files.push(join(here, addon));
  const packageDir = installedPackageDir();
  if (packageDir) files.push(join(packageDir, addon));
  // Walk up from here to find node_modules (a copy of the source tree without a resolvable package entry).
  let dir = here;
  for (let i = 0; i < 6; i++) {
    files.push(join(dir, 'node_modules', '@surrealdb', 'node', 'dist', addon));
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return [...new Set(files)];
}

function installedPackageDir(): string | undefined {
  // The specifier sits in a variable so that esbuild leaves it alone in the bundle, where it may not resolve.
  const specifier = '@surrealdb/node';
  try {
    return dirname(fileURLToPath(import.meta.resolve(specifier)));
  } catch {
    return undefined;
  }
}

/** napi-rs's name for this platform (same as agent-core/build.mjs ships). */
export function platformAddonName(): string {
  const { platform, arch } = process;
  if (platform === 'linux') return `linux-${arch}-${isMusl() ? 'musl' : 'gnu'}`;
  if (platform === 'win32') return `win32-${arch}-msvc`;
  return `${platform}-${arch}`;
}

/**
 * musl's dynamic loader is /lib/ld-musl-<arch>.so.1. (Asking process.report for the glibc version instead costs
 * ~5 ms of every start.)
 */
function isMusl(): boolean {
  try {
    return readdirSync('/lib').some((name) => name.startsWith('ld-musl-'));
  } catch {
    return false;
  }
}
