#!/usr/bin/env node
// Builds data/nasdaq-symbols.csv, the symbols the market simulator quotes, from NASDAQ's public-domain
// listing file (../shared/data/nasdaq-listed-symbols.csv by default): test issues are dropped, and
// only the columns the feed uses are kept. The output is committed, so a build never needs ../shared.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const input = process.argv[2] ?? join(root, '..', 'shared', 'data', 'nasdaq-listed-symbols.csv');
const output = join(root, 'data', 'nasdaq-symbols.csv');

/** RFC 4180 fields of one line (quoted fields may hold commas and doubled quotes). */
function fields(line) {
  const out = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') (cur += '"'), i++;
      else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') out.push(cur), (cur = '');
    else cur += c;
  }
  out.push(cur);
  return out;
}

const quote = (s) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
const lines = readFileSync(input, 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '');
const header = fields(lines[0]);
const col = (name) => {
  const i = header.indexOf(name);
  if (i < 0) throw new Error(`${input}: no column ${name}`);
  return i;
};
const [sym, company, category, test, status, lot, etf] = ['Symbol', 'Company Name', 'Market Category', 'Test Issue', 'Financial Status', 'Round Lot Size', 'ETF'].map(col);
const rows = lines
  .slice(1)
  .map(fields)
  .filter((f) => f[test] === 'N' && /^[A-Z]+$/.test(f[sym]))
  .map((f) => [f[sym], f[company], f[category], f[etf], f[status], f[lot]])
  .sort((a, b) => (a[0] < b[0] ? -1 : 1));
const text = ['symbol,companyName,marketCategory,etf,financialStatus,roundLot', ...rows.map((r) => r.map(quote).join(','))].join('\n') + '\n';
writeFileSync(output, text);
console.log(`wrote ${rows.length} symbols to ${output}`);
