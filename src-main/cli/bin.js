#!/usr/bin/env node
// `mono` — the command-line entry. Runs the TypeScript CLI through tsx (no build step for the CLI itself).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
const code = await main(process.argv.slice(2));
process.exitCode = code;
// A library may leave a socket or timer behind; once output has drained, the command is over.
setTimeout(() => process.exit(code), 200).unref();
