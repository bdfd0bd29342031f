#!/usr/bin/env node
// Runs the compiled test files with Node's own test runner. Node 20 does not expand globs for
// `node --test`, so the file list is gathered here. Usage: run-tests.mjs [unit|integration|FILTER…]
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = 'dist/test';
const filters = process.argv.slice(2);

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...walk(path));
    else if (name.endsWith('.test.js')) out.push(path);
  }
  return out;
}

const files = walk(root).filter((f) => filters.length === 0 || filters.some((x) => relative(root, f).includes(x)));
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ') || '(all)'} under ${root}`);
  process.exit(1);
}
const concurrency = process.env.KAPPA_TEST_CONCURRENCY ?? '2';
// --test-force-exit: a client library that keeps a socket or timer alive after its test passed must
// not keep the run waiting; --test-timeout bounds any single test that hangs.
const result = spawnSync(process.execPath, ['--test', '--test-force-exit', '--test-timeout=300000', `--test-concurrency=${concurrency}`, ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
