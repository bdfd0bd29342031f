// REST ingest for producers that cannot speak Kafka: Confluent REST Proxy's v2 produce call,
// `POST /topics/{topic}` with embedded records, in its three formats:
//   application/vnd.kafka.json.v2+json    values (and keys) are JSON, written as JSON text
//   application/vnd.kafka.binary.v2+json  values are base64, written as bytes
//   application/vnd.kafka.avro.v2+json    values are JSON, written as Avro in Confluent's wire format with
//                                         `value_schema` (registered under TOPIC-value) or `value_schema_id`
// The answer has REST Proxy's shape: {key_schema_id, value_schema_id, offsets: [{partition, offset,
// error_code, error}]}; errors carry REST Proxy's codes (40401 topic not found, 42201 bad schema,
// 42202 record does not match, 415 unsupported media type). Records go out with an idempotent
// acks=all producer, so an acknowledged answer means they are durable.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import avro from 'avsc';
import type { KafkaClient } from '../client/kafka-client.js';
import type { Producer, ProducerRecord } from '../client/producer.js';
import { RegistryClient } from '../registry/client.js';
import { frame } from '../registry/serde.js';
import { readJsonBody } from '../registry/json-body.js';

const MAX_BODY_BYTES = 32 * 1024 * 1024;

class IngestError extends Error {
  constructor(readonly status: number, readonly errorCode: number, message: string) {
    super(message);
  }
}

interface EmbeddedRecord {
  key?: unknown;
  value?: unknown;
  partition?: number;
}

type Format = 'json' | 'binary' | 'avro';

function formatOf(contentType: string | undefined): Format {
  const ct = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (ct === 'application/vnd.kafka.json.v2+json' || ct === 'application/json') return 'json';
  if (ct === 'application/vnd.kafka.binary.v2+json') return 'binary';
  if (ct === 'application/vnd.kafka.avro.v2+json') return 'avro';
  throw new IngestError(415, 415, `HTTP 415 Unsupported Media Type: ${contentType ?? '(none)'}; use application/vnd.kafka.{json,binary,avro}.v2+json`);
}

export interface RestIngestOptions {
  client: KafkaClient;
  /** Needed for Avro records. */
  registryUrl?: string | null;
  log?: (line: string) => void;
}

export class RestIngest {
  private readonly producer: Producer;
  private readonly registry: RegistryClient | null;
  private readonly types = new Map<number, avro.Type>();

  constructor(private readonly opts: RestIngestOptions) {
    this.producer = opts.client.producer({ acks: -1, idempotent: true, lingerMs: 1 });
    this.registry = opts.registryUrl ? new RegistryClient(opts.registryUrl) : null;
  }

  private async avroType(topic: string, body: Record<string, unknown>): Promise<{ id: number; type: avro.Type }> {
    if (!this.registry) throw new IngestError(422, 42201, 'Avro records need a schema registry; none is configured');
    let id: number;
    if (typeof body['value_schema_id'] === 'number') id = body['value_schema_id'];
    else if (typeof body['value_schema'] === 'string') {
      try {
        id = await this.registry.register(`${topic}-value`, body['value_schema']);
      } catch (err) {
        throw new IngestError(422, 42201, `Schema registration or lookup failed: ${(err as Error).message}`);
      }
    } else throw new IngestError(422, 42201, 'Avro records need value_schema or value_schema_id');
    let type = this.types.get(id);
    if (!type) {
      try {
        type = avro.Type.forSchema(JSON.parse((await this.registry.schemaById(id)).schema) as avro.Schema);
      } catch (err) {
        throw new IngestError(422, 42201, `Schema ${id}: ${(err as Error).message}`);
      }
      this.types.set(id, type);
    }
    return { id, type };
  }

  /** Handles one produce call; returns REST Proxy's answer body. */
  async produce(topic: string, format: Format, body: unknown): Promise<Record<string, unknown>> {
    if (!body || typeof body !== 'object' || !Array.isArray((body as { records?: unknown }).records)) {
      throw new IngestError(422, 42200, 'The request body must be a JSON object with a "records" array');
    }
    const b = body as Record<string, unknown> & { records: EmbeddedRecord[] };
    try {
      await this.opts.client.cluster.topic(topic);
    } catch {
      throw new IngestError(404, 40401, `Topic ${topic} not found.`);
    }
    const avroValue = format === 'avro' ? await this.avroType(topic, b) : null;
    const records: ProducerRecord[] = b.records.map((r, i) => {
      const encodeKey = (k: unknown): Buffer | string | null => {
        if (k === undefined || k === null) return null;
        if (format === 'binary') return Buffer.from(String(k), 'base64');
        return format === 'json' ? JSON.stringify(k) : typeof k === 'string' ? k : JSON.stringify(k);
      };
      let value: Buffer | string | null;
      if (r.value === undefined || r.value === null) value = null;
      else if (format === 'binary') value = Buffer.from(String(r.value), 'base64');
      else if (format === 'json') value = JSON.stringify(r.value);
      else {
        const { id, type } = avroValue!;
        if (!type.isValid(r.value)) throw new IngestError(422, 42202, `Record ${i} does not match the value schema ${id}`);
        value = frame(id, type.toBuffer(r.value));
      }
      const out: ProducerRecord = { key: encodeKey(r.key), value };
      if (typeof r.partition === 'number') out.partition = r.partition;
      return out;
    });
    const metas = await this.producer.send(topic, records);
    return {
      key_schema_id: null,
      value_schema_id: avroValue ? avroValue.id : null,
      offsets: metas.map((m) => ({ partition: m.partition, offset: m.offset, error_code: null, error: null })),
    };
  }

  server(): Server {
    return createServer((req, res) => void this.handle(req, res));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (status: number, body: unknown) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/vnd.kafka.v2+json', 'content-length': Buffer.byteLength(text), 'access-control-allow-origin': '*' });
      res.end(text);
    };
    try {
      const url = new URL(req.url ?? '/', 'http://ingest');
      const m = /^\/topics\/([^/]+)\/?$/.exec(url.pathname);
      if (req.method === 'GET' && url.pathname === '/topics') {
        send(200, (await this.opts.client.admin().listTopics()).filter((t) => !t.startsWith('_')));
        return;
      }
      if (!m || req.method !== 'POST') throw new IngestError(404, 404, 'HTTP 404 Not Found');
      const format = formatOf(req.headers['content-type']);
      const body = await readJson(req);
      send(200, await this.produce(decodeURIComponent(m[1]!), format, body));
    } catch (err) {
      if (err instanceof IngestError) send(err.status, { error_code: err.errorCode, message: err.message });
      else {
        this.opts.log?.(`rest ingest: ${(err as Error)?.stack ?? String(err)}`);
        send(500, { error_code: 50002, message: `Kafka error: ${(err as Error).message}` });
      }
    }
  }

  async close(): Promise<void> {
    await this.producer.close();
  }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const malformed = () => new IngestError(400, 400, 'Malformed JSON body');
  const body = await readJsonBody(req, MAX_BODY_BYTES, { tooLarge: () => new IngestError(413, 413, 'Request body too large'), malformed });
  if (body === undefined) throw malformed();
  return body;
}
