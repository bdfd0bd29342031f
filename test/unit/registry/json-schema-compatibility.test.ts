// JSON Schema evolution × compatibility level. A reader reads a writer's data when every document
// valid under the writer is valid under the reader. Each case that expects "incompatible" in a
// direction carries a witness: a document the writer accepts and the reader rejects, checked with the
// schemas' own validators, so the expectation is shown rather than asserted.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkCompatibility, type CompatibilityLevel } from '../../../src/registry/compatibility.js';
import { parseJsonSchema, type ParsedJsonSchema } from '../../../src/registry/json-schema.js';
import { jsonSchemaReaderIncompatibilities as canRead } from '../../../src/registry/json-schema-compatibility.js';

const parse = (schema: unknown, refs: Record<string, unknown> = {}) =>
  parseJsonSchema(JSON.stringify(schema), new Map(Object.entries(refs).map(([k, v]) => [k, JSON.stringify(v)])));
const obj = (properties: object, extra: object = {}) => ({ type: 'object', properties, ...extra });
const closed = (properties: object, extra: object = {}) => obj(properties, { additionalProperties: false, ...extra });

interface Case {
  name: string;
  old: object;
  next: object;
  /** New reads old data; when false, `backwardWitness` is valid under old and invalid under new. */
  backward: boolean;
  forward: boolean;
  backwardWitness?: unknown;
  forwardWitness?: unknown;
  /** The Confluent difference expected to be reported, for the first failing direction. */
  type?: string;
}

