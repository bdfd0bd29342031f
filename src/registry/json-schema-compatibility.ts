// JSON Schema compatibility. A reader schema can read what a writer schema wrote when every document
// valid under the writer is also valid under the reader: the change from writer to reader may only
// widen. Deciding that exactly is undecidable in general, so, like Confluent's registry, this walks the
// two schemas side by side and classifies each difference as widening (compatible) or not, using
// Confluent's difference names so users can look them up in its documentation.
//
// The content model of objects matters most: in an *open* model (additional properties allowed) old
// data may already hold any property, so adding a property with a constrained schema is not safe; in a
// *closed* model (`additionalProperties: false`) adding an optional property is, and removing one is not.
import type { Incompatibility } from './compatibility.js';
import type { JsonSchemaDocument, ParsedJsonSchema } from './json-schema.js';

type Json = Record<string, unknown>;

/** Differences that only widen what the schema accepts. */
const WIDENING = new Set([
  'TYPE_EXTENDED', 'MAX_LENGTH_INCREASED', 'MAX_LENGTH_REMOVED', 'MIN_LENGTH_DECREASED', 'MIN_LENGTH_REMOVED', 'PATTERN_REMOVED',
  'MAXIMUM_INCREASED', 'MAXIMUM_REMOVED', 'MINIMUM_DECREASED', 'MINIMUM_REMOVED', 'EXCLUSIVE_MAXIMUM_INCREASED', 'EXCLUSIVE_MAXIMUM_REMOVED',
  'EXCLUSIVE_MINIMUM_DECREASED', 'EXCLUSIVE_MINIMUM_REMOVED', 'MULTIPLE_OF_REDUCED', 'MULTIPLE_OF_REMOVED',
  'REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED', 'REQUIRED_ATTRIBUTE_REMOVED', 'DEPENDENCY_ARRAY_NARROWED', 'DEPENDENCY_ARRAY_REMOVED', 'DEPENDENCY_SCHEMA_REMOVED',
  'MAX_PROPERTIES_INCREASED', 'MAX_PROPERTIES_REMOVED', 'MIN_PROPERTIES_DECREASED', 'MIN_PROPERTIES_REMOVED',
  'ADDITIONAL_PROPERTIES_ADDED', 'ADDITIONAL_PROPERTIES_EXTENDED', 'PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL',
  'REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL', 'OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL',
  'PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL', 'PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL',
  'PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL', 'PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL',
  'MAX_ITEMS_INCREASED', 'MAX_ITEMS_REMOVED', 'MIN_ITEMS_DECREASED', 'MIN_ITEMS_REMOVED', 'UNIQUE_ITEMS_REMOVED',
  'ADDITIONAL_ITEMS_ADDED', 'ADDITIONAL_ITEMS_EXTENDED', 'ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL', 'ITEM_ADDED_TO_CLOSED_CONTENT_MODEL',
  'ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL', 'ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL',
  'ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL', 'ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL',
  'ENUM_ARRAY_EXTENDED', 'COMBINED_TYPE_EXTENDED', 'PRODUCT_TYPE_NARROWED', 'SUM_TYPE_EXTENDED', 'NOT_TYPE_NARROWED',
]);

