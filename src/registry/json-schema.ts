// JSON Schema support for the registry: validating schemas (drafts 4, 6, 7, 2019-09 and 2020-12,
// chosen by `$schema` as Confluent does, draft 7 when absent) and compiling validators for the serde.
//
// Ajv does the validating and compiling; references (Confluent "references") are added to the Ajv
// instance under their reference name, which is the URL the referring schema's `$ref` uses.
import { createRequire } from 'node:module';
import { Ajv, type AnySchema, type AnySchemaObject, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import AjvDraft04Module from 'ajv-draft-04';
import addFormatsModule from 'ajv-formats';

const require = createRequire(import.meta.url);
const draft06MetaSchema = require('ajv/dist/refs/json-schema-draft-06.json') as AnySchemaObject;

// Both are CommonJS modules whose default export TypeScript sees behind `.default`.
const AjvDraft04 = ((AjvDraft04Module as unknown as { default?: typeof AjvDraft04Module }).default ?? AjvDraft04Module) as unknown as typeof Ajv;
type FormatsPlugin = (ajv: Ajv) => Ajv;
const addFormats = ((addFormatsModule as unknown as { default?: FormatsPlugin }).default ?? addFormatsModule) as unknown as FormatsPlugin;

export type JsonSchemaDocument = boolean | Record<string, unknown>;

/** A parsed JSON Schema: the document, the referenced documents by reference name, and its validator. */
export interface ParsedJsonSchema {
  readonly root: JsonSchemaDocument;
  readonly references: ReadonlyMap<string, JsonSchemaDocument>;
  readonly validate: ValidateFunction;
}

type Draft = 'draft-04' | 'draft-06' | 'draft-07' | '2019-09' | '2020-12';

function draftOf(doc: JsonSchemaDocument): Draft {
  const uri = typeof doc === 'object' && typeof doc['$schema'] === 'string' ? doc['$schema'] : '';
  if (uri.includes('draft-04')) return 'draft-04';
  if (uri.includes('draft-06')) return 'draft-06';
  if (uri.includes('2019-09')) return '2019-09';
  if (uri.includes('2020-12')) return '2020-12';
  return 'draft-07';
}

function newAjv(draft: Draft): Ajv {
  // Unknown keywords are legal JSON Schema (Kafka Connect writes "connect.type", "connect.index"):
  // strict mode would reject them.
  const options: Options = { strict: false, allErrors: false, validateSchema: true };
  let ajv: Ajv;
  switch (draft) {
    case 'draft-04': ajv = new AjvDraft04(options); break;
    case '2019-09': ajv = new Ajv2019(options) as unknown as Ajv; break;
    case '2020-12': ajv = new Ajv2020(options) as unknown as Ajv; break;
    case 'draft-06': ajv = new Ajv(options); ajv.addMetaSchema(draft06MetaSchema); break;
    default: ajv = new Ajv(options);
  }
  addFormats(ajv);
  return ajv;
}

function asDocument(value: unknown, what: string): JsonSchemaDocument {
  if (typeof value === 'boolean' || (typeof value === 'object' && value !== null && !Array.isArray(value))) return value as JsonSchemaDocument;
  throw new Error(`${what} must be a JSON object or a boolean`);
}

/**
 * Parses and validates a JSON Schema. `references` maps each reference name to the referenced
 * schema's text. Throws with a readable message when the schema is not valid JSON Schema or a `$ref`
 * cannot be resolved.
 */
export function parseJsonSchema(text: string, references: ReadonlyMap<string, string> = new Map()): ParsedJsonSchema {
  const root = asDocument(JSON.parse(text), 'a JSON Schema');
  const ajv = newAjv(draftOf(root));
  const refs = new Map<string, JsonSchemaDocument>();
  for (const [name, refText] of references) {
    const doc = asDocument(JSON.parse(refText), `referenced schema ${name}`);
    refs.set(name, doc);
    // A referenced schema may carry its own $id; registering it under the reference name as well
    // would then clash, so the name is used only where there is no $id to find it by.
    const hasId = typeof doc === 'object' && (typeof doc['$id'] === 'string' || typeof doc['id'] === 'string');
    ajv.addSchema(doc as AnySchema, hasId ? undefined : name);
  }
  const validate = ajv.compile(root as AnySchema);
  return { root, references: refs, validate };
}

/** Ajv's errors as one line: `/path: message; …`. */
export function describeValidationErrors(errors: readonly ErrorObject[] | null | undefined): string {
  if (!errors || errors.length === 0) return 'invalid';
  return errors.map((e) => `${e.instancePath || '(root)'}: ${e.message ?? e.keyword}`).join('; ');
}
