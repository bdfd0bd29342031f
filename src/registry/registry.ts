// Confluent Schema Registry semantics over a SchemaStore: registration (id reuse, compatibility,
// version numbering), lookups, soft and permanent deletes, config and mode, with Confluent's error
// codes. Every change is a `_schemas` record written through a RegistryLog and applied when the log
// hands it back, so several instances reading the same log agree.
import { checkCompatibility, COMPATIBILITY_LEVELS, type CompatibilityLevel, type Incompatibility } from './compatibility.js';
import { SCHEMA_FORMATS } from './schema-formats.js';
import { SchemaStore, type Mode, type RegistryRecord, type SchemaReference, type SchemaType, type StoredSchema, type SubjectVersion } from './schema-store.js';

/** Where registry records are made durable; resolves once the store has applied them. */
export interface RegistryLog {
  append(records: RegistryRecord[]): Promise<void>;
}

/** Confluent's error: HTTP status plus error_code and message in the body. */
export class RegistryError extends Error {
  constructor(readonly status: number, readonly errorCode: number, message: string) {
    super(message);
    this.name = 'RegistryError';
  }
}

const notFound = {
  subject: (s: string) => new RegistryError(404, 40401, `Subject '${s}' not found.`),
  version: (v: number | string) => new RegistryError(404, 40402, `Version ${v} not found.`),
  schema: (id?: number) => new RegistryError(404, 40403, id === undefined ? 'Schema not found' : `Schema ${id} not found`),
};

export const MODES: readonly Mode[] = ['READWRITE', 'READONLY', 'IMPORT'];
/** In the order Confluent's /schemas/types lists them. */
export const SCHEMA_TYPES: readonly SchemaType[] = [...SCHEMA_FORMATS.keys()].sort().reverse();

export interface SchemaInput {
  schema: string;
  schemaType?: string;
  references?: SchemaReference[];
}

interface Normalised {
  schemaType: SchemaType;
  schema: string;
  references: SchemaReference[];
  parsed: Parsed;
}

/** A schema as its format parsed it, with its type: compatibility needs both. */
interface Parsed {
  schemaType: SchemaType;
  value: unknown;
}

export interface VersionView {
  subject: string;
  version: number;
  id: number;
  schema: string;
  schemaType?: string;
  references?: SchemaReference[];
}

export class SchemaRegistry {
  /** Serialises writes: a registration reads the state, decides, writes, and the next one sees it. */
  private writing: Promise<unknown> = Promise.resolve();

