#!/usr/bin/env node
// Thin launcher: the CLI is compiled TypeScript (npm run build).
import { main } from '../dist/src/cli/main.js';

const code = await main(process.argv.slice(2));
// Let stdout drain (it may be a pipe) before exiting; exit explicitly so a stray handle cannot hang.
process.stdout.write('', () => process.exit(code));
