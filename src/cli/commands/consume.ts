// `kappa consume`: prints records as text or JSON lines. Ends after --max-messages, after
// --timeout-ms without a record, or on Ctrl-C; otherwise keeps waiting for new records.
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
}

const str = (b: Buffer | null) => (b === null ? null : b.toString('utf8'));

export function formatRecord(r: ConsumerRecord, format: 'text' | 'json', printKey: boolean): string {
  if (format === 'json') {
    const headers: Record<string, string | null> = {};
    for (const h of r.headers) headers[h.key] = str(h.value);
    return JSON.stringify({ topic: r.topic, partition: r.partition, offset: r.offset, timestamp: r.timestamp, key: str(r.key), value: str(r.value), headers }) + '\n';
  }
  const value = r.value === null ? 'null' : r.value.toString('utf8');
  return printKey ? `${r.key === null ? 'null' : r.key.toString('utf8')}\t${value}\n` : `${value}\n`;
}

function toStart(start: StartPosition): StartOffset {
  return typeof start === 'object' && 'offset' in start ? start.offset : start;
}

/** Consumes per the options, calling `emit` with formatted output; returns the record count. */
export async function consumeTopic(opts: ConsumeOptions, emit: (text: string) => void | Promise<void>, stop?: AbortSignal): Promise<number> {
  const kafka = new KafkaClient({ bootstrapServers: opts.client.bootstrapServer, clientId: 'kappa-cli' });
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
        text += formatRecord(r, opts.format, opts.printKey);
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