const EXPLANATIONS: Record<string, string> = {
  TYPE_CHANGED: 'the type changed',
  TYPE_NARROWED: 'the type was narrowed (number to integer)',
  PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL: 'a property was added to an open content model: earlier data may hold it with any value (close the model with additionalProperties: false, or give the property an empty schema)',
  PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL: 'a property was added whose schema does not accept everything the earlier additionalProperties / patternProperties allowed',
  REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL: 'a required property without a default was added: earlier data lacks it',
  PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL: 'a property was removed from a closed content model: earlier data holding it is now rejected',
  PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL: 'a property was removed and the additionalProperties / patternProperties left do not accept its earlier values',
  REQUIRED_ATTRIBUTE_ADDED: 'an existing property became required without a default: earlier data may lack it',
  ADDITIONAL_PROPERTIES_REMOVED: 'additional properties are no longer allowed',
  ADDITIONAL_PROPERTIES_NARROWED: 'additional properties are now constrained by a schema',
  ENUM_ARRAY_NARROWED: 'enum values were removed',
  ENUM_ARRAY_CHANGED: 'enum values were replaced',
  SUM_TYPE_NARROWED: 'a branch of anyOf / oneOf was removed',
  PRODUCT_TYPE_EXTENDED: 'a constraint was added to allOf',
  COMBINED_TYPE_CHANGED: 'the combination keyword (allOf / anyOf / oneOf) changed',
  COMBINED_TYPE_SUBSCHEMAS_CHANGED: 'a branch of the combination no longer accepts what it did',
  NOT_TYPE_EXTENDED: 'the schema under not was widened, so fewer documents are accepted',
  UNIQUE_ITEMS_ADDED: 'uniqueItems was added',
  ADDITIONAL_ITEMS_REMOVED: 'additional items are no longer allowed',
  ADDITIONAL_ITEMS_NARROWED: 'additional items are now constrained by a schema',
  ITEM_ADDED_TO_OPEN_CONTENT_MODEL: 'a tuple item was added to an open content model: earlier data may hold any value there',
  ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL: 'a tuple item was removed from a closed content model: earlier data holding it is now rejected',
  ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL: 'a tuple item was added whose schema does not accept everything the earlier additionalItems allowed',
  ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL: 'a tuple item was removed and the additionalItems left do not accept its earlier values',
  DEPENDENCY_ARRAY_ADDED: 'a property dependency was added',
  DEPENDENCY_ARRAY_EXTENDED: 'a property dependency was extended',
  DEPENDENCY_ARRAY_CHANGED: 'a property dependency changed',
  DEPENDENCY_SCHEMA_ADDED: 'a schema dependency was added',
};

function explain(type: string): string {
  if (EXPLANATIONS[type]) return EXPLANATIONS[type]!;
  const m = /^(MAX|MIN|EXCLUSIVE_MAXIMUM|EXCLUSIVE_MINIMUM|MAXIMUM|MINIMUM|MULTIPLE_OF|PATTERN|MAX_LENGTH|MIN_LENGTH|MAX_ITEMS|MIN_ITEMS|MAX_PROPERTIES|MIN_PROPERTIES)(?:_.*)?$/.exec(type);
  return m ? `a ${type.toLowerCase().replace(/_/g, ' ')} narrows the accepted values` : type.toLowerCase().replace(/_/g, ' ');
}

/** A schema node together with the document its local `$ref`s resolve in. */
interface Node {
  schema: JsonSchemaDocument;
  doc: JsonSchemaDocument;
}

type Kind = 'empty' | 'false' | 'object' | 'array' | 'string' | 'number' | 'boolean' | 'null' | 'enum' | 'not' | 'allOf' | 'anyOf' | 'oneOf';

/** A schema reduced to one kind: several kinds in one schema object become an allOf of single-kind parts. */
interface Model {
  kind: Kind;
  integer?: boolean;
  json: Json;
  node: Node;
  parts?: Node[];
}

const OBJECT_KEYWORDS = ['properties', 'required', 'additionalProperties', 'patternProperties', 'minProperties', 'maxProperties', 'dependencies', 'dependentRequired', 'dependentSchemas', 'propertyNames'];
const ARRAY_KEYWORDS = ['items', 'prefixItems', 'additionalItems', 'minItems', 'maxItems', 'uniqueItems', 'contains'];
const STRING_KEYWORDS = ['minLength', 'maxLength', 'pattern', 'format'];
const NUMBER_KEYWORDS = ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'];

const has = (o: Json, k: string) => Object.prototype.hasOwnProperty.call(o, k);

class Walk {
  private readonly out: Incompatibility[] = [];
  /** Pairs under comparison: meeting one again (a recursive schema) assumes it compatible. */
  private readonly inProgress = new Set<string>();
  private readonly ids = new WeakMap<object, number>();
  private nextId = 0;

  constructor(private readonly original: ParsedJsonSchema, private readonly update: ParsedJsonSchema) {}

  run(): Incompatibility[] {
    this.compare({ schema: this.original.root, doc: this.original.root }, { schema: this.update.root, doc: this.update.root }, '#', this.out);
    return this.out;
  }

