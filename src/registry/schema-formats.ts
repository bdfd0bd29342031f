// The schema types the registry serves, each as parse + "can this reader read what that writer
// wrote". Everything else (ids, versions, levels, storage) is the same for every type.
import { parseAvro, readerIncompatibilities as avroReaderIncompatibilities } from './avro-compatibility.js';
import type { Incompatibility } from './compatibility.js';
import { parseJsonSchema, type ParsedJsonSchema } from './json-schema.js';
import { jsonSchemaReaderIncompatibilities } from './json-schema-compatibility.js';
import type { SchemaType } from './schema-store.js';

export interface ParsedSchema {
  /** The text kept and compared for id reuse: the schema re-serialised without insignificant whitespace. */
  canonical: string;
  parsed: unknown;
}

export interface SchemaFormat {
  readonly type: SchemaType;
  /** Validates a schema; `references` maps reference names to the referenced schemas' texts. Throws when invalid. */
  parse(text: string, references: ReadonlyMap<string, string>): ParsedSchema;
  readerIncompatibilities(reader: unknown, writer: unknown): Incompatibility[];
}

const avroFormat: SchemaFormat = {
  type: 'AVRO',
  parse(text, references) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      // A bare primitive name such as string is a valid Avro schema but not JSON.
      if (/^[A-Za-z_][A-Za-z0-9_.]*$/.test(text.trim())) json = text.trim();
      else throw err;
    }
    const refs: Record<string, object> = {};
    for (const [name, refText] of references) refs[name] = JSON.parse(refText) as object;
    return { canonical: JSON.stringify(json), parsed: parseAvro(json as object, refs) };
  },
  readerIncompatibilities: (reader, writer) => avroReaderIncompatibilities(reader as ReturnType<typeof parseAvro>, writer as ReturnType<typeof parseAvro>),
};

const jsonFormat: SchemaFormat = {
  type: 'JSON',
  parse(text, references) {
    const parsed = parseJsonSchema(text, references);
    return { canonical: JSON.stringify(parsed.root), parsed };
  },
  readerIncompatibilities: (reader, writer) => jsonSchemaReaderIncompatibilities(reader as ParsedJsonSchema, writer as ParsedJsonSchema),
};

export const SCHEMA_FORMATS: ReadonlyMap<SchemaType, SchemaFormat> = new Map([
  ['AVRO', avroFormat],
  ['JSON', jsonFormat],
]);
