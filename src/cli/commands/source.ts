// `kappa source quotes`: the market simulator as a producer, with a live rate line.
import type { QuoteSourceCommand } from '../args.js';
import { QuoteSource, type QuoteSourceProgress } from '../../sources/quote-source.js';
import { pickSymbols } from '../../sources/symbols.js';
import type { Io } from '../output.js';

/** Starts the simulator producing; returns the source (stop() ends it cleanly). */
export function startQuoteSource(cmd: QuoteSourceCommand, io: Io, onProgress?: (p: QuoteSourceProgress) => void): QuoteSource {
  const symbols = pickSymbols({ ...(cmd.symbols ? { symbols: cmd.symbols } : {}), ...(cmd.top !== undefined ? { top: cmd.top } : {}) });
  void io;
  return new QuoteSource({
    bootstrapServers: cmd.client.bootstrapServer,
    registryUrl: cmd.registryUrl,
    topic: cmd.topic,
    symbols,
    rate: cmd.rate,
    ...(cmd.seed !== undefined ? { seed: cmd.seed } : {}),
    ...(cmd.speed !== undefined ? { speed: cmd.speed } : {}),
    ...(cmd.limit !== undefined ? { limit: cmd.limit } : {}),
    ...(cmd.outOfOrder !== undefined ? { outOfOrder: cmd.outOfOrder } : {}),
    ...(cmd.late !== undefined ? { late: cmd.late } : {}),
    ...(cmd.duplicate !== undefined ? { duplicate: cmd.duplicate } : {}),
    ...(onProgress ? { onProgress } : {}),
  });
}

export async function runQuoteSource(cmd: QuoteSourceCommand, io: Io): Promise<number> {
  const tty = io.stderr.isTTY === true && !cmd.client.json;
  const progress = (p: QuoteSourceProgress) => {
    if (cmd.client.json) io.stdout.write(JSON.stringify(p) + '\n');
    else {
      const line = `${p.acknowledged.toLocaleString('en-US')} quotes acknowledged, ${Math.round(p.ratePerSecond).toLocaleString('en-US')}/s, ${(p.elapsedMs / 1000).toFixed(0)} s`;
      io.stderr.write(tty ? `\r\x1b[K${line}` : `${line}\n`);
    }
  };
  const source = startQuoteSource(cmd, io, progress);
  const onSignal = () => {
    void source.stop();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await source.run();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (tty) io.stderr.write('\n');
  }
  if (!cmd.client.json) io.stderr.write(`done: ${source.acknowledged} quotes to ${cmd.topic}\n`);
  return 0;
}