  private idOf(o: object): number {
    let id = this.ids.get(o);
    if (id === undefined) this.ids.set(o, (id = this.nextId++));
    return id;
  }

  private add(into: Incompatibility[], type: string, path: string): void {
    if (WIDENING.has(type)) return;
    into.push({ type, path, message: `at ${path}: ${explain(type)}` });
  }

  /** Whether `original` → `update` widens, without recording anything. */
  private widens(original: Node, update: Node, path: string): boolean {
    const scratch: Incompatibility[] = [];
    this.compare(original, update, path, scratch);
    return scratch.length === 0;
  }

  // ------------------------------------------------------------------------------------- resolving

  private resolve(node: Node, parsed: ParsedJsonSchema, depth = 0): Node {
    const s = node.schema;
    if (typeof s !== 'object' || typeof s['$ref'] !== 'string' || depth > 50) return node;
    const ref = s['$ref'];
    const hash = ref.indexOf('#');
    const base = hash < 0 ? ref : ref.slice(0, hash);
    const pointer = hash < 0 ? '' : ref.slice(hash + 1);
    const doc = base === '' ? node.doc : parsed.references.get(base) ?? findById(parsed, base);
    if (doc === undefined) return node;
    const target = pointerGet(doc, pointer);
    return target === undefined ? node : this.resolve({ schema: target as JsonSchemaDocument, doc }, parsed, depth + 1);
  }

  private model(node0: Node, parsed: ParsedJsonSchema): Model {
    const node = this.resolve(node0, parsed);
    const s = node.schema;
    if (s === true) return { kind: 'empty', json: {}, node };
    if (s === false) return { kind: 'false', json: {}, node };
    const parts: Node[] = [];
    const part = (schema: JsonSchemaDocument) => parts.push({ schema, doc: node.doc });
    const rest: Json = {};
    for (const [k, v] of Object.entries(s)) if (!['enum', 'const', 'allOf', 'anyOf', 'oneOf', 'not', 'type', '$ref'].includes(k)) rest[k] = v;
    // A schema with several kinds of constraint is their conjunction.
    const typed = typedParts(s, rest);
    if (typed.length === 1) part(typed[0]!);
    else if (typed.length > 1) part({ anyOf: typed });
    if (has(s, 'enum')) part({ enum: s['enum'] });
    if (has(s, 'const')) part({ enum: [s['const']] });
    if (has(s, 'not')) part({ not: s['not'] });
    for (const k of ['allOf', 'anyOf', 'oneOf'] as const) if (Array.isArray(s[k])) part({ [k]: s[k] });
    if (parts.length === 0) return { kind: 'empty', json: s, node };
    if (parts.length > 1) return { kind: 'allOf', json: s, node, parts };
    const only = parts[0]!.schema as Json;
    for (const k of ['allOf', 'anyOf', 'oneOf'] as const) {
      if (Array.isArray(only[k])) return { kind: k, json: only, node, parts: (only[k] as JsonSchemaDocument[]).map((schema) => ({ schema, doc: node.doc })) };
    }
    if (has(only, 'enum')) return { kind: 'enum', json: only, node };
    if (has(only, 'not')) return { kind: 'not', json: only, node };
    const t = only['type'] as string;
    if (t === 'integer') return { kind: 'number', integer: true, json: only, node };
    return { kind: t as Kind, json: only, node };
  }

  // ----------------------------------------------------------------------------------- comparing

  private compare(originalNode: Node, updateNode: Node, path: string, into: Incompatibility[]): void {
    const a = this.model(originalNode, this.original);
    const b = this.model(updateNode, this.update);
    if (a.kind === 'false' || b.kind === 'empty') return;
    const pair = typeof a.node.schema === 'object' && typeof b.node.schema === 'object' ? `${this.idOf(a.node.schema)}|${this.idOf(b.node.schema)}` : '';
    if (pair !== '') {
      if (this.inProgress.has(pair)) return;
      this.inProgress.add(pair);
    }
    try {
      this.compareModels(a, b, path, into);
    } finally {
      this.inProgress.delete(pair);
    }
  }

