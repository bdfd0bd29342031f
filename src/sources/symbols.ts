// The NASDAQ-listed symbols the simulator quotes, shipped in data/nasdaq-symbols.csv (built from
// NASDAQ's public-domain listing by scripts/gen-symbols.mjs). `--top N` takes the most traded first:
// a short list of the largest NASDAQ companies leads, the rest follow in file order.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { csvFields } from './file-replay.js';

export interface SymbolInfo {
  symbol: string;
  companyName: string;
  marketCategory: string;
  etf: boolean;
  roundLot: number;
}

/** Large NASDAQ listings, most active first (by typical dollar volume); leads `--top`. */
const MOST_ACTIVE = [
  'NVDA', 'AAPL', 'MSFT', 'AMZN', 'META', 'GOOGL', 'TSLA', 'AVGO', 'GOOG', 'COST', 'NFLX', 'AMD', 'PEP', 'ADBE', 'QCOM', 'CSCO',
  'TMUS', 'INTC', 'AMAT', 'INTU', 'TXN', 'CMCSA', 'AMGN', 'ISRG', 'HON', 'BKNG', 'MU', 'LRCX', 'ADI', 'VRTX', 'REGN', 'PANW',
  'SBUX', 'GILD', 'MDLZ', 'ADP', 'KLAC', 'SNPS', 'CDNS', 'MELI', 'PYPL', 'CRWD', 'MAR', 'ABNB', 'ORLY', 'CTAS', 'MRVL', 'FTNT',
];

function dataFile(): string {
  // dist/src/sources or src/sources: the repository's data/ is three or two levels up.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'data', 'nasdaq-symbols.csv');
    try {
      readFileSync(candidate, { flag: 'r' }).subarray(0, 0);
      return candidate;
    } catch {
      dir = dirname(dir);
    }
  }
  throw new Error('data/nasdaq-symbols.csv not found');
}

let cache: SymbolInfo[] | null = null;

/** Every shipped symbol, most active first. */
export function loadSymbols(): SymbolInfo[] {
  if (cache) return cache;
  const lines = readFileSync(dataFile(), 'utf8').split('\n').filter((l) => l !== '');
  const all = lines.slice(1).map((l) => {
    const [symbol, companyName, marketCategory, etf, , roundLot] = csvFields(l);
    return { symbol: symbol!, companyName: companyName!, marketCategory: marketCategory!, etf: etf === 'Y', roundLot: Number(roundLot) || 100 };
  });
  const rank = new Map(MOST_ACTIVE.map((s, i) => [s, i]));
  cache = all.sort((a, b) => (rank.get(a.symbol) ?? Infinity) - (rank.get(b.symbol) ?? Infinity) || (a.symbol < b.symbol ? -1 : 1));
  return cache;
}

/** Symbols by name (unknown names are an error), or the top N. */
export function pickSymbols(opts: { symbols?: string[]; top?: number }): SymbolInfo[] {
  const all = loadSymbols();
  if (opts.symbols && opts.symbols.length > 0) {
    const by = new Map(all.map((s) => [s.symbol, s]));
    return opts.symbols.map((name) => {
      const s = by.get(name.toUpperCase());
      if (!s) throw new Error(`unknown symbol ${name}: not in data/nasdaq-symbols.csv`);
      return s;
    });
  }
  return all.slice(0, Math.max(1, opts.top ?? 20));
}
