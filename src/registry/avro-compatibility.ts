// Avro schema compatibility as the Avro specification's "Schema Resolution" defines it: whether data
// written with one schema can be read with another. The registry's compatibility levels are built on
// it (BACKWARD: the new schema reads the old data; FORWARD: the old schema reads the new data; FULL:
// both; *_TRANSITIVE: against every earlier version, not just the latest).
//
// Schemas are parsed with avsc (named types resolved, defaults validated); the walk below then applies
// the resolution rules and names each problem with Confluent's error types and a JSON path into the
// reader schema, so a rejected registration says which field is at fault.
import avro from 'avsc';
import type { Incompatibility } from './compatibility.js';

type AvroType = avro.Type;

/** Parses a schema (JSON text or object) with avsc, resolving named references; throws on invalid schemas. */
export function parseAvro(schema: string | object, references: Record<string, object> = {}): AvroType {
  const json = typeof schema === 'string' ? (JSON.parse(schema) as object) : schema;
  const registry: Record<string, AvroType> = {};
  // Referenced schemas (Confluent "references") define named types the main schema may use.
  for (const ref of Object.values(references)) avro.Type.forSchema(ref as avro.Schema, { registry, wrapUnions: true });
  return avro.Type.forSchema(json as avro.Schema, { registry, wrapUnions: true });
}

const PROMOTIONS: Record<string, readonly string[]> = {
  int: ['int', 'long', 'float', 'double'],
  long: ['long', 'float', 'double'],
  float: ['float', 'double'],
  string: ['string', 'bytes'],
  bytes: ['bytes', 'string'],
};

/** The Avro type of t: avsc's type name, logical types reduced to their underlying type. */
function kind(t: AvroType): string {
  const name = t.typeName;
  if (name.startsWith('logical:')) return kind((t as unknown as { underlyingType: AvroType }).underlyingType);
  // Unions are parsed wrapped ('union:wrapped'): how values are represented does not matter here.
  return name.startsWith('union') ? 'union' : name;
}

function unqualified(name: string | undefined): string {
  if (!name) return '';
  const dot = name.lastIndexOf('.');
  return dot < 0 ? name : name.slice(dot + 1);
}

function namesMatch(reader: AvroType, writer: AvroType): boolean {
  const readerName = unqualified(reader.name);
  const writerName = unqualified(writer.name);
  if (readerName === writerName) return true;
  const aliases = (reader as unknown as { aliases?: string[] }).aliases ?? [];
  return aliases.some((a) => a === writer.name || unqualified(a) === writerName);
}

interface Field {
  name: string;
  type: AvroType;
  aliases: string[];
  defaultValue(): unknown;
}

function underlying(t: AvroType): AvroType {
  return t.typeName.startsWith('logical:') ? underlying((t as unknown as { underlyingType: AvroType }).underlyingType) : t;
}

/** Every way data written with `writer` cannot be read with `reader`; empty when it can. */
export function readerIncompatibilities(reader: AvroType, writer: AvroType): Incompatibility[] {
  return incompatibilities(reader, writer, '', new Set());
}

/**
 * The resolution walk. `assumed` holds the named-type pairs under examination: meeting one again
 * (a recursive type) assumes it compatible, as Avro's own checker does, so recursion terminates.
 */