  private compareModels(a: Model, b: Model, path: string, into: Incompatibility[]): void {
    const isSum = (m: Model) => m.kind === 'anyOf' || m.kind === 'oneOf';
    const isCombined = (m: Model) => isSum(m) || m.kind === 'allOf';
    // Something that was one type may become a union holding it.
    if (!isCombined(a) && isCombined(b) && (isSum(b) || b.parts!.length === 1)) {
      if (b.parts!.some((p) => this.widens(a.node, p, path))) return;
    }
    if (isCombined(a) && !isCombined(b) && a.parts!.length === 1) return this.compare(a.parts![0]!, b.node, path, into);
    if (a.kind !== b.kind) {
      this.add(into, 'TYPE_CHANGED', path);
      return;
    }
    switch (a.kind) {
      case 'string': return this.compareString(a.json, b.json, path, into);
      case 'number': return this.compareNumber(a, b, path, into);
      case 'enum': return this.compareEnum(a.json, b.json, path, into);
      case 'not':
        // not X accepts more when X accepts less.
        if (!this.widens({ schema: b.json['not'] as JsonSchemaDocument, doc: b.node.doc }, { schema: a.json['not'] as JsonSchemaDocument, doc: a.node.doc }, `${path}/not`)) {
          this.add(into, 'NOT_TYPE_EXTENDED', path);
        }
        return;
      case 'object': return this.compareObject(a, b, path, into);
      case 'array': return this.compareArray(a, b, path, into);
      case 'allOf':
      case 'anyOf':
      case 'oneOf':
        return this.compareCombined(a, b, path, into);
      default:
        return;
    }
  }

  private compareCombined(a: Model, b: Model, path: string, into: Incompatibility[]): void {
    const ap = a.parts!;
    const bp = b.parts!;
    if (a.kind === 'allOf') {
      if (bp.length > ap.length) this.add(into, 'PRODUCT_TYPE_EXTENDED', path);
      // Every constraint the update imposes must be implied by one the original imposed.
      bp.forEach((u, i) => {
        if (!ap.some((o) => this.widens(o, u, `${path}/allOf/${i}`))) this.add(into, 'COMBINED_TYPE_SUBSCHEMAS_CHANGED', `${path}/allOf/${i}`);
      });
      return;
    }
    if (bp.length < ap.length) this.add(into, 'SUM_TYPE_NARROWED', path);
    // Every branch the original accepted must still be accepted by a branch of the update.
    ap.forEach((o, i) => {
      const sub = `${path}/${a.kind}/${i}`;
      if (bp[i] && this.widens(o, bp[i]!, sub)) return;
      if (!bp.some((u) => this.widens(o, u, sub))) {
        if (bp[i]) this.compare(o, bp[i]!, sub, into);
        else this.add(into, 'COMBINED_TYPE_SUBSCHEMAS_CHANGED', sub);
      }
    });
  }

  /** A numeric limit; whether a change widens follows from its name (MAX_LENGTH_INCREASED widens, MIN_LENGTH_INCREASED narrows). */
  private bound(into: Incompatibility[], path: string, name: string, o: unknown, u: unknown): void {
    if (o === u) return;
    const key = name.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();
    // Draft 4's boolean exclusiveMaximum / exclusiveMinimum: true is the narrower setting.
    if (o === undefined || o === false) return this.add(into, `${key}_ADDED`, `${path}/${name}`);
    if (u === undefined || u === false) return this.add(into, `${key}_REMOVED`, `${path}/${name}`);
    if (typeof o !== 'number' || typeof u !== 'number') return this.add(into, `${key}_CHANGED`, `${path}/${name}`);
    this.add(into, `${key}_${u > o ? 'INCREASED' : 'DECREASED'}`, `${path}/${name}`);
  }

  private compareString(o: Json, u: Json, path: string, into: Incompatibility[]): void {
    this.bound(into, path, 'maxLength', o['maxLength'], u['maxLength']);
    this.bound(into, path, 'minLength', o['minLength'], u['minLength']);
    if (o['pattern'] !== u['pattern']) {
      if (o['pattern'] === undefined) this.add(into, 'PATTERN_ADDED', `${path}/pattern`);
      else if (u['pattern'] === undefined) this.add(into, 'PATTERN_REMOVED', `${path}/pattern`);
      else this.add(into, 'PATTERN_CHANGED', `${path}/pattern`);
    }
  }