const CASES: Case[] = [
  {
    name: 'closed model: add an optional property',
    old: closed({ a: { type: 'string' } }), next: closed({ a: { type: 'string' }, b: { type: 'integer' } }),
    backward: true, forward: false, forwardWitness: { a: 'x', b: 1 }, type: 'PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL',
  },
  {
    name: 'closed model: add a required property',
    old: closed({ a: { type: 'string' } }), next: closed({ a: { type: 'string' }, b: { type: 'integer' } }, { required: ['b'] }),
    backward: false, forward: false, backwardWitness: { a: 'x' }, forwardWitness: { a: 'x', b: 1 }, type: 'REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL',
  },
  {
    name: 'open model: add a typed property',
    old: obj({ a: { type: 'string' } }), next: obj({ a: { type: 'string' }, b: { type: 'integer' } }),
    backward: false, forward: true, backwardWitness: { a: 'x', b: 'anything' }, type: 'PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL',
  },
  {
    name: 'open model: add a property with an empty schema',
    old: obj({ a: { type: 'string' } }), next: obj({ a: { type: 'string' }, b: { description: 'free-form' } }),
    backward: true, forward: true,
  },
  {
    name: 'open model: remove a property',
    old: obj({ a: { type: 'string' }, b: { type: 'integer' } }), next: obj({ a: { type: 'string' } }),
    backward: true, forward: false, forwardWitness: { a: 'x', b: 'not an integer' }, type: 'PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL',
  },
  {
    name: 'closed model: remove a property',
    old: closed({ a: { type: 'string' }, b: { type: 'integer' } }), next: closed({ a: { type: 'string' } }),
    backward: false, forward: true, backwardWitness: { a: 'x', b: 1 }, type: 'PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL',
  },
  {
    name: 'partially open model: add a property its additionalProperties covers',
    old: obj({ a: { type: 'string' } }, { additionalProperties: { type: 'string' } }),
    next: obj({ a: { type: 'string' }, b: { type: 'string' } }, { additionalProperties: { type: 'string' } }),
    backward: true, forward: true,
  },
  {
    name: 'partially open model: add a property its additionalProperties does not cover',
    old: obj({ a: { type: 'string' } }, { additionalProperties: { type: 'string' } }),
    next: obj({ a: { type: 'string' }, b: { type: 'integer' } }, { additionalProperties: { type: 'string' } }),
    backward: false, forward: false, backwardWitness: { b: 'text' }, forwardWitness: { b: 1 }, type: 'PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL',
  },
  {
    name: 'make an existing property required',
    old: closed({ a: { type: 'string' } }), next: closed({ a: { type: 'string' } }, { required: ['a'] }),
    backward: false, forward: true, backwardWitness: {}, type: 'REQUIRED_ATTRIBUTE_ADDED',
  },
  {
    name: 'allow additional properties',
    old: closed({ a: { type: 'string' } }), next: obj({ a: { type: 'string' } }),
    backward: true, forward: false, forwardWitness: { a: 'x', extra: 1 }, type: 'ADDITIONAL_PROPERTIES_REMOVED',
  },
  {
    name: 'widen integer to number',
    old: closed({ p: { type: 'integer' } }), next: closed({ p: { type: 'number' } }),
    backward: true, forward: false, forwardWitness: { p: 1.5 }, type: 'TYPE_NARROWED',
  },
  {
    name: 'change string to integer',
    old: closed({ p: { type: 'string' } }), next: closed({ p: { type: 'integer' } }),
    backward: false, forward: false, backwardWitness: { p: 'x' }, forwardWitness: { p: 1 }, type: 'TYPE_CHANGED',
  },
  {
    name: 'make a property nullable',
    old: closed({ p: { type: 'string' } }), next: closed({ p: { type: ['string', 'null'] } }),
    backward: true, forward: false, forwardWitness: { p: null },
  },
  {
    name: 'raise maxLength',
    old: { type: 'string', maxLength: 10 }, next: { type: 'string', maxLength: 20 },
    backward: true, forward: false, forwardWitness: 'fifteen chars!!', type: 'MAX_LENGTH_DECREASED',
  },
  {
    name: 'add a minimum',
    old: { type: 'number' }, next: { type: 'number', minimum: 0 },
    backward: false, forward: true, backwardWitness: -1, type: 'MINIMUM_ADDED',
  },
  {
    name: 'add an enum symbol',
    old: { enum: ['BUY', 'SELL'] }, next: { enum: ['BUY', 'SELL', 'SHORT'] },
    backward: true, forward: false, forwardWitness: 'SHORT', type: 'ENUM_ARRAY_NARROWED',
  },
  {
    name: 'add an anyOf branch',
    old: { anyOf: [{ type: 'string' }, { type: 'integer' }] }, next: { anyOf: [{ type: 'string' }, { type: 'integer' }, { type: 'boolean' }] },
    backward: true, forward: false, forwardWitness: true, type: 'SUM_TYPE_NARROWED',
  },
  {
    name: 'change only title and description',
    old: closed({ p: { type: 'string', title: 'P' } }, { description: 'v1' }), next: closed({ p: { type: 'string', title: 'Price' } }, { description: 'v2' }),
    backward: true, forward: true,
  },
  {
    name: 'widen a definition reached through $ref',
    old: { definitions: { sym: { type: 'string', maxLength: 4 } }, type: 'object', properties: { s: { $ref: '#/definitions/sym' } } },
    next: { definitions: { sym: { type: 'string', maxLength: 8 } }, type: 'object', properties: { s: { $ref: '#/definitions/sym' } } },
    backward: true, forward: false, forwardWitness: { s: 'GOOGL' }, type: 'MAX_LENGTH_DECREASED',
  },
  {
    name: 'add a uniqueItems constraint',
    old: { type: 'array', items: { type: 'string' } }, next: { type: 'array', items: { type: 'string' }, uniqueItems: true },
    backward: false, forward: true, backwardWitness: ['a', 'a'], type: 'UNIQUE_ITEMS_ADDED',
  },
];

const LEVELS: CompatibilityLevel[] = ['NONE', 'BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE'];

function assertWitness(writer: ParsedJsonSchema, reader: ParsedJsonSchema, witness: unknown, what: string): void {
  assert.ok(witness !== undefined, `${what}: an incompatible direction needs a witness document`);
  assert.equal(writer.validate(witness), true, `${what}: the witness ${JSON.stringify(witness)} is valid under the writer`);
  assert.equal(reader.validate(witness), false, `${what}: the witness ${JSON.stringify(witness)} is rejected by the reader`);
}

