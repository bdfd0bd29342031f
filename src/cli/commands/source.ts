// `kappa source quotes`: the market simulator as a producer, with a live rate line.
import type { HttpSourceCommand, QuoteSourceCommand } from '../args.js';
import { KafkaClient } from '../../client/kafka-client.js';
import { RegistryClient } from '../../registry/client.js';
import { AvroSerializer } from '../../registry/serde.js';
import { QuotePoller } from '../../sources/http-poller.js';
import { QUOTE_SCHEMA } from '../../sources/quote.js';
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

/** `kappa source http`: polls a quote API and produces the quotes that changed. */
export async function runHttpSource(cmd: HttpSourceCommand, io: Io): Promise<number> {
  const client = new KafkaClient({ bootstrapServers: cmd.client.bootstrapServer, clientId: 'kappa-http-source' });
  const producer = client.producer({ acks: -1, idempotent: true, lingerMs: 5 });
  const serializer = cmd.registryUrl ? new AvroSerializer(new RegistryClient(cmd.registryUrl), `${cmd.topic}-value`, QUOTE_SCHEMA) : null;
  let produced = 0;
  const poller = new QuotePoller({
    baseUrl: cmd.url,
    symbols: cmd.symbols,
    ...(cmd.token !== undefined ? { token: cmd.token } : {}),
    intervalMs: cmd.intervalMs,
    onQuotes: async (quotes) => {
      const records = await Promise.all(quotes.map(async (q) => ({ key: q.symbol, value: serializer ? await serializer.serialize(q) : JSON.stringify(q), timestamp: q.latestUpdate })));
      await producer.send(cmd.topic, records);
      produced += records.length;
      if (cmd.client.json) io.stdout.write(JSON.stringify({ produced, batch: records.length }) + '\n');
      else io.stderr.write(`${new Date().toISOString()} ${records.length} changed quote(s), ${produced} in all\n`);
    },
    onProblem: (m) => io.stderr.write(`[http source] ${m}\n`),
  });
  const onSignal = () => poller.stop();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await poller.run();
    await producer.flush();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await producer.close().catch(() => {});
    await client.close().catch(() => {});
  }
  if (!cmd.client.json) io.stderr.write(`done: ${produced} quotes to ${cmd.topic}\n`);
  return 0;
}