  private compareNumber(a: Model, b: Model, path: string, into: Incompatibility[]): void {
    if (a.integer && !b.integer) this.add(into, 'TYPE_EXTENDED', path);
    else if (!a.integer && b.integer) this.add(into, 'TYPE_NARROWED', path);
    const o = a.json;
    const u = b.json;
    this.bound(into, path, 'maximum', o['maximum'], u['maximum']);
    this.bound(into, path, 'minimum', o['minimum'], u['minimum']);
    this.bound(into, path, 'exclusiveMaximum', o['exclusiveMaximum'], u['exclusiveMaximum']);
    this.bound(into, path, 'exclusiveMinimum', o['exclusiveMinimum'], u['exclusiveMinimum']);
    const om = o['multipleOf'];
    const um = u['multipleOf'];
    if (om !== um) {
      if (om === undefined) this.add(into, 'MULTIPLE_OF_ADDED', `${path}/multipleOf`);
      else if (um === undefined) this.add(into, 'MULTIPLE_OF_REMOVED', `${path}/multipleOf`);
      // Every multiple of 10 is a multiple of 5: a divisor of the old step widens.
      else if (typeof om === 'number' && typeof um === 'number' && isMultiple(om, um)) this.add(into, 'MULTIPLE_OF_REDUCED', `${path}/multipleOf`);
      else if (typeof om === 'number' && typeof um === 'number' && isMultiple(um, om)) this.add(into, 'MULTIPLE_OF_EXPANDED', `${path}/multipleOf`);
      else this.add(into, 'MULTIPLE_OF_CHANGED', `${path}/multipleOf`);
    }
  }

  private compareEnum(o: Json, u: Json, path: string, into: Incompatibility[]): void {
    const ov = (o['enum'] as unknown[]).map((v) => JSON.stringify(v));
    const uv = new Set((u['enum'] as unknown[]).map((v) => JSON.stringify(v)));
    const kept = ov.filter((v) => uv.has(v)).length;
    if (kept === ov.length) {
      if (uv.size > ov.length) this.add(into, 'ENUM_ARRAY_EXTENDED', `${path}/enum`);
    } else this.add(into, kept === 0 || uv.size >= ov.length ? 'ENUM_ARRAY_CHANGED' : 'ENUM_ARRAY_NARROWED', `${path}/enum`);
  }

  // ------------------------------------------------------------------------------------- objects

  private compareObject(a: Model, b: Model, path: string, into: Incompatibility[]): void {
    const o = a.json;
    const u = b.json;
    const op = (o['properties'] ?? {}) as Record<string, JsonSchemaDocument>;
    const up = (u['properties'] ?? {}) as Record<string, JsonSchemaDocument>;
    const oreq = new Set((o['required'] ?? []) as string[]);
    const ureq = new Set((u['required'] ?? []) as string[]);
    const hasDefault = (s: JsonSchemaDocument | undefined) => typeof s === 'object' && s !== null && has(s, 'default');
    for (const name of Object.keys(op)) {
      if (!has(up, name)) continue;
      if (oreq.has(name) && !ureq.has(name)) this.add(into, 'REQUIRED_ATTRIBUTE_REMOVED', `${path}/required/${name}`);
      else if (!oreq.has(name) && ureq.has(name)) this.add(into, hasDefault(up[name]) ? 'REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED' : 'REQUIRED_ATTRIBUTE_ADDED', `${path}/required/${name}`);
    }
    const names = new Set([...Object.keys(op), ...Object.keys(up)]);
    for (const name of names) {
      const sub = `${path}/properties/${name}`;
      const oNode = { schema: op[name]!, doc: a.node.doc };
      const uNode = { schema: up[name]!, doc: b.node.doc };
      if (!has(up, name)) {
        // Removed: what the update's content model does with the name now decides.
        const removedWasFalse = op[name] === false;
        const model = contentModel(u);
        if (removedWasFalse) this.add(into, 'PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL', sub);
        else if (model.kind === 'open') this.add(into, 'PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL', sub);
        else if (model.kind === 'partial') {
          const covering = coveringSchema(u, name);
          const covered = covering !== undefined && this.widens(oNode, { schema: covering, doc: b.node.doc }, sub);
          this.add(into, covered ? 'PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL' : 'PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL', sub);
        } else this.add(into, 'PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL', sub);
      } else if (!has(op, name)) {
        // Added: what the original's content model let earlier data hold under the name decides.
        const model = contentModel(o);
        const required = ureq.has(name);
        if (model.kind === 'open') {
          this.add(into, isEmptySchema(up[name]!) ? 'PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL' : 'PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL', sub);
        } else if (model.kind === 'partial' && coveringSchema(o, name) !== undefined) {
          const covered = this.widens({ schema: coveringSchema(o, name)!, doc: a.node.doc }, uNode, sub);
          this.add(into, covered ? 'PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL' : 'PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL', sub);
        }
        if (model.kind !== 'open' && required) {
          this.add(into, hasDefault(up[name]) ? 'REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL' : 'REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL', sub);
        } else if (model.kind !== 'open') this.add(into, 'OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL', sub);
      } else this.compare(oNode, uNode, sub, into);
    }
    this.compareAdditional(o['additionalProperties'], u['additionalProperties'], a, b, `${path}/additionalProperties`, 'PROPERTIES', into);
    this.compareDependencies(a, b, path, into);
    this.bound(into, path, 'maxProperties', o['maxProperties'], u['maxProperties']);
    this.bound(into, path, 'minProperties', o['minProperties'], u['minProperties']);
  }

