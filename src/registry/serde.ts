// Confluent's wire format for registry-framed values: magic byte 0, the schema id as a big-endian
// int32, then the body: Avro's binary encoding, or UTF-8 JSON for JSON Schema. Any Confluent
// serializer reads what these write and back.
import { readFileSync } from 'node:fs';
import avro from 'avsc';
import type { RegistryClient } from './client.js';
import { describeValidationErrors, parseJsonSchema, type ParsedJsonSchema } from './json-schema.js';

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

/** Encodes values with one registered schema. */
export interface ValueSerializer {
  /** Registers the schema (once) and returns its id. */
  schemaId(): Promise<number>;
  serialize(value: unknown): Promise<Buffer>;
}

/** Encodes values with one Avro schema registered under a subject. */
export class AvroSerializer implements ValueSerializer {
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

/** Encodes values as JSON checked against one JSON Schema registered under a subject (schemaType JSON). */
export class JsonSchemaSerializer implements ValueSerializer {
  private readonly text: string;
  private readonly parsed: ParsedJsonSchema;
  private id: number | null = null;

  constructor(private readonly client: RegistryClient, private readonly subject: string, schema: object | boolean) {
    this.text = JSON.stringify(schema);
    this.parsed = parseJsonSchema(this.text);
  }

  async schemaId(): Promise<number> {
    this.id ??= await this.client.register(this.subject, this.text, 'JSON');
    return this.id;
  }

  async serialize(value: unknown): Promise<Buffer> {
    const id = await this.schemaId();
    // Confluent's serializers validate before writing: a value the schema refuses never reaches the topic.
    if (!this.parsed.validate(value)) throw new Error(`value does not match the ${this.subject} schema: ${describeValidationErrors(this.parsed.validate.errors)}`);
    return frame(id, Buffer.from(JSON.stringify(value), 'utf8'));
  }
}

/** Whether a schema document is JSON Schema rather than Avro: Avro's complex types have no JSON Schema counterpart keywords. */
export function looksLikeJsonSchema(doc: unknown): boolean {
  if (typeof doc === 'boolean') return true;
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return false;
  const o = doc as Record<string, unknown>;
  if ('$schema' in o || 'properties' in o || '$ref' in o || 'allOf' in o || 'anyOf' in o || 'oneOf' in o) return true;
  return typeof o['type'] === 'string' && ['object', 'integer', 'number', 'string', 'boolean', 'null'].includes(o['type']) && !('fields' in o) && !('name' in o);
}

/**
 * A serializer for the schema in a file: `.avsc` is Avro; otherwise the document's shape decides
 * (JSON Schema's `$schema` / `properties` / `type: "object"`), unless `schemaType` names it.
 */
export function serializerForSchemaFile(client: RegistryClient, subject: string, path: string, schemaType?: 'AVRO' | 'JSON'): ValueSerializer {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`);
  }
  const type = schemaType ?? (path.endsWith('.avsc') ? 'AVRO' : looksLikeJsonSchema(doc) ? 'JSON' : 'AVRO');
  try {
    return type === 'JSON' ? new JsonSchemaSerializer(client, subject, doc as object) : new AvroSerializer(client, subject, doc as object);
  } catch (err) {
    throw new Error(`${path} is not a valid ${type === 'JSON' ? 'JSON Schema' : 'Avro schema'}: ${(err as Error).message}`);
  }
}

/** Decodes any registry-framed value, Avro or JSON Schema, with its writer schema fetched by id (cached). */
export class RegistryDeserializer {
  private readonly decoders = new Map<number, (body: Buffer) => unknown>();

  constructor(private readonly client: RegistryClient) {}

  async deserialize(value: Buffer): Promise<unknown> {
    if (!isFramed(value)) throw new Error('not a registry-framed value (magic byte 0 and a schema id)');
    const id = schemaIdOf(value);
    let decode = this.decoders.get(id);
    if (!decode) {
      const s = await this.client.schemaById(id);
      if (s.schemaType === 'AVRO') {
        const type = avro.Type.forSchema(JSON.parse(s.schema) as avro.Schema);
        decode = (body) => type.fromBuffer(body);
      } else if (s.schemaType === 'JSON') decode = (body) => JSON.parse(body.toString('utf8'));
      else throw new Error(`schema ${id} is ${s.schemaType}, which kappa does not decode`);
      this.decoders.set(id, decode);
    }
    return decode(value.subarray(HEADER));
  }
}