function incompatibilities(r0: AvroType, w0: AvroType, path: string, assumed: Set<string>): Incompatibility[] {
  const r = underlying(r0);
  const w = underlying(w0);
  if (r.name && w.name) {
    const pair = `${r.name}|${w.name}`;
    if (assumed.has(pair)) return [];
    assumed = new Set(assumed).add(pair);
  }
  const rk = kind(r);
  const wk = kind(w);
  const out: Incompatibility[] = [];
  const mismatch = (): Incompatibility[] => [{ type: 'TYPE_MISMATCH', path, message: `reader type ${describe(r)} at '${path || '/'}' does not match writer type ${describe(w)}` }];
  if (wk === 'union') {
    // Every branch the writer may have written must be readable.
    (w as unknown as { types: AvroType[] }).types.forEach((branch, i) => {
      if (incompatibilities(r, branch, path, assumed).length > 0) {
        out.push({ type: 'MISSING_UNION_BRANCH', path, message: `reader type ${describe(r)} at '${path || '/'}' cannot read the writer's union branch ${i} (${describe(branch)})` });
      }
    });
    return out;
  }
  if (rk === 'union') {
    // The first reader branch that reads the writer's type is used: one must exist.
    const branches = (r as unknown as { types: AvroType[] }).types;
    if (branches.some((b) => incompatibilities(b, w, path, assumed).length === 0)) return out;
    return [{ type: 'MISSING_UNION_BRANCH', path, message: `reader union at '${path || '/'}' has no branch that reads the writer's ${describe(w)}` }];
  }
  if (PROMOTIONS[wk]) return PROMOTIONS[wk]!.includes(rk) ? out : mismatch();
  if (rk !== wk) return mismatch();
  switch (rk) {
    case 'record': {
      if (!namesMatch(r, w)) return [{ type: 'NAME_MISMATCH', path: `${path}/name`, message: `reader record ${r.name} does not match writer record ${w.name}` }];
      const readerFields = (r as unknown as { fields: Field[] }).fields;
      const writerFields = (w as unknown as { fields: Field[] }).fields;
      readerFields.forEach((rf, i) => {
        const wf = writerFields.find((f) => f.name === rf.name) ?? writerFields.find((f) => rf.aliases.includes(f.name));
        const fieldPath = `${path}/fields/${i}`;
        if (wf) out.push(...incompatibilities(rf.type, wf.type, `${fieldPath}/type`, assumed));
        else if (rf.defaultValue() === undefined) {
          out.push({
            type: 'READER_FIELD_MISSING_DEFAULT_VALUE', path: fieldPath,
            message: `the field '${rf.name}' at path '${fieldPath}' in the reader schema has no default value and is missing in the writer schema`,
          });
        }
      });
      return out;
    }
    case 'enum': {
      if (!namesMatch(r, w)) return [{ type: 'NAME_MISMATCH', path: `${path}/name`, message: `reader enum ${r.name} does not match writer enum ${w.name}` }];
      const readerSymbols = (r as unknown as { symbols: string[] }).symbols;
      // Avro 1.9+: an enum default reads symbols the reader does not know.
      const hasDefault = (r as unknown as { default?: string }).default !== undefined;
      const missing = (w as unknown as { symbols: string[] }).symbols.filter((s) => !readerSymbols.includes(s));
      if (missing.length > 0 && !hasDefault) {
        out.push({ type: 'MISSING_ENUM_SYMBOLS', path: `${path}/symbols`, message: `the reader enum ${r.name} lacks the writer's symbols [${missing.join(', ')}] and has no default` });
      }
      return out;
    }
    case 'fixed': {
      if (!namesMatch(r, w)) return [{ type: 'NAME_MISMATCH', path: `${path}/name`, message: `reader fixed ${r.name} does not match writer fixed ${w.name}` }];
      const rs = (r as unknown as { size: number }).size;
      const ws = (w as unknown as { size: number }).size;
      return rs === ws ? out : [{ type: 'FIXED_SIZE_MISMATCH', path: `${path}/size`, message: `reader fixed ${r.name} has size ${rs}, the writer's ${ws}` }];
    }
    case 'array':
      return incompatibilities((r as unknown as { itemsType: AvroType }).itemsType, (w as unknown as { itemsType: AvroType }).itemsType, `${path}/items`, assumed);
    case 'map':
      return incompatibilities((r as unknown as { valuesType: AvroType }).valuesType, (w as unknown as { valuesType: AvroType }).valuesType, `${path}/values`, assumed);
    default:
      // The same primitive (null, boolean, double).
      return out;
  }
}

function describe(t: AvroType): string {
  const k = kind(t);
  return t.name ? `${k} ${t.name}` : k;
}