  /** additionalProperties / additionalItems: absent or true allows anything, false nothing, a schema what it accepts. */
  private compareAdditional(o: unknown, u: unknown, a: Model, b: Model, path: string, what: 'PROPERTIES' | 'ITEMS', into: Incompatibility[]): void {
    const allows = (x: unknown) => x !== false;
    const schemaOf = (x: unknown) => (x === undefined || x === true || (typeof x === 'object' && x !== null && Object.keys(x).length === 0) ? undefined : (x as JsonSchemaDocument));
    if (allows(o) !== allows(u)) return this.add(into, allows(u) ? `ADDITIONAL_${what}_ADDED` : `ADDITIONAL_${what}_REMOVED`, path);
    if (!allows(o)) return;
    const os = schemaOf(o);
    const us = schemaOf(u);
    if (os === undefined && us !== undefined) return this.add(into, `ADDITIONAL_${what}_NARROWED`, path);
    if (os !== undefined && us === undefined) return this.add(into, `ADDITIONAL_${what}_EXTENDED`, path);
    if (os !== undefined && us !== undefined) this.compare({ schema: os, doc: a.node.doc }, { schema: us, doc: b.node.doc }, path, into);
  }

  private compareDependencies(a: Model, b: Model, path: string, into: Incompatibility[]): void {
    const split = (j: Json) => {
      const arrays = new Map<string, string[]>();
      const schemas = new Map<string, JsonSchemaDocument>();
      for (const [k, v] of Object.entries({ ...((j['dependencies'] ?? {}) as Json), ...((j['dependentRequired'] ?? {}) as Json), ...((j['dependentSchemas'] ?? {}) as Json) })) {
        if (Array.isArray(v)) arrays.set(k, v as string[]);
        else schemas.set(k, v as JsonSchemaDocument);
      }
      return { arrays, schemas };
    };
    const o = split(a.json);
    const u = split(b.json);
    for (const k of new Set([...o.arrays.keys(), ...u.arrays.keys()])) {
      const sub = `${path}/dependencies/${k}`;
      const ov = o.arrays.get(k);
      const uv = u.arrays.get(k);
      if (!uv) this.add(into, 'DEPENDENCY_ARRAY_REMOVED', sub);
      else if (!ov) this.add(into, 'DEPENDENCY_ARRAY_ADDED', sub);
      else {
        const oset = new Set(ov);
        const uset = new Set(uv);
        if (ov.every((x) => uset.has(x)) && uv.every((x) => oset.has(x))) continue;
        if (ov.every((x) => uset.has(x))) this.add(into, 'DEPENDENCY_ARRAY_EXTENDED', sub);
        else if (uv.every((x) => oset.has(x))) this.add(into, 'DEPENDENCY_ARRAY_NARROWED', sub);
        else this.add(into, 'DEPENDENCY_ARRAY_CHANGED', sub);
      }
    }
    for (const k of new Set([...o.schemas.keys(), ...u.schemas.keys()])) {
      const sub = `${path}/dependencies/${k}`;
      if (!u.schemas.has(k)) this.add(into, 'DEPENDENCY_SCHEMA_REMOVED', sub);
      else if (!o.schemas.has(k)) this.add(into, 'DEPENDENCY_SCHEMA_ADDED', sub);
      else this.compare({ schema: o.schemas.get(k)!, doc: a.node.doc }, { schema: u.schemas.get(k)!, doc: b.node.doc }, sub, into);
    }
  }

