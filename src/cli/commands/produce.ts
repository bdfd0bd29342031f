// `kappa produce`: one record per input line. Input is split on raw bytes (no string decoding) and
// each record's key/value are views into the chunk read, so a million lines cost a few hundred
// milliseconds of parsing; records go to the producer in groups with several sends in flight.
import { createReadStream } from 'node:fs';
import { KafkaClient } from '../../client/kafka-client.js';
import type { Producer, ProducerRecord } from '../../client/producer.js';
import type { Acks, ClientOptions, Compression } from '../args.js';
import type { Io } from '../output.js';
import { RegistryClient } from '../../registry/client.js';
import { serializerForSchemaFile } from '../../registry/serde.js';

export interface ProduceOptions {
  client: ClientOptions;
  topic: string;
  file?: string;
  keySeparator?: string;
  headers: Array<[string, string]>;
  acks: Acks;
  compression: Compression;
  partition?: number;
  /** An idempotent producer (producer id, sequence numbers); needs acks all. */
  idempotent?: boolean;
  /** An Avro schema file: each line's value is JSON, encoded in Confluent's wire format under <topic>-value. */
  valueSchema?: string;
  /** AVRO or JSON; by default the schema file decides (.avsc is Avro, a JSON Schema document is JSON). */
  valueSchemaType?: 'AVRO' | 'JSON';
  registryUrl?: string;
}

export interface ProduceSummary {
  topic: string;
  records: number;
  bytes: number;
  elapsedMs: number;
}

const GROUP = 10_000;
const MAX_PENDING_SENDS = 8;
const NEWLINE = 0x0a;
const CR = 0x0d;

/** Splits a byte stream into lines (without the newline or a trailing CR), as views. */
export async function* lines(input: AsyncIterable<Buffer | string>): AsyncGenerator<Buffer[], void, undefined> {
  let carry: Buffer | null = null;
  for await (const piece of input) {
    let chunk = typeof piece === 'string' ? Buffer.from(piece) : piece;
    if (carry) {
      chunk = Buffer.concat([carry, chunk]);
      carry = null;
    }
    const out: Buffer[] = [];
    let start = 0;
    for (let nl = chunk.indexOf(NEWLINE, start); nl >= 0; nl = chunk.indexOf(NEWLINE, start)) {
      const end = nl > start && chunk[nl - 1] === CR ? nl - 1 : nl;
      out.push(chunk.subarray(start, end));
      start = nl + 1;
    }
    if (start < chunk.length) carry = chunk.subarray(start);
    if (out.length > 0) yield out;
  }
  if (carry && carry.length > 0) yield [carry[carry.length - 1] === CR ? carry.subarray(0, -1) : carry];
}

/** Produces every line of `input` to the topic; usable from code with any producer. */
export async function produceLines(
  producer: Producer, input: AsyncIterable<Buffer | string>,
  opts: Omit<ProduceOptions, 'client' | 'file' | 'acks' | 'compression' | 'idempotent' | 'valueSchema' | 'valueSchemaType' | 'registryUrl'> & { encodeValue?: (json: unknown) => Promise<Buffer> },
): Promise<ProduceSummary> {
  const started = Date.now();
  const sep = opts.keySeparator === undefined ? null : Buffer.from(opts.keySeparator);
  const headers = opts.headers.length > 0 ? opts.headers.map(([key, value]) => ({ key, value })) : undefined;
  const pending: Promise<unknown>[] = [];
  let group: ProducerRecord[] = [];
  let records = 0;
  let bytes = 0;

  const ship = async () => {
    if (group.length === 0) return;
    const p = producer.send(opts.topic, group);
    // A failure surfaces when awaited below; keep it from being reported as unhandled meanwhile.
    p.catch(() => {});
    pending.push(p);
    group = [];
    if (pending.length >= MAX_PENDING_SENDS) await pending.shift();
  };

  for await (const batch of lines(input)) {
    for (const line of batch) {
      let key: Buffer | null = null;
      let value = line;
      if (sep) {
        const i = line.indexOf(sep);
        if (i >= 0) {
          key = line.subarray(0, i);
          value = line.subarray(i + sep.length);
        }
      }
      let encoded: Buffer = value;
      if (opts.encodeValue) {
        let json: unknown;
        try {
          json = JSON.parse(value.toString('utf8'));
        } catch (err) {
          throw new Error(`line ${records + 1}: not JSON (${(err as Error).message})`);
        }
        try {
          encoded = await opts.encodeValue(json);
        } catch (err) {
          throw new Error(`line ${records + 1}: ${(err as Error).message}`);
        }
      }
      const record: ProducerRecord = { key, value: encoded };
      if (headers) record.headers = headers;
      if (opts.partition !== undefined) record.partition = opts.partition;
      group.push(record);
      records++;
      bytes += line.length;
      if (group.length >= GROUP) await ship();
    }
  }
  await ship();
  await Promise.all(pending);
  await producer.flush();
  return { topic: opts.topic, records, bytes, elapsedMs: Date.now() - started };
}

export async function produceCommand(opts: ProduceOptions, io: Io): Promise<number> {
  const kafka = new KafkaClient({ bootstrapServers: opts.client.bootstrapServer, clientId: 'kappa-cli' });
  try {
    const producer = kafka.producer({ acks: opts.acks, compression: opts.compression, ...(opts.idempotent ? { idempotent: true } : {}) });
    const input = (opts.file ? createReadStream(opts.file, { highWaterMark: 1024 * 1024 }) : io.stdin) as AsyncIterable<Buffer | string>;
    let encodeValue: ((json: unknown) => Promise<Buffer>) | undefined;
    if (opts.valueSchema) {
      const serializer = serializerForSchemaFile(new RegistryClient(opts.registryUrl ?? 'http://127.0.0.1:8081'), `${opts.topic}-value`, opts.valueSchema, opts.valueSchemaType);
      await serializer.schemaId();
      encodeValue = (json) => serializer.serialize(json);
    }
    const summary = await produceLines(producer, input, { ...opts, ...(encodeValue ? { encodeValue } : {}) });
    await producer.close();
    const secs = summary.elapsedMs / 1000;
    if (opts.client.json) io.stdout.write(JSON.stringify(summary) + '\n');
    io.stderr.write(`Produced ${summary.records} record(s) to ${opts.topic} in ${secs.toFixed(2)} s${secs > 0 ? ` (${Math.round(summary.records / secs)} records/s)` : ''}\n`);
    return 0;
  } finally {
    await kafka.close();
  }
}