for (const c of CASES) {
  test(`JSON Schema evolution: ${c.name}`, () => {
    const old = parse(c.old);
    const next = parse(c.next);
    if (!c.backward) assertWitness(old, next, c.backwardWitness, 'backward');
    if (!c.forward) assertWitness(next, old, c.forwardWitness, 'forward');
    const expected: Record<CompatibilityLevel, boolean> = {
      NONE: true,
      BACKWARD: c.backward, BACKWARD_TRANSITIVE: c.backward,
      FORWARD: c.forward, FORWARD_TRANSITIVE: c.forward,
      FULL: c.backward && c.forward, FULL_TRANSITIVE: c.backward && c.forward,
    };
    for (const level of LEVELS) {
      const problems = checkCompatibility(level, next, [old], canRead);
      assert.equal(problems.length === 0, expected[level], `${level}: ${problems.map((p) => `${p.type} ${p.message}`).join('; ') || 'compatible'}`);
    }
    if (c.type) {
      const first = c.backward ? canRead(old, next) : canRead(next, old);
      assert.ok(first.some((p) => p.type === c.type), `reports ${c.type}, got ${first.map((p) => p.type).join(', ')}`);
    }
  });
}

test('JSON Schema: a recursive schema compares without looping', () => {
  const tree = (leaf: object) => ({ type: 'object', properties: { value: leaf, children: { type: 'array', items: { $ref: '#' } } } });
  assert.deepEqual(canRead(parse(tree({ type: 'number' })), parse(tree({ type: 'integer' }))), []);
  assert.ok(canRead(parse(tree({ type: 'integer' })), parse(tree({ type: 'number' }))).length > 0);
});

test('JSON Schema: referenced schemas take part in validation and comparison', () => {
  const address = (extra: object = {}) => closed({ city: { type: 'string' } }, extra);
  const person = obj({ address: { $ref: 'address.json' } }, { additionalProperties: false });
  const v1 = parse(person, { 'address.json': address() });
  const v2 = parse(person, { 'address.json': address({ required: ['city'] }) });
  assert.equal(v1.validate({ address: {} }), true);
  assert.equal(v2.validate({ address: {} }), false);
  assert.deepEqual(canRead(v1, v2), []);
  assert.deepEqual(canRead(v2, v1).map((p) => p.type), ['REQUIRED_ATTRIBUTE_ADDED']);
});

test('JSON Schema: invalid schemas and unresolvable references are refused', () => {
  assert.throws(() => parse({ type: 'objekt' }), /schema is invalid/);
  assert.throws(() => parse({ type: 'object', properties: { a: { $ref: 'missing.json' } } }), /can't resolve reference/);
  assert.throws(() => parseJsonSchema('[1, 2]'), /must be a JSON object or a boolean/);
  assert.throws(() => parseJsonSchema('{"type": '));
});

test('JSON Schema: the draft follows $schema', () => {
  // Draft 4 spells exclusiveMinimum as a boolean; 2020-12 tuples use prefixItems.
  const d4 = parse({ $schema: 'http://json-schema.org/draft-04/schema#', type: 'number', minimum: 0, exclusiveMinimum: true });
  assert.equal(d4.validate(0), false);
  assert.equal(d4.validate(0.1), true);
  const d2020 = parse({ $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'array', prefixItems: [{ type: 'string' }], items: false });
  assert.equal(d2020.validate(['a']), true);
  assert.equal(d2020.validate(['a', 'b']), false);
  // Draft 7 (the default) refuses draft 4's boolean exclusiveMinimum.
  assert.throws(() => parse({ type: 'number', exclusiveMinimum: true }));
});

test('JSON Schema: boolean schemas', () => {
  // true accepts everything, false nothing: anything reads false's (empty) data, true reads everything.
  assert.deepEqual(canRead(parse(true), parse({ type: 'string' })), []);
  assert.deepEqual(canRead(parse({ type: 'string' }), parse(false)), []);
  assert.deepEqual(canRead(parse({ type: 'string' }), parse(true)).map((p) => p.type), ['TYPE_CHANGED']);
});
