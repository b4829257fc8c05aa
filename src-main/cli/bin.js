#!/usr/bin/env node
// `mono` — the command-line entry. Runs the TypeScript CLI through tsx (no build step for the CLI itself).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
