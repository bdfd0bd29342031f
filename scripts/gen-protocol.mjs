#!/usr/bin/env node
// Generates TypeScript codecs from Apache Kafka's JSON message definitions.
//
//   node scripts/gen-protocol.mjs <message-spec-dir> <output-dir>
//
// For every request/response pair it writes one module with typed interfaces (decoded form with
// every field present, and an `…Input` form where any field may be omitted and takes its default) and
// straight-line read/write functions per struct that take the version as an argument. The output is
// committed, so building Kappa never needs the spec directory.
import { readdirSync, readFileSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const [specDir, outDir] = process.argv.slice(2);
if (!specDir || !outDir) {
  console.error('usage: gen-protocol.mjs <message-spec-dir> <output-dir>');
  process.exit(2);
}

// ---------------------------------------------------------------------------------------------
// Spec loading

/** The JSON files carry // comment lines, which JSON.parse does not accept. */
function loadSpec(path) {
  const text = readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => !/^\s*\/\//.test(line))
    .join('\n');
  return JSON.parse(text);
}

/** "0+", "3-7", "none" → [min, max] (max Infinity for open ranges), or null for none. */
function parseRange(text) {
  if (text === undefined || text === 'none' || text === '') return null;
  const plus = /^(\d+)\+$/.exec(text);
  if (plus) return [Number(plus[1]), Infinity];
  const span = /^(\d+)-(\d+)$/.exec(text);
  if (span) return [Number(span[1]), Number(span[2])];
  const one = /^(\d+)$/.exec(text);
  if (one) return [Number(one[1]), Number(one[1])];
  throw new Error(`bad version range ${text}`);
}

const PRIMITIVES = new Set(['bool', 'int8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'float64', 'string', 'bytes', 'records', 'uuid']);

/** `cond ? a : b`, folded when cond is a constant, so the output has no dead branches. */
function pick(cond, a, b) {
  if (cond === 'true') return a;
  if (cond === 'false') return b;
  return `(${cond} ? ${a} : ${b})`;
}

const camel = (name) => name.charAt(0).toLowerCase() + name.slice(1);
const kebab = (name) => name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();

// ---------------------------------------------------------------------------------------------
// Code generation for one message

class MessageGen {
  constructor(spec) {
    this.spec = spec;
    this.name = spec.name;
    this.valid = parseRange(spec.validVersions);
    this.flexible = parseRange(spec.flexibleVersions);
    this.structs = []; // { tsName, fields }
    this.common = new Map();
    for (const s of spec.commonStructs ?? []) this.common.set(s.name, s);
    this.commonEmitted = new Map();
    this.isDefaultNeeded = new Set();
    this.collect(spec.name, spec.fields ?? []);
  }

  /** Registers a struct and, recursively, the structs its fields declare. */
  collect(tsName, fields) {
    const struct = { tsName, fields: [] };
    this.structs.push(struct);
    for (const f of fields) struct.fields.push(this.field(f));
    return struct;
  }

  field(f) {
    const isArray = f.type.startsWith('[]');
    const elem = isArray ? f.type.slice(2) : f.type;
    const out = {
      name: camel(f.name),
      specName: f.name,
      isArray,
      elem,
      versions: parseRange(f.versions),
      nullable: parseRange(f.nullableVersions),
      tagged: parseRange(f.taggedVersions),
      tag: f.tag,
      fieldFlexible: f.flexibleVersions === undefined ? undefined : parseRange(f.flexibleVersions),
      defaultText: f.default === undefined ? undefined : String(f.default),
      about: f.about,
      structName: null,
    };
    if (!PRIMITIVES.has(elem)) {
      if (f.fields) {
        out.structName = this.name + elem;
        this.collect(out.structName, f.fields);
      } else if (this.common.has(elem)) {
        out.structName = this.name + elem;
        if (!this.commonEmitted.has(elem)) {
          this.commonEmitted.set(elem, true);
          this.collect(out.structName, this.common.get(elem).fields);
        }
      } else {
        throw new Error(`${this.name}.${f.name}: unknown type ${f.type}`);
      }
    }
    return out;
  }

  // --- types

  elemType(f) {
    switch (f.elem) {
      case 'bool':
        return 'boolean';
      case 'int8': case 'int16': case 'uint16': case 'int32': case 'uint32': case 'int64': case 'float64':
        return 'number';
      case 'string': case 'uuid':
        return 'string';
      case 'bytes': case 'records':
        return 'Buffer';
      default:
        return f.structName;
    }
  }

  tsType(f, input) {
    let t = this.elemType(f);
    if (f.structName && input) t += 'Input';
    if (f.isArray) t = `${t}[]`;
    if (f.nullable || f.elem === 'records') t += ' | null';
    return t;
  }

  defaultExpr(f) {
    const d = f.defaultText;
    if (f.isArray) return d === 'null' ? 'null' : '[]';
    if (d === 'null') return 'null';
    switch (f.elem) {
      case 'bool':
        return d === 'true' ? 'true' : 'false';
      case 'int8': case 'int16': case 'uint16': case 'int32': case 'uint32': case 'int64': case 'float64':
        return d === undefined || d === '' ? '0' : String(Number(d));
      case 'string':
        return JSON.stringify(d ?? '');
      case 'uuid':
        return "'00000000-0000-0000-0000-000000000000'";
      case 'bytes':
        return 'EMPTY_BUFFER';
      case 'records':
        return 'null';
      default:
        return f.nullable ? 'null' : `default${f.structName}()`;
    }
  }

  // --- version conditions

  static cond(range, v = 'version') {
    if (!range) return 'false';
    const [lo, hi] = range;
    const parts = [];
    if (lo > 0) parts.push(`${v} >= ${lo}`);
    if (hi !== Infinity) parts.push(`${v} <= ${hi}`);
    return parts.length ? parts.join(' && ') : 'true';
  }

  /** Expression telling whether this field is encoded compactly at `version`. */
  flexExpr(f) {
    if (f.fieldFlexible !== undefined) return f.fieldFlexible ? MessageGen.cond(f.fieldFlexible) : 'false';
    return 'flexible';
  }

  // --- reading

  readElem(f, flex, nullable) {
    switch (f.elem) {
      case 'bool': return 'r.bool()';
      case 'int8': return 'r.int8()';
      case 'int16': return 'r.int16()';
      case 'uint16': return 'r.uint16()';
      case 'int32': return 'r.int32()';
      case 'uint32': return 'r.uint32()';
      case 'int64': return 'r.int64()';
      case 'float64': return 'r.float64()';
      case 'uuid': return 'r.uuid()';
      case 'string':
        return pick(nullable, pick(flex, 'r.compactNullableString()', 'r.nullableString()'), pick(flex, 'r.compactString()', 'r.string()'));
      case 'bytes':
      case 'records': {
        const nb = f.elem === 'records' ? 'true' : nullable;
        return pick(nb, pick(flex, 'r.compactNullableBytes()', 'r.nullableBytes()'), pick(flex, 'r.compactBytes()', 'r.bytes()'));
      }
      default:
        return `read${f.structName}(r, version)`;
    }
  }

  readField(f, target) {
    const flex = this.flexExpr(f);
    const nullable = f.nullable ? MessageGen.cond(f.nullable) : 'false';
    const lines = [];
    if (f.isArray) {
      lines.push(`{`);
      lines.push(`  const n = r.arrayLength(${flex});`);
      lines.push(`  if (n < 0) {`);
      lines.push(f.nullable ? `    if (!(${nullable})) throw new ProtocolDecodeError('${this.name}.${f.specName} is null');` : `    throw new ProtocolDecodeError('${this.name}.${f.specName} is null');`);
      if (f.nullable) lines.push(`    ${target} = null;`);
      lines.push(`  } else {`);
      lines.push(`    const a = new Array(n);`);
      lines.push(`    for (let i = 0; i < n; i++) a[i] = ${this.readElem(f, flex, 'false')};`);
      lines.push(`    ${target} = a;`);
      lines.push(`  }`);
      lines.push(`}`);
    } else if (f.structName && f.nullable) {
      lines.push(`${target} = (${nullable}) && r.int8() < 0 ? null : ${this.readElem(f, flex, nullable)};`);
    } else {
      lines.push(`${target} = ${this.readElem(f, flex, nullable)};`);
    }
    return lines;
  }

  genRead(struct) {
    const L = [];
    L.push(`export function read${struct.tsName}(r: Reader, version: number): ${struct.tsName} {`);
    L.push(`  const flexible = ${this.flexible ? MessageGen.cond(this.flexible) : 'false'};`);
    L.push(`  void flexible;`);
    L.push(`  const m = {} as ${struct.tsName};`);
    for (const f of struct.fields) {
      if (f.tagged) continue;
      const c = MessageGen.cond(f.versions);
      const body = this.readField(f, `m.${f.name}`);
      if (c === 'true') L.push(...body.map((l) => '  ' + l));
      else {
        L.push(`  if (${c}) {`);
        L.push(...body.map((l) => '    ' + l));
        L.push(`  } else m.${f.name} = ${this.defaultExpr(f)};`);
      }
    }
    const tagged = struct.fields.filter((f) => f.tagged);
    for (const f of tagged) L.push(`  m.${f.name} = ${this.defaultExpr(f)};`);
    if (tagged.length) {
      L.push(`  if (flexible) r.taggedFields((tag) => {`);
      L.push(`    switch (tag) {`);
      for (const f of tagged) {
        L.push(`      case ${f.tag}:`);
        L.push(`        if (!(${MessageGen.cond(f.tagged)})) return false;`);
        L.push(...this.readField(f, `m.${f.name}`).map((l) => '        ' + l));
        L.push(`        return true;`);
      }
      L.push(`      default: return false;`);
      L.push(`    }`);
      L.push(`  });`);
    } else {
      L.push(`  if (flexible) r.taggedFields();`);
    }
    L.push(`  return m;`);
    L.push(`}`);
    return L.join('\n');
  }

  // --- writing

  writeElem(f, flex, nullable, v) {
    switch (f.elem) {
      case 'bool': return `w.bool(${v})`;
      case 'int8': return `w.int8(${v})`;
      case 'int16': return `w.int16(${v})`;
      case 'uint16': return `w.uint16(${v})`;
      case 'int32': return `w.int32(${v})`;
      case 'uint32': return `w.uint32(${v})`;
      case 'int64': return `w.int64(${v})`;
      case 'float64': return `w.float64(${v})`;
      case 'uuid': return `w.uuid(${v})`;
      case 'string':
        return nullable
          ? pick(flex, `w.compactNullableString(${v})`, `w.nullableString(${v})`)
          : pick(flex, `w.compactString(${v})`, `w.string(${v})`);
      case 'bytes':
      case 'records':
        return nullable
          ? pick(flex, `w.compactNullableBytes(${v})`, `w.nullableBytes(${v})`)
          : pick(flex, `w.compactBytes(${v})`, `w.bytes(${v})`);
      default:
        return `write${f.structName}(w, version, ${v})`;
    }
  }

  /** Statements writing value expression `v` (never undefined here) of field f. */
  writeField(f, v) {
    const flex = this.flexExpr(f);
    const nullableCond = f.nullable ? MessageGen.cond(f.nullable) : 'false';
    const L = [];
    if (f.isArray) {
      L.push(`{`);
      L.push(`  const a = ${v};`);
      if (f.nullable) {
        L.push(`  if (a === null) {`);
        L.push(`    if (!(${nullableCond})) throw new Error('${this.name}.${f.specName} cannot be null in version ' + version);`);
        L.push(`    w.arrayLength(-1, ${flex});`);
        L.push(`  } else {`);
      } else L.push(`  {`);
      L.push(`    w.arrayLength(a.length, ${flex});`);
      L.push(`    for (let i = 0; i < a.length; i++) ${this.writeElem(f, flex, false, 'a[i]!')};`);
      L.push(`  }`);
      L.push(`}`);
    } else if (f.structName && f.nullable) {
      L.push(`if (${nullableCond}) {`);
      L.push(`  if (${v} === null) w.int8(-1);`);
      L.push(`  else { w.int8(1); ${this.writeElem(f, flex, false, `${v}!`)}; }`);
      L.push(`} else ${this.writeElem(f, flex, false, `${v} ?? default${f.structName}()`)};`);
    } else if (f.nullable || f.elem === 'records') {
      if (f.elem === 'records' || f.elem === 'bytes' || f.elem === 'string') {
        // A null in a version where the field is not nullable is written as the empty value.
        const empty = f.elem === 'string' ? "''" : 'EMPTY_BUFFER';
        const nb = f.elem === 'records' ? 'true' : nullableCond;
        L.push(`{`);
        L.push(`  const v = ${v};`);
        if (nb === 'true') L.push(`  ${this.writeElem(f, flex, true, 'v')};`);
        else {
          L.push(`  if (${nb}) ${this.writeElem(f, flex, true, 'v')};`);
          L.push(`  else ${this.writeElem(f, flex, false, `(v ?? ${empty})`)};`);
        }
        L.push(`}`);
      } else {
        L.push(`${this.writeElem(f, flex, false, v)};`);
      }
    } else {
      L.push(`${this.writeElem(f, flex, false, v)};`);
    }
    return L;
  }

  valueExpr(f) {
    return `(m.${f.name} === undefined ? ${this.defaultExpr(f)} : m.${f.name})`;
  }

  /** Whether a tagged field differs from its default, so that it needs to be written. */
  taggedPresent(f) {
    const v = `m.${f.name}`;
    const d = this.defaultExpr(f);
    if (f.isArray) return d === 'null' ? `${v} !== undefined && ${v} !== null` : `${v} !== undefined && ${v} !== null && ${v}.length > 0`;
    if (f.structName) {
      if (f.nullable) return `${v} !== undefined && ${v} !== null`;
      // Kafka writes a tagged struct only when it differs from a default-constructed one.
      this.needIsDefault(f.structName);
      return `${v} !== undefined && ${v} !== null && !is${f.structName}Default(${v})`;
    }
    if (f.elem === 'bytes' || f.elem === 'records') return d === 'null' ? `${v} !== undefined && ${v} !== null` : `${v} !== undefined && ${v} !== null && ${v}.length > 0`;
    return `${v} !== undefined && ${v} !== ${d}`;
  }

  /** Marks a struct (and the structs inside it) as needing an is…Default predicate. */
  needIsDefault(structName) {
    if (this.isDefaultNeeded.has(structName)) return;
    this.isDefaultNeeded.add(structName);
    const struct = this.structs.find((s) => s.tsName === structName);
    for (const f of struct.fields) if (f.structName && !f.isArray && !f.nullable) this.needIsDefault(f.structName);
  }

  /** Expression telling whether field f of input `m` holds its default value. */
  fieldIsDefault(f) {
    const v = `m.${f.name}`;
    const d = this.defaultExpr(f);
    let test;
    if (f.isArray) test = d === 'null' ? `${v} === null` : `${v} !== null && ${v}.length === 0`;
    else if (f.structName) test = f.nullable ? `${v} === null` : `${v} !== null && is${f.structName}Default(${v})`;
    else if ((f.elem === 'bytes' || f.elem === 'records') && d !== 'null') test = `${v} !== null && ${v}.length === 0`;
    else test = `${v} === ${d}`;
    return `(${v} === undefined || (${test}))`;
  }

  genIsDefault(struct) {
    const L = [];
    L.push(`export function is${struct.tsName}Default(m: ${struct.tsName}Input): boolean {`);
    const parts = struct.fields.map((f) => this.fieldIsDefault(f));
    L.push(`  return ${parts.length ? parts.join('\n    && ') : 'true'};`);
    L.push(`}`);
    return L.join('\n');
  }

  genWrite(struct) {
    const L = [];
    L.push(`export function write${struct.tsName}(w: Writer, version: number, m: ${struct.tsName}Input): void {`);
    L.push(`  const flexible = ${this.flexible ? MessageGen.cond(this.flexible) : 'false'};`);
    L.push(`  void flexible;`);
    for (const f of struct.fields) {
      if (f.tagged) continue;
      const c = MessageGen.cond(f.versions);
      const body = this.writeField(f, this.valueExpr(f));
      if (c === 'true') L.push(...body.map((l) => '  ' + l));
      else {
        L.push(`  if (${c}) {`);
        L.push(...body.map((l) => '    ' + l));
        L.push(`  }`);
      }
    }
    const tagged = struct.fields.filter((f) => f.tagged).sort((a, b) => a.tag - b.tag);
    if (tagged.length) {
      L.push(`  if (flexible) {`);
      L.push(`    const tags: [number, Writer][] = [];`);
      for (const f of tagged) {
        L.push(`    if ((${MessageGen.cond(f.tagged)}) && ${this.taggedPresent(f)}) {`);
        L.push(`      const outer = w;`);
        L.push(`      {`);
        L.push(`        const w = new Writer(64);`);
        L.push(...this.writeField(f, `m.${f.name}!`).map((l) => '        ' + l));
        L.push(`        tags.push([${f.tag}, w]);`);
        L.push(`      }`);
        L.push(`      void outer;`);
        L.push(`    }`);
      }
      L.push(`    w.uvarint(tags.length);`);
      L.push(`    for (const [tag, tw] of tags) {`);
      L.push(`      w.uvarint(tag);`);
      L.push(`      w.uvarint(tw.length);`);
      L.push(`      for (const c of tw.toChunks()) w.raw(c);`);
      L.push(`    }`);
      L.push(`  }`);
    } else {
      L.push(`  if (flexible) w.uvarint(0);`);
    }
    L.push(`}`);
    return L.join('\n');
  }

  // --- interfaces and defaults

  genTypes(struct) {
    const L = [];
    const doc = (f) => (f.about ? `  /** ${f.about.replace(/\*\//g, '* /')} */` : null);
    L.push(`export interface ${struct.tsName} {`);
    for (const f of struct.fields) {
      const d = doc(f);
      if (d) L.push(d);
      L.push(`  ${f.name}: ${this.tsType(f, false)};`);
    }
    L.push(`}`);
    L.push(`export interface ${struct.tsName}Input {`);
    for (const f of struct.fields) {
      L.push(`  ${f.name}?: ${this.tsType(f, true)};`);
    }
    L.push(`}`);
    L.push(`export function default${struct.tsName}(): ${struct.tsName} {`);
    L.push(`  return {`);
    for (const f of struct.fields) L.push(`    ${f.name}: ${this.defaultExpr(f)},`);
    L.push(`  };`);
    L.push(`}`);
    return L.join('\n');
  }

  generate() {
    this.isDefaultNeeded = new Set();
    const code = this.structs.map((s) => [this.genTypes(s), this.genRead(s), this.genWrite(s)].join('\n\n'));
    for (const s of this.structs) if (this.isDefaultNeeded.has(s.tsName)) code.push(this.genIsDefault(s));
    return code.join('\n\n');
  }
}

// ---------------------------------------------------------------------------------------------
// Files

const HEADER = '// GENERATED by scripts/gen-protocol.mjs from Apache Kafka\'s message definitions. Do not edit.\n/* eslint-disable */\n';
const IMPORTS = "import { Reader, ProtocolDecodeError } from '../reader.js';\nimport { Writer } from '../writer.js';\n\nconst EMPTY_BUFFER = Buffer.alloc(0);\nvoid ProtocolDecodeError;\nvoid EMPTY_BUFFER;\n";

const specs = readdirSync(specDir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => loadSpec(join(specDir, f)));

const byKey = new Map();
const dataMessages = [];
const headers = [];
for (const s of specs) {
  if (s.type === 'request' || s.type === 'response') {
    const entry = byKey.get(s.apiKey) ?? {};
    entry[s.type] = s;
    byKey.set(s.apiKey, entry);
  } else if (s.type === 'header') headers.push(s);
  else if (s.type === 'data') dataMessages.push(s);
}

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });

const apis = [];
for (const [apiKey, { request, response }] of [...byKey.entries()].sort((a, b) => a[0] - b[0])) {
  if (!request || !response) throw new Error(`api ${apiKey} lacks a request or a response`);
  const base = request.name.replace(/Request$/, '');
  const file = kebab(base);
  const req = new MessageGen(request);
  const res = new MessageGen(response);
  const flex = parseRange(request.flexibleVersions);
  const body = [
    HEADER,
    IMPORTS,
    `export const ${base}ApiKey = ${apiKey};`,
    `export const ${base}Versions = { min: ${req.valid[0]}, max: ${req.valid[1]}, flexibleMin: ${flex ? flex[0] : -1} } as const;`,
    '',
    req.generate(),
    '',
    res.generate(),
    '',
  ].join('\n');
  writeFileSync(join(outDir, `${file}.ts`), body);
  apis.push({ apiKey, base, file, valid: req.valid, flex, listeners: request.listeners ?? [] });
}

for (const s of [...headers, ...dataMessages]) {
  const gen = new MessageGen(s);
  const file = kebab(s.name);
  writeFileSync(join(outDir, `${file}.ts`), [HEADER, IMPORTS, gen.generate(), ''].join('\n'));
}

// Index: the table of every API, so that ApiVersions, dispatch and the client derive from one place.
const idx = [HEADER];
idx.push("import type { Reader } from '../reader.js';");
idx.push("import type { Writer } from '../writer.js';");
for (const a of apis) {
  idx.push(`import { read${a.base}Request, write${a.base}Request, read${a.base}Response, write${a.base}Response } from './${a.file}.js';`);
}
for (const a of apis) idx.push(`export * from './${a.file}.js';`);
for (const s of [...headers, ...dataMessages]) idx.push(`export * from './${kebab(s.name)}.js';`);
idx.push('');
idx.push('export interface ApiCodec {');
idx.push('  apiKey: number;');
idx.push('  name: string;');
idx.push('  minVersion: number;');
idx.push('  maxVersion: number;');
idx.push('  /** First flexible version, or -1 when the API has none. */');
idx.push('  flexibleMin: number;');
idx.push('  /** Listeners from the spec: which roles (broker, controller, zkBroker) serve the API. */');
idx.push('  listeners: readonly string[];');
idx.push('  readRequest(r: Reader, version: number): any;');
idx.push('  writeRequest(w: Writer, version: number, m: any): void;');
idx.push('  readResponse(r: Reader, version: number): any;');
idx.push('  writeResponse(w: Writer, version: number, m: any): void;');
idx.push('}');
idx.push('');
idx.push('export const API_CODECS: ReadonlyMap<number, ApiCodec> = new Map<number, ApiCodec>([');
for (const a of apis) {
  idx.push(
    `  [${a.apiKey}, { apiKey: ${a.apiKey}, name: '${a.base}', minVersion: ${a.valid[0]}, maxVersion: ${a.valid[1]}, flexibleMin: ${a.flex ? a.flex[0] : -1}, listeners: ${JSON.stringify(a.listeners)}, readRequest: read${a.base}Request, writeRequest: write${a.base}Request, readResponse: read${a.base}Response, writeResponse: write${a.base}Response }],`,
  );
}
idx.push(']);');
idx.push('');
idx.push('export const ApiKey = {');
for (const a of apis) idx.push(`  ${a.base}: ${a.apiKey},`);
idx.push('} as const;');
idx.push('');
writeFileSync(join(outDir, 'index.ts'), idx.join('\n'));
// Descriptors: the field layout of every struct, as data. Tests use them to build random messages
// for every version; tools can use them to pretty-print any message.
const desc = [HEADER];
desc.push('export interface FieldDescriptor { name: string; type: string; array: boolean; struct: string | null; versions: [number, number] | null; nullable: [number, number] | null; tagged: [number, number] | null; tag: number | null; flexibleOverride: boolean; default: string | null }');
desc.push('export interface MessageDescriptor { name: string; apiKey: number | null; kind: string; validVersions: [number, number]; flexibleVersions: [number, number] | null; structs: Record<string, FieldDescriptor[]> }');
const rng = (r) => (r ? `[${r[0]}, ${r[1] === Infinity ? 32767 : r[1]}]` : 'null');
desc.push('export const MESSAGE_DESCRIPTORS: MessageDescriptor[] = [');
for (const s of specs) {
  if (!['request', 'response', 'header', 'data'].includes(s.type)) continue;
  const gen = new MessageGen(s);
  desc.push(`  { name: '${s.name}', apiKey: ${s.apiKey ?? 'null'}, kind: '${s.type}', validVersions: ${rng(gen.valid)}, flexibleVersions: ${rng(gen.flexible)}, structs: {`);
  for (const st of gen.structs) {
    desc.push(`    ${st.tsName}: [`);
    for (const f of st.fields) {
      desc.push(`      { name: '${f.name}', type: '${f.elem}', array: ${f.isArray}, struct: ${f.structName ? `'${f.structName}'` : 'null'}, versions: ${rng(f.versions)}, nullable: ${rng(f.nullable)}, tagged: ${rng(f.tagged)}, tag: ${f.tag ?? 'null'}, flexibleOverride: ${f.fieldFlexible !== undefined}, default: ${f.defaultText === undefined ? 'null' : JSON.stringify(f.defaultText)} },`);
    }
    desc.push('    ],');
  }
  desc.push('  } },');
}
desc.push('];');
desc.push('');
writeFileSync(join(outDir, 'descriptors.ts'), desc.join('\n'));

console.log(`generated ${apis.length} APIs and ${headers.length + dataMessages.length} other messages into ${outDir}`);
