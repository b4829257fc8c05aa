// The agent's version: baked into the bundle by the build (agent-core/build.mjs), read from package.json in development.
import { readFileSync } from 'node:fs';

declare const __MONO_VERSION__: string | undefined;

export const VERSION: string =
  typeof __MONO_VERSION__ === 'string'
    ? __MONO_VERSION__
    : (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
        .version;
