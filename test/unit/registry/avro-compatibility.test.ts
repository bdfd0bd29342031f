// Schema evolution × compatibility level. Each expectation follows from the Avro specification's
// "Schema Resolution" rules, stated per case: BACKWARD asks whether the new schema (reader) reads data
// written with the old one; FORWARD whether the old schema reads the new data; FULL both.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAvro, readerIncompatibilities } from '../../../src/registry/avro-compatibility.js';
import { checkCompatibility as checkWith, type CompatibilityLevel } from '../../../src/registry/compatibility.js';

const checkCompatibility = (level: CompatibilityLevel, candidate: ReturnType<typeof parseAvro>, existing: ReturnType<typeof parseAvro>[]) =>
  checkWith(level, candidate, existing, readerIncompatibilities);

const record = (fields: object[], extra: object = {}) => ({ type: 'record', name: 'Quote', namespace: 'kappa', fields, ...extra });
const f = (name: string, type: unknown, extra: object = {}) => ({ name, type, ...extra });
const color = (symbols: string[], extra: object = {}) => ({ type: 'enum', name: 'Side', symbols, ...extra });

interface Case {
  name: string;
  /** Why, by the resolution rules. */
  rule: string;
  old: object;
  next: object;
  backward: boolean;
  forward: boolean;
}

const CASES: Case[] = [
  {
    name: 'add a field with a default', rule: 'a reader field missing from the writer takes its default; a writer field the reader lacks is ignored',
    old: record([f('symbol', 'string')]), next: record([f('symbol', 'string'), f('volume', 'long', { default: 0 })]), backward: true, forward: true,
  },
  {
    name: 'add a field without a default', rule: 'a reader field missing from the writer without a default is an error',
    old: record([f('symbol', 'string')]), next: record([f('symbol', 'string'), f('volume', 'long')]), backward: false, forward: true,
  },
  {
    name: 'remove a field that had a default', rule: 'the old reader fills the missing field from its default',
    old: record([f('symbol', 'string'), f('volume', 'long', { default: 0 })]), next: record([f('symbol', 'string')]), backward: true, forward: true,
  },
  {
    name: 'remove a field without a default', rule: 'the old reader needs the field and has no default',
    old: record([f('symbol', 'string'), f('volume', 'long')]), next: record([f('symbol', 'string')]), backward: true, forward: false,
  },
  {
    name: 'rename a field with an alias', rule: 'reader aliases match the writer field name; the old reader has no alias for the new name',
    old: record([f('price', 'double')]), next: record([f('latestPrice', 'double', { aliases: ['price'] })]), backward: true, forward: false,
  },
  {
    name: 'promote int to long', rule: 'an int written may be read as long, not the reverse',
    old: record([f('volume', 'int')]), next: record([f('volume', 'long')]), backward: true, forward: false,
  },
  {
    name: 'promote float to double', rule: 'a float written may be read as double, not the reverse',
    old: record([f('price', 'float')]), next: record([f('price', 'double')]), backward: true, forward: false,
  },
  {
    name: 'string to bytes', rule: 'string and bytes are promotable both ways',
    old: record([f('id', 'string')]), next: record([f('id', 'bytes')]), backward: true, forward: true,
  },
  {
    name: 'change a type incompatibly', rule: 'string and int do not match',
    old: record([f('id', 'string')]), next: record([f('id', 'int')]), backward: false, forward: false,
  },
  {
    name: 'add an enum symbol', rule: 'a writer symbol unknown to the reader is an error unless the reader enum has a default',
    old: record([f('side', color(['BID', 'ASK']))]), next: record([f('side', color(['BID', 'ASK', 'MID']))]), backward: true, forward: false,
  },
  {
    name: 'add an enum symbol, old enum with a default', rule: 'the old reader maps the unknown symbol to its enum default (Avro 1.9)',
    old: record([f('side', color(['BID', 'ASK', 'UNKNOWN'], { default: 'UNKNOWN' }))]),
    next: record([f('side', color(['BID', 'ASK', 'UNKNOWN', 'MID'], { default: 'UNKNOWN' }))]), backward: true, forward: true,
  },
  {
    name: 'remove an enum symbol', rule: 'the new reader lacks a symbol the old writer may have written',
    old: record([f('side', color(['BID', 'ASK', 'MID']))]), next: record([f('side', color(['BID', 'ASK']))]), backward: false, forward: true,
  },
  {
    name: 'make a field nullable', rule: 'a reader union reads the writer type through its matching branch; a non-union reader cannot read the null branch',
    old: record([f('open', 'double')]), next: record([f('open', ['null', 'double'], { default: null })]), backward: true, forward: false,
  },
  {
    name: 'rename the record without an alias', rule: 'records resolve only when their names (or reader aliases) match',
    old: record([f('symbol', 'string')]), next: { ...record([f('symbol', 'string')]), name: 'Tick' }, backward: false, forward: false,
  },
  {
    name: 'rename the record with an alias', rule: 'the new reader\'s alias names the old record; the old reader has no alias',
    old: record([f('symbol', 'string')]), next: { ...record([f('symbol', 'string')]), name: 'Tick', aliases: ['kappa.Quote'] }, backward: true, forward: false,
  },
  {
    name: 'promote array items', rule: 'array items resolve like any type',
    old: record([f('sizes', { type: 'array', items: 'int' })]), next: record([f('sizes', { type: 'array', items: 'long' })]), backward: true, forward: false,
  },
  {
    name: 'change a fixed size', rule: 'fixed types resolve only with the same size',
    old: record([f('hash', { type: 'fixed', name: 'Hash', size: 16 })]), next: record([f('hash', { type: 'fixed', name: 'Hash', size: 32 })]), backward: false, forward: false,
  },
];

