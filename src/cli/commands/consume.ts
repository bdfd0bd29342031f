// `kappa consume`: prints records as text or JSON lines. Ends after --max-messages, after
// --timeout-ms without a record, or on Ctrl-C; otherwise keeps waiting for new records.
import { RegistryClient } from '../../registry/client.js';
import { RegistryDeserializer, isFramed, schemaIdOf } from '../../registry/serde.js';
import { KafkaClient } from '../../client/kafka-client.js';
import type { ConsumerRecord, StartOffset } from '../../client/consumer.js';
import type { ClientOptions, StartPosition } from '../args.js';
import type { Io } from '../output.js';

export interface ConsumeOptions {
  client: ClientOptions;
  topic: string;
  start: StartPosition;
  partition?: number;
  maxMessages?: number;
  timeoutMs?: number;
  format: 'text' | 'json';
  printKey: boolean;
  /** Registry-framed values (Confluent wire format) are decoded through this registry; null: never. */
  registryUrl?: string | null;
}

const str = (b: Buffer | null) => (b === null ? null : b.toString('utf8'));

/** A record as a line; `decoded` (a registry-framed value decoded) replaces the raw value when given. */
export function formatRecord(r: ConsumerRecord, format: 'text' | 'json', printKey: boolean, decoded?: unknown): string {
  if (format === 'json') {
    const headers: Record<string, string | null> = {};
    for (const h of r.headers) headers[h.key] = str(h.value);
    return JSON.stringify({ topic: r.topic, partition: r.partition, offset: r.offset, timestamp: r.timestamp, key: str(r.key), value: decoded !== undefined ? decoded : str(r.value), headers }) + '\n';
  }
  const value = decoded !== undefined ? JSON.stringify(decoded) : r.value === null ? 'null' : r.value.toString('utf8');
  return printKey ? `${r.key === null ? 'null' : r.key.toString('utf8')}\t${value}\n` : `${value}\n`;
}

function toStart(start: StartPosition): StartOffset {
  return typeof start === 'object' && 'offset' in start ? start.offset : start;
}

/** Consumes per the options, calling `emit` with formatted output; returns the record count. */
export async function consumeTopic(opts: ConsumeOptions, emit: (text: string) => void | Promise<void>, stop?: AbortSignal): Promise<number> {
  const kafka = new KafkaClient({ bootstrapServers: opts.client.bootstrapServer, clientId: 'kappa-cli' });
  const decode = valueDecoder(opts.registryUrl ?? null);
  const consumer = kafka.consumer({ maxWaitMs: opts.timeoutMs !== undefined ? Math.min(500, Math.max(10, opts.timeoutMs)) : 500 });
  let count = 0;
  let idle: NodeJS.Timeout | undefined;
  const armIdle = () => {
    if (opts.timeoutMs === undefined) return;
    if (idle) clearTimeout(idle);
    idle = setTimeout(() => void consumer.close(), opts.timeoutMs);
  };
  const onAbort = () => void consumer.close();
  stop?.addEventListener('abort', onAbort);
  try {
    const topic = await kafka.cluster.withRetry(() => kafka.cluster.topic(opts.topic));
    const partitions = opts.partition !== undefined ? [opts.partition] : topic.partitions.map((p) => p.partition);
    if (opts.partition !== undefined && !topic.partitions[opts.partition]) {
      throw new Error(`topic ${opts.topic} has no partition ${opts.partition} (it has ${topic.partitions.length})`);
    }
    consumer.assign(partitions.map((partition) => ({ topic: opts.topic, partition, offset: toStart(opts.start) })));
    armIdle();
    outer: for await (const batch of consumer.batches()) {
      let text = '';
      for (const r of batch.records) {
        // Only registry-framed values wait on the decoder: plain records stay on the synchronous path.
        text += formatRecord(r, opts.format, opts.printKey, decode && isFramed(r.value) ? await decode(r.value) : undefined);
        count++;
        if (opts.maxMessages !== undefined && count >= opts.maxMessages) {
          await emit(text);
          break outer;
        }
      }
      await emit(text);
      armIdle();
    }
  } finally {
    if (idle) clearTimeout(idle);
    stop?.removeEventListener('abort', onAbort);
    await consumer.close();
    await kafka.close();
  }
  return count;
}

/**
 * Decodes registry-framed values (magic byte 0, schema id, Avro or JSON) to plain objects; anything else, or a
 * value whose schema the registry cannot give, stays raw (undefined). Failures are remembered per id,
 * so an unreachable registry costs one attempt per schema id, not one per record.
 */
function valueDecoder(registryUrl: string | null): ((value: Buffer) => Promise<unknown>) | null {
  if (!registryUrl) return null;
  const deserializer = new RegistryDeserializer(new RegistryClient(registryUrl));
  const failed = new Set<number>();
  return async (value) => {
    if (failed.has(schemaIdOf(value))) return undefined;
    try {
      return await deserializer.deserialize(value);
    } catch {
      failed.add(schemaIdOf(value));
      return undefined;
    }
  };
}

export async function consumeCommand(opts: ConsumeOptions, io: Io): Promise<number> {
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // A closed pipe (`| head`) ends consumption quietly.
  io.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') abort.abort();
  });
  try {
    const count = await consumeTopic(opts, (text) => {
      if (text === '' || abort.signal.aborted) return;
      if (!io.stdout.write(text)) return new Promise<void>((resolve) => io.stdout.once('drain', () => resolve()));
    }, abort.signal);
    if (io.stderr.isTTY) io.stderr.write(`Consumed ${count} record(s)\n`);
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