  // -------------------------------------------------------------------------------------- arrays

  private compareArray(a: Model, b: Model, path: string, into: Incompatibility[]): void {
    const o = a.json;
    const u = b.json;
    this.bound(into, path, 'maxItems', o['maxItems'], u['maxItems']);
    this.bound(into, path, 'minItems', o['minItems'], u['minItems']);
    if (o['uniqueItems'] !== true && u['uniqueItems'] === true) this.add(into, 'UNIQUE_ITEMS_ADDED', `${path}/uniqueItems`);
    else if (o['uniqueItems'] === true && u['uniqueItems'] !== true) this.add(into, 'UNIQUE_ITEMS_REMOVED', `${path}/uniqueItems`);
    const ot = tupleOf(o);
    const ut = tupleOf(u);
    if (!ot && !ut) {
      if (o['items'] === undefined && u['items'] === undefined) return;
      const os = (o['items'] ?? true) as JsonSchemaDocument;
      const us = (u['items'] ?? true) as JsonSchemaDocument;
      this.compare({ schema: os, doc: a.node.doc }, { schema: us, doc: b.node.doc }, `${path}/items`, into);
      return;
    }
    // Tuples: positions compare pairwise; positions only one side has depend on the content model,
    // as object properties do.
    const otuple = ot ?? [];
    const utuple = ut ?? [];
    const oRest = restOf(o, !!ot);
    const uRest = restOf(u, !!ut);
    const n = Math.max(otuple.length, utuple.length);
    for (let i = 0; i < n; i++) {
      const sub = `${path}/items/${i}`;
      if (i < otuple.length && i < utuple.length) this.compare({ schema: otuple[i]!, doc: a.node.doc }, { schema: utuple[i]!, doc: b.node.doc }, sub, into);
      else if (i < otuple.length) {
        if (otuple[i] === false) this.add(into, 'ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL', sub);
        else if (uRest === true) this.add(into, 'ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL', sub);
        else if (uRest === false) this.add(into, 'ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL', sub);
        else this.add(into, this.widens({ schema: otuple[i]!, doc: a.node.doc }, { schema: uRest, doc: b.node.doc }, sub) ? 'ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL' : 'ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL', sub);
      } else {
        if (oRest === false) this.add(into, 'ITEM_ADDED_TO_CLOSED_CONTENT_MODEL', sub);
        else if (oRest === true) this.add(into, isEmptySchema(utuple[i]!) ? 'ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL' : 'ITEM_ADDED_TO_OPEN_CONTENT_MODEL', sub);
        else this.add(into, this.widens({ schema: oRest, doc: a.node.doc }, { schema: utuple[i]!, doc: b.node.doc }, sub) ? 'ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL' : 'ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL', sub);
      }
    }
    if (ot && ut) this.compareAdditional(oRest, uRest, a, b, `${path}/additionalItems`, 'ITEMS', into);
  }
}

function typedParts(s: Json, rest: Json): Json[] {
  const t = s['type'];
  const types = Array.isArray(t) ? (t as string[]) : typeof t === 'string' ? [t] : inferTypes(rest);
  return types.map((type) => ({ ...pick(rest, keywordsOf(type)), type }));
}

