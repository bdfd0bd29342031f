// Confluent's wire format for registry-framed values: magic byte 0, the schema id as a big-endian
// int32, then the Avro binary encoding. Any Confluent serializer reads what these write and back.
import avro from 'avsc';
import type { RegistryClient } from './client.js';

export const MAGIC_BYTE = 0;
const HEADER = 5;

/** Whether a value looks registry-framed (magic byte and room for an id). */
export function isFramed(value: Buffer | null): value is Buffer {
  return value !== null && value.length >= HEADER && value[0] === MAGIC_BYTE;
}

export function frame(schemaId: number, body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(HEADER + body.length);
  out[0] = MAGIC_BYTE;
  out.writeInt32BE(schemaId, 1);
  body.copy(out, HEADER);
  return out;
}

export function schemaIdOf(value: Buffer): number {
  return value.readInt32BE(1);
}

/** Encodes values with one Avro schema registered under a subject. */
export class AvroSerializer {
  private readonly type: avro.Type;
  private id: number | null = null;

  constructor(private readonly client: RegistryClient, private readonly subject: string, private readonly schema: object) {
    this.type = avro.Type.forSchema(schema as avro.Schema);
  }

  /** Registers the schema (once) and returns its id. */
  async schemaId(): Promise<number> {
    this.id ??= await this.client.register(this.subject, JSON.stringify(this.schema));
    return this.id;
  }

  async serialize(value: unknown): Promise<Buffer> {
    const id = await this.schemaId();
    if (!this.type.isValid(value)) {
      const problems: string[] = [];
      this.type.isValid(value, { errorHook: (path) => problems.push(path.join('.') || '(root)') });
      throw new Error(`value does not match the ${this.subject} schema at ${problems.join(', ')}`);
    }
    return frame(id, this.type.toBuffer(value));
  }
}

/** Decodes any registry-framed Avro value with its writer schema, fetched by id (cached). */
export class AvroDeserializer {
  private readonly types = new Map<number, avro.Type>();

  constructor(private readonly client: RegistryClient) {}

  async deserialize(value: Buffer): Promise<unknown> {
    if (!isFramed(value)) throw new Error('not a registry-framed value (magic byte 0 and a schema id)');
    const id = schemaIdOf(value);
    let type = this.types.get(id);
    if (!type) {
      const s = await this.client.schemaById(id);
      if (s.schemaType !== 'AVRO') throw new Error(`schema ${id} is ${s.schemaType}, not AVRO`);
      type = avro.Type.forSchema(JSON.parse(s.schema) as avro.Schema);
      this.types.set(id, type);
    }
    return type.fromBuffer(value.subarray(HEADER));
  }
}