  constructor(readonly store: SchemaStore, private readonly log: RegistryLog) {}

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.writing.then(fn, fn);
    this.writing = run.catch(() => {});
    return run;
  }

  // ----------------------------------------------------------------------------------- normalising

  /** Recent normalisations by request text: serializers look the same few schemas up again and again. */
  private readonly normalised = new Map<string, Normalised>();

  private normalise(input: SchemaInput): Normalised {
    const key = JSON.stringify([input.schemaType ?? 'AVRO', input.schema, input.references ?? []]);
    const hit = this.normalised.get(key);
    // References resolve to versions that may be deleted later: only reference-free schemas are cached.
    if (hit) return hit;
    const n = this.normaliseUncached(input);
    if (n.references.length === 0) {
      if (this.normalised.size >= 1000) this.normalised.clear();
      this.normalised.set(key, n);
    }
    return n;
  }

  /** Validates and normalises a schema; references must name registered versions. */
  private normaliseUncached(input: SchemaInput): Normalised {
    const schemaType = (input.schemaType ?? 'AVRO').toUpperCase();
    if (!SCHEMA_TYPES.includes(schemaType as SchemaType)) throw new RegistryError(422, 42201, `Invalid schema type ${input.schemaType}`);
    if (typeof input.schema !== 'string' || input.schema.trim() === '') throw new RegistryError(422, 42201, 'Invalid schema: empty');
    const references = input.references ?? [];
    const refTexts = new Map<string, string>();
    for (const r of references) {
      const v = this.store.versions(r.subject)?.find((x) => x.version === r.version);
      if (!v) throw new RegistryError(422, 42201, `Invalid schema: reference ${r.name} to ${r.subject} version ${r.version} not found`);
      refTexts.set(r.name, this.store.schemaById(v.id)!.schema);
    }
    try {
      const { canonical, parsed } = SCHEMA_FORMATS.get(schemaType as SchemaType)!.parse(input.schema, refTexts);
      return { schemaType: schemaType as SchemaType, schema: canonical, references, parsed: { schemaType: schemaType as SchemaType, value: parsed } };
    } catch (err) {
      throw new RegistryError(422, 42201, `Invalid schema ${input.schema}: ${(err as Error).message}`);
    }
  }

  /** Parsed schemas by id: ids never change meaning, so each is parsed once. */
  private readonly parsed = new Map<number, Parsed>();

  private parsedOf(id: number): Parsed {
    const cached = this.parsed.get(id);
    if (cached) return cached;
    const type = this.parseStored(id);
    this.parsed.set(id, type);
    return type;
  }

  /** The versions a level checks against: all of them when transitive, else the latest. */
  private against(level: CompatibilityLevel, live: readonly SubjectVersion[]): SubjectVersion[] {
    if (level === 'NONE') return [];
    return level.endsWith('_TRANSITIVE') ? [...live] : live.slice(-1);
  }

  private parseStored(id: number): Parsed {
    const s = this.store.schemaById(id)!;
    const refTexts = new Map<string, string>();
    for (const r of s.references) {
      const v = this.store.allVersions(r.subject).find((x) => x.version === r.version);
      if (v) refTexts.set(r.name, this.store.schemaById(v.id)!.schema);
    }
    return { schemaType: s.schemaType, value: SCHEMA_FORMATS.get(s.schemaType)!.parse(s.schema, refTexts).parsed };
  }

  /** Problems with `candidate` against earlier versions at `level`; a change of schema type is one. */
  private problems(level: CompatibilityLevel, candidate: Parsed, against: readonly SubjectVersion[]): Incompatibility[] {
    return checkCompatibility(level, candidate, against.map((v) => this.parsedOf(v.id)), (reader, writer) =>
      reader.schemaType !== writer.schemaType
        ? [{ type: 'TYPE_MISMATCH', path: '/', message: `a ${reader.schemaType} schema cannot read ${writer.schemaType} data` }]
        : SCHEMA_FORMATS.get(reader.schemaType)!.readerIncompatibilities(reader.value, writer.value),
    );
  }

  private view(v: SubjectVersion): VersionView {
    const s = this.store.schemaById(v.id)!;
    const out: VersionView = { subject: v.subject, version: v.version, id: v.id, schema: s.schema };
    if (s.schemaType !== 'AVRO') out.schemaType = s.schemaType;
    if (s.references.length > 0) out.references = s.references;
    return out;
  }

  // ---------------------------------------------------------------------------------------- writes

  /** POST /subjects/{subject}/versions: the schema's id, registering it as the next version if new. */
  register(subject: string, input: SchemaInput, opts: { normalize?: boolean } = {}): Promise<{ id: number }> {
    void opts;
    return this.exclusive(async () => {
      const n = this.normalise(input);
      const live = this.store.versions(subject) ?? [];
      const existingId = this.store.idOf(n.schemaType, n.schema, n.references);
      // Registering a schema the subject already has answers its id, whatever the mode or level.
      if (existingId !== undefined && live.some((v) => v.id === existingId)) return { id: existingId };
      if (this.store.modeOf(subject) === 'READONLY') throw new RegistryError(422, 42205, `Subject ${subject} is in read-only mode`);
      const level = this.store.compatibilityOf(subject);
      const problems = this.problems(level, n.parsed, this.against(level, live));
      if (problems.length > 0) throw incompatible(subject, problems);
      const id = existingId ?? this.store.nextId();
      const version = (this.store.allVersions(subject).at(-1)?.version ?? 0) + 1;
      const stored: StoredSchema = { id, schemaType: n.schemaType, schema: n.schema, references: n.references };
      await this.log.append([SchemaStore.schemaRecord({ subject, version, id, deleted: false }, stored)]);
      return { id };
    });
  }

  /** DELETE /subjects/{subject}/versions/{version}: soft delete, or permanent after a soft one. */
  deleteVersion(subject: string, versionText: string, permanent: boolean): Promise<number> {
    return this.exclusive(async () => {
      const all = this.store.allVersions(subject);
      if (all.length === 0) throw notFound.subject(subject);
      const v = this.resolveVersion(subject, versionText, true);
      if (permanent) {
        if (!v.deleted) throw new RegistryError(404, 40407, `Subject '${subject}' Version ${v.version} was not deleted first before being permanently deleted`);
        await this.log.append([SchemaStore.schemaTombstone(subject, v.version)]);
      } else {
        if (v.deleted) throw new RegistryError(404, 40406, `Subject '${subject}' Version ${v.version} was soft deleted. Set permanent=true to delete permanently`);
        await this.log.append([SchemaStore.schemaRecord({ ...v, deleted: true }, this.store.schemaById(v.id)!)]);
      }
      return v.version;
    });
  }

  /** DELETE /subjects/{subject}: every version soft-deleted, or permanently after that. */
  deleteSubject(subject: string, permanent: boolean): Promise<number[]> {
    return this.exclusive(async () => {
      const all = this.store.allVersions(subject);
      if (all.length === 0) throw notFound.subject(subject);
      const live = all.filter((v) => !v.deleted);
      if (permanent) {
        if (live.length > 0) throw new RegistryError(404, 40405, `Subject '${subject}' was not deleted first before being permanently deleted`);
        await this.log.append(all.map((v) => SchemaStore.schemaTombstone(subject, v.version)));
        return all.map((v) => v.version);
      }
      if (live.length === 0) throw new RegistryError(404, 40404, `Subject '${subject}' was soft deleted.Set permanent=true to delete permanently`);
      await this.log.append([SchemaStore.deleteSubjectRecord(subject, live.at(-1)!.version)]);
      return live.map((v) => v.version);
    });
  }

  setCompatibility(subject: string | null, level: string): Promise<CompatibilityLevel> {
    return this.exclusive(async () => {
      const upper = String(level ?? '').toUpperCase();
      if (!COMPATIBILITY_LEVELS.includes(upper as CompatibilityLevel)) throw new RegistryError(422, 42203, `Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive`);
      await this.log.append([SchemaStore.configRecord(subject, upper as CompatibilityLevel)]);
      return upper as CompatibilityLevel;
    });
  }

  deleteCompatibility(subject: string | null): Promise<CompatibilityLevel> {
    return this.exclusive(async () => {
      const before = subject === null ? this.store.globalCompatibility : this.store.subjectCompatibility(subject);
      if (subject !== null && before === undefined) throw notFound.subject(subject);
      await this.log.append([SchemaStore.configRecord(subject, null)]);
      return before!;
    });
  }

  setMode(subject: string | null, mode: string): Promise<Mode> {
    return this.exclusive(async () => {
      const upper = String(mode ?? '').toUpperCase();
      if (!MODES.includes(upper as Mode)) throw new RegistryError(422, 42204, `Invalid mode. Valid values are READWRITE, READONLY, IMPORT`);
      await this.log.append([SchemaStore.modeRecord(subject, upper as Mode)]);
      return upper as Mode;
    });
  }

  // ----------------------------------------------------------------------------------------- reads

  private resolveVersion(subject: string, versionText: string, includeDeleted = false): SubjectVersion {
    const versions = includeDeleted ? this.store.allVersions(subject) : this.store.versions(subject) ?? [];
    if (versionText === 'latest' || versionText === '-1') {
      const latest = versions.at(-1);
      if (!latest) throw notFound.version(versionText);
      return latest;
    }
    const n = Number(versionText);
    if (!Number.isInteger(n) || n < 1 || n > 2147483647) {
      throw new RegistryError(422, 42202, `The specified version '${versionText}' is not a valid version id. Allowed values are between [1, 2^31-1] and the string "latest"`);
    }
    const v = versions.find((x) => x.version === n);
    if (!v) throw notFound.version(n);
    return v;
  }

  subjects(includeDeleted: boolean): string[] {
    return this.store.subjectNames(includeDeleted);
  }

  versionNumbers(subject: string, includeDeleted: boolean): number[] {
    const vs = this.store.versions(subject, includeDeleted);
    if (!vs) throw notFound.subject(subject);
    return vs.map((v) => v.version);
  }

  version(subject: string, versionText: string, includeDeleted = false): VersionView {
    if (!this.store.versions(subject, includeDeleted)) throw notFound.subject(subject);
    return this.view(this.resolveVersion(subject, versionText, includeDeleted));
  }

  schemaById(id: number): { schema: string; schemaType?: string; references?: SchemaReference[] } {
    const s = this.store.schemaById(id);
    if (!s) throw notFound.schema(id);
    const out: { schema: string; schemaType?: string; references?: SchemaReference[] } = { schema: s.schema };
    if (s.schemaType !== 'AVRO') out.schemaType = s.schemaType;
    if (s.references.length > 0) out.references = s.references;
    return out;
  }

  versionsOfId(id: number, includeDeleted: boolean): { subject: string; version: number }[] {
    if (!this.store.schemaById(id)) throw notFound.schema(id);
    return this.store.usesOf(id, includeDeleted);
  }

  /** POST /subjects/{subject}: which version of the subject this schema is. */
  lookup(subject: string, input: SchemaInput, includeDeleted = false): VersionView {
    const versions = this.store.versions(subject, includeDeleted);
    if (!versions) throw notFound.subject(subject);
    const n = this.normalise(input);
    const id = this.store.idOf(n.schemaType, n.schema, n.references);
    const v = id === undefined ? undefined : versions.find((x) => x.id === id);
    if (!v) throw notFound.schema();
    return this.view(v);
  }

  /** POST /compatibility/subjects/{subject}/versions/{version}: against one version, or all with "latest" on transitive levels. */
  testCompatibility(subject: string, versionText: string | null, input: SchemaInput): { isCompatible: boolean; messages: string[] } {
    const n = this.normalise(input);
    const live = this.store.versions(subject) ?? [];
    const level = this.store.compatibilityOf(subject);
    let against: SubjectVersion[];
    if (versionText === null) against = live;
    else if (live.length === 0) throw notFound.subject(subject);
    else if ((versionText === 'latest' || versionText === '-1') && level.endsWith('_TRANSITIVE')) against = live;
    else against = [this.resolveVersion(subject, versionText)];
    const problems = this.problems(level, n.parsed, against);
    return { isCompatible: problems.length === 0, messages: problems.map(describeProblem) };
  }
}

function describeProblem(p: Incompatibility): string {
  return `{errorType:'${p.type}', description:'${p.message}', additionalInfo:'${p.path}'}`;
}

function incompatible(subject: string, problems: Incompatibility[]): RegistryError {
  const details = problems.map(describeProblem).join(', ');
  return new RegistryError(409, 409, `Schema being registered is incompatible with an earlier schema for subject "${subject}", details: [${details}]`);
}
