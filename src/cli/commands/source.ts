// `kappa source quotes|http|replay`: every way data enters Kappa from the command line, each with an
// idempotent acks=all producer, a live progress line and a clean stop on Ctrl-C.
import type { HttpSourceCommand, QuoteSourceCommand, ReplaySourceCommand } from '../args.js';
import { replay } from '../../sources/file-replay.js';
import { KafkaClient } from '../../client/kafka-client.js';
import { RegistryClient } from '../../registry/client.js';
import { AvroSerializer, serializerForSchemaFile, type ValueSerializer } from '../../registry/serde.js';
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

/** A progress line on stderr: rewritten in place on a terminal, one line per report otherwise. */
function progressLine(io: Io, json: boolean): { show(text: string): void; end(): void } {
  const tty = io.stderr.isTTY === true && !json;
  let shown = false;
  return {
    show(text) {
      shown = true;
      io.stderr.write(tty ? `\r\x1b[K${text}` : `${text}\n`);
    },
    end() {
      if (tty && shown) io.stderr.write('\n');
    },
  };
}

const count = (n: number) => Math.round(n).toLocaleString('en-US');

export async function runQuoteSource(cmd: QuoteSourceCommand, io: Io): Promise<number> {
  const line = progressLine(io, cmd.client.json);
  const progress = (p: QuoteSourceProgress) => {
    if (cmd.client.json) io.stdout.write(JSON.stringify(p) + '\n');
    else line.show(`${count(p.acknowledged)} quotes acknowledged, ${count(p.ratePerSecond)}/s, ${(p.elapsedMs / 1000).toFixed(0)} s`);
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
    line.end();
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

/** `kappa source replay FILE`: a CSV or JSON-lines file as records, at once or at its original pace. */
export async function runReplaySource(cmd: ReplaySourceCommand, io: Io): Promise<number> {
  const client = new KafkaClient({ bootstrapServers: cmd.client.bootstrapServer, clientId: 'kappa-replay' });
  const producer = client.producer({ acks: -1, idempotent: true });
  let serializer: ValueSerializer | null = null;
  if (cmd.valueSchema) {
    serializer = serializerForSchemaFile(new RegistryClient(cmd.registryUrl), `${cmd.topic}-value`, cmd.valueSchema);
    await serializer.schemaId();
  }
  let stopped = false;
  const onSignal = () => (stopped = true);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const pending: Promise<unknown>[] = [];
  let batch: { key: string | null; value: Buffer | string; timestamp: number }[] = [];
  const ship = () => {
    if (batch.length === 0) return;
    const p = producer.send(cmd.topic, batch);
    p.catch(() => {});
    pending.push(p);
    batch = [];
  };
  const started = Date.now();
  let lastReport = started;
  let read = 0;
  const line = progressLine(io, cmd.client.json);
  try {
    const total = await replay(cmd.file, {
      ...(cmd.format ? { format: cmd.format } : {}),
      ...(cmd.timeField ? { timeField: cmd.timeField } : {}),
      mapping: cmd.mapping,
      speed: cmd.speed,
    }, async (r) => {
      const key = cmd.keyField !== undefined && r.value[cmd.keyField] !== undefined && r.value[cmd.keyField] !== null ? String(r.value[cmd.keyField]) : null;
      let value: Buffer | string;
      try {
        value = serializer ? await serializer.serialize(r.value) : JSON.stringify(r.value);
      } catch (err) {
        throw new Error(`line ${r.line}: ${(err as Error).message}`);
      }
      batch.push({ key, value, timestamp: r.timestamp ?? Date.now() });
      read++;
      // Paced replays send each record as it becomes due; fast ones in batches.
      if (cmd.speed !== null || batch.length >= 1000) ship();
      if (pending.length > 32) await pending.shift();
      if (Date.now() - lastReport >= 1000 && !cmd.client.json) {
        lastReport = Date.now();
        const secs = (Date.now() - started) / 1000;
        line.show(`${count(read)} records (line ${count(r.line)}), ${count(read / secs)}/s, ${secs.toFixed(0)} s`);
      }
    }, () => stopped);
    ship();
    await Promise.all(pending);
    await producer.flush();
    line.end();
    if (cmd.client.json) io.stdout.write(JSON.stringify({ topic: cmd.topic, records: total, elapsedMs: Date.now() - started }) + '\n');
    else io.stderr.write(`Replayed ${total} record(s) from ${cmd.file} to ${cmd.topic} in ${((Date.now() - started) / 1000).toFixed(2)} s\n`);
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await producer.close().catch(() => {});
    await client.close().catch(() => {});
  }
}
