// Key and value codecs for topic sources and sinks. Deserializers may answer a promise (a registry
// lookup for a schema id not seen yet); the runtime awaits only then, so the per-record path stays
// synchronous once the schemas are known.
import avro from 'avsc';
import { RegistryClient } from '../registry/client.js';
import { AvroSerializer, isFramed, JsonSchemaSerializer, RegistryDeserializer, schemaIdOf } from '../registry/serde.js';

export interface Serde<T> {
  readonly name: string;
  serialize(value: T): Buffer | string | null | Promise<Buffer | string | null>;
  deserialize(data: Buffer | null): T | Promise<T>;
}

const isPromise = (v: unknown): v is Promise<unknown> => typeof (v as { then?: unknown } | null)?.then === 'function';
export { isPromise };

export const Serdes = {
  json<T = unknown>(): Serde<T> {
    return {
      name: 'json',
      serialize: (v) => (v === null || v === undefined ? null : JSON.stringify(v)),
      deserialize: (b) => (b === null ? (null as T) : (JSON.parse(b.toString('utf8')) as T)),
    };
  },
  string(): Serde<string | null> {
    return { name: 'string', serialize: (v) => v, deserialize: (b) => (b === null ? null : b.toString('utf8')) };
  },
  bytes(): Serde<Buffer | null> {
    return { name: 'bytes', serialize: (v) => v, deserialize: (b) => b };
  },
  /**
   * Confluent's wire format through a schema registry. Reading decodes Avro and JSON Schema values
   * with their writer schema; writing needs `schema` (Avro, or JSON Schema with schemaType JSON),
   * registered under `subject`.
   */
  registry<T = unknown>(opts: { url: string; subject?: string; schema?: object; schemaType?: 'AVRO' | 'JSON' }): Serde<T> {
    const client = new RegistryClient(opts.url);
    const reader = new RegistryDeserializer(client);
    const sync = new Map<number, (body: Buffer) => unknown>();
    let writer: AvroSerializer | JsonSchemaSerializer | null = null;
    return {
      name: 'registry',
      serialize: (v) => {
        if (!opts.schema || !opts.subject) throw new Error('a registry serde writes only with { schema, subject }');
        writer ??= opts.schemaType === 'JSON' ? new JsonSchemaSerializer(client, opts.subject, opts.schema) : new AvroSerializer(client, opts.subject, opts.schema);
        return writer.serialize(v);
      },
      deserialize: (b) => {
        if (b === null) return null as T;
        if (!isFramed(b)) throw new Error('not a registry-framed value (magic byte 0 and a schema id)');
        const decode = sync.get(schemaIdOf(b));
        if (decode) return decode(b.subarray(5)) as T;
        // First value of this schema id: fetch the schema, then decode synchronously from now on.
        return client.schemaById(schemaIdOf(b)).then(async (s) => {
          if (s.schemaType === 'AVRO') {
            const type = avro.Type.forSchema(JSON.parse(s.schema) as avro.Schema);
            sync.set(s.id, (body) => type.fromBuffer(body));
          } else if (s.schemaType === 'JSON') sync.set(s.id, (body) => JSON.parse(body.toString('utf8')));
          else return (await reader.deserialize(b)) as T;
          return sync.get(s.id)!(b.subarray(5)) as T;
        });
      },
    };
  },
};