const LEVELS: CompatibilityLevel[] = ['NONE', 'BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE'];

for (const c of CASES) {
  test(`evolution: ${c.name} (${c.rule})`, () => {
    const old = parseAvro(c.old);
    const next = parseAvro(c.next);
    const expected: Record<CompatibilityLevel, boolean> = {
      NONE: true,
      BACKWARD: c.backward, BACKWARD_TRANSITIVE: c.backward,
      FORWARD: c.forward, FORWARD_TRANSITIVE: c.forward,
      FULL: c.backward && c.forward, FULL_TRANSITIVE: c.backward && c.forward,
    };
    for (const level of LEVELS) {
      const problems = checkCompatibility(level, next, [old]);
      assert.equal(problems.length === 0, expected[level], `${level}: ${problems.map((p) => p.message).join('; ') || 'compatible'}`);
    }
  });
}

test('transitive levels check every earlier version, the others only the latest', () => {
  const v1 = parseAvro(record([f('symbol', 'string')]));
  const v2 = parseAvro(record([f('symbol', 'string'), f('volume', 'long', { default: 0 })]));
  // v3 drops the default: it still reads v2 data (the field is there), not v1 data.
  const v3 = parseAvro(record([f('symbol', 'string'), f('volume', 'long')]));
  assert.deepEqual(checkCompatibility('BACKWARD', v3, [v1, v2]), []);
  const problems = checkCompatibility('BACKWARD_TRANSITIVE', v3, [v1, v2]);
  assert.equal(problems.length, 1);
  assert.equal(problems[0]!.type, 'READER_FIELD_MISSING_DEFAULT_VALUE');
  assert.match(problems[0]!.message, /'volume' at path '\/fields\/1'/, 'the message names the offending field');
});

test('recursive types resolve without looping', () => {
  const node = (valueType: string) => ({ type: 'record', name: 'Node', fields: [f('value', valueType), f('next', ['null', 'Node'], { default: null })] });
  assert.deepEqual(readerIncompatibilities(parseAvro(node('long')), parseAvro(node('int'))), []);
  assert.equal(readerIncompatibilities(parseAvro(node('int')), parseAvro(node('long'))).length > 0, true);
});

test('invalid schemas are refused by the parser', () => {
  assert.throws(() => parseAvro('{"type": "record", "name": "X", "fields": [{"name": "a", "type": "nope"}]}'));
  assert.throws(() => parseAvro('{"type": "record", "name": "X", "fields": [{"name": "a", "type": "int", "default": "x"}]}'));
  assert.throws(() => parseAvro('not json'));
});