function inferTypes(rest: Json): string[] {
  const out: string[] = [];
  if (OBJECT_KEYWORDS.some((k) => has(rest, k))) out.push('object');
  if (ARRAY_KEYWORDS.some((k) => has(rest, k))) out.push('array');
  if (STRING_KEYWORDS.some((k) => has(rest, k))) out.push('string');
  if (NUMBER_KEYWORDS.some((k) => has(rest, k))) out.push('number');
  return out;
}

function keywordsOf(type: string): string[] {
  switch (type) {
    case 'object': return OBJECT_KEYWORDS;
    case 'array': return ARRAY_KEYWORDS;
    case 'string': return STRING_KEYWORDS;
    case 'number':
    case 'integer':
      return NUMBER_KEYWORDS;
    default:
      return [];
  }
}

function pick(o: Json, keys: readonly string[]): Json {
  const out: Json = {};
  for (const k of keys) if (has(o, k)) out[k] = o[k];
  return out;
}

function isEmptySchema(s: JsonSchemaDocument): boolean {
  if (s === true) return true;
  if (s === false) return false;
  return Object.keys(s).every((k) => ['title', 'description', '$comment', 'default', 'examples'].includes(k));
}

/** open: any extra property allowed; partial: extras constrained by schemas; closed: none allowed. */
function contentModel(o: Json): { kind: 'open' | 'partial' | 'closed' } {
  const ap = o['additionalProperties'];
  const patterns = o['patternProperties'] as Json | undefined;
  const hasPatterns = patterns !== undefined && Object.keys(patterns).length > 0;
  if (ap === false && !hasPatterns) return { kind: 'closed' };
  if ((ap === undefined || ap === true || (typeof ap === 'object' && ap !== null && Object.keys(ap).length === 0)) && !hasPatterns) return { kind: 'open' };
  return { kind: 'partial' };
}

/** The schema an undeclared property `name` is checked against: a matching patternProperties entry, else additionalProperties. */
function coveringSchema(o: Json, name: string): JsonSchemaDocument | undefined {
  const patterns = (o['patternProperties'] ?? {}) as Record<string, JsonSchemaDocument>;
  for (const [p, s] of Object.entries(patterns)) {
    try {
      if (new RegExp(p, 'u').test(name)) return s;
    } catch {
      // An ECMA-262-incompatible pattern: treat as not matching.
    }
  }
  const ap = o['additionalProperties'];
  if (ap === false) return undefined;
  return (ap ?? true) as JsonSchemaDocument;
}

/** Tuple item schemas (draft 4–2019 `items: [...]`, 2020-12 `prefixItems`), or undefined for list validation. */
function tupleOf(o: Json): JsonSchemaDocument[] | undefined {
  if (Array.isArray(o['prefixItems'])) return o['prefixItems'] as JsonSchemaDocument[];
  if (Array.isArray(o['items'])) return o['items'] as JsonSchemaDocument[];
  return undefined;
}

/** What positions after the tuple accept: true, false, or a schema. */
function restOf(o: Json, isTuple: boolean): JsonSchemaDocument {
  if (!isTuple) return true;
  const rest = Array.isArray(o['prefixItems']) ? o['items'] : o['additionalItems'];
  if (rest === undefined || rest === true) return true;
  if (rest === false) return false;
  return isEmptySchema(rest as JsonSchemaDocument) ? true : (rest as JsonSchemaDocument);
}

function isMultiple(big: number, small: number): boolean {
  const q = big / small;
  return Math.abs(q - Math.round(q)) < 1e-9;
}

function pointerGet(doc: unknown, pointer: string): unknown {
  if (pointer === '' || pointer === '/') return doc;
  let cur = doc;
  for (const raw of pointer.replace(/^\//, '').split('/')) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

function findById(parsed: ParsedJsonSchema, id: string): JsonSchemaDocument | undefined {
  for (const doc of parsed.references.values()) {
    if (typeof doc === 'object' && (doc['$id'] === id || doc['id'] === id)) return doc;
  }
  return undefined;
}

/** Every way data valid under `writer` can be invalid under `reader`; empty when it cannot. */
export function jsonSchemaReaderIncompatibilities(reader: ParsedJsonSchema, writer: ParsedJsonSchema): Incompatibility[] {
  return new Walk(writer, reader).run();
}
