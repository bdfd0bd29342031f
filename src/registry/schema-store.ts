// The schema registry's state, rebuilt from (and written as) the records of the `_schemas` topic in
// Confluent Schema Registry's own format, so that either registry can read the other's topic:
//
//   key {"keytype":"SCHEMA","subject":S,"version":V,"magic":1}  value {"subject","version","id","schema","schemaType"?,"references"?,"deleted"}
//   key {"keytype":"CONFIG","subject":S|null,"magic":0}         value {"compatibilityLevel":L} (null: back to the default)
//   key {"keytype":"MODE","subject":S|null,"magic":0}           value {"mode":M}
//   key {"keytype":"DELETE_SUBJECT","subject":S,"magic":0}      value {"subject":S,"version":V}
//
// A SCHEMA key with a null value is a permanent delete. Ids are global: the same schema (type, text
// and references) registered under several subjects keeps one id.
import type { CompatibilityLevel } from './compatibility.js';

export type SchemaType = 'AVRO' | 'JSON' | 'PROTOBUF';
export type Mode = 'READWRITE' | 'READONLY' | 'IMPORT';

export interface SchemaReference {
  name: string;
  subject: string;
  version: number;
}

export interface StoredSchema {
  id: number;
  schemaType: SchemaType;
  /** The normalised text: equal schemas have equal texts. */
  schema: string;
  references: SchemaReference[];
}

export interface SubjectVersion {
  subject: string;
  version: number;
  id: number;
  deleted: boolean;
}

export interface RegistryRecord {
  key: Record<string, unknown>;
  value: Record<string, unknown> | null;
}

export const DEFAULT_COMPATIBILITY: CompatibilityLevel = 'BACKWARD';

/** The identity of a schema for id reuse: type, text and references. */
export function signatureOf(schemaType: SchemaType, schema: string, references: readonly SchemaReference[]): string {
  return JSON.stringify([schemaType, schema, references.map((r) => [r.name, r.subject, r.version])]);
}

export class SchemaStore {
  private readonly byId = new Map<number, StoredSchema>();
  private readonly idBySignature = new Map<string, number>();
  /** subject -> version -> entry, versions in ascending order of registration. */
  private readonly subjects = new Map<string, Map<number, SubjectVersion>>();
  private readonly subjectConfig = new Map<string, CompatibilityLevel>();
  private readonly subjectMode = new Map<string, Mode>();
  globalCompatibility: CompatibilityLevel = DEFAULT_COMPATIBILITY;
  globalMode: Mode = 'READWRITE';
  private maxId = 0;

  /** Applies one `_schemas` record, in log order. Unknown key types (NOOP, Confluent extensions) are ignored. */
  apply(record: RegistryRecord): void {
    const { key, value } = record;
    const subject = typeof key['subject'] === 'string' ? (key['subject'] as string) : null;
    switch (key['keytype']) {
      case 'SCHEMA': {
        if (subject === null || typeof key['version'] !== 'number') return;
        const version = key['version'] as number;
        const versions = this.versionsOf(subject, true)!;
        if (value === null) {
          versions.delete(version);
          if (versions.size === 0) this.subjects.delete(subject);
          return;
        }
        const id = Number(value['id']);
        const schemaType = ((value['schemaType'] as string | undefined) ?? 'AVRO') as SchemaType;
        const references = (value['references'] as SchemaReference[] | undefined) ?? [];
        const schema = String(value['schema']);
        if (!this.byId.has(id)) {
          this.byId.set(id, { id, schemaType, schema, references });
          this.idBySignature.set(signatureOf(schemaType, schema, references), id);
        }
        this.maxId = Math.max(this.maxId, id);
        versions.set(version, { subject, version, id, deleted: value['deleted'] === true });
        return;
      }
      case 'CONFIG': {
        const level = value?.['compatibilityLevel'] as CompatibilityLevel | undefined;
        if (subject === null) this.globalCompatibility = level ?? DEFAULT_COMPATIBILITY;
        else if (level) this.subjectConfig.set(subject, level);
        else this.subjectConfig.delete(subject);
        return;
      }
      case 'MODE': {
        const mode = value?.['mode'] as Mode | undefined;
        if (subject === null) this.globalMode = mode ?? 'READWRITE';
        else if (mode) this.subjectMode.set(subject, mode);
        else this.subjectMode.delete(subject);
        return;
      }
      case 'DELETE_SUBJECT': {
        if (subject === null || value === null) return;
        const upTo = Number(value['version']);
        for (const v of this.versionsOf(subject)?.values() ?? []) if (v.version <= upTo) v.deleted = true;
        return;
      }
      default:
    }
  }

  private versionsOf(subject: string, create = false): Map<number, SubjectVersion> | undefined {
    let versions = this.subjects.get(subject);
    if (!versions && create) this.subjects.set(subject, (versions = new Map()));
    return versions;
  }

  // ------------------------------------------------------------------------------------------- reads

  schemaById(id: number): StoredSchema | undefined {
    return this.byId.get(id);
  }

  idOf(schemaType: SchemaType, schema: string, references: readonly SchemaReference[]): number | undefined {
    return this.idBySignature.get(signatureOf(schemaType, schema, references));
  }

  /** The id the next new schema gets (Confluent: one more than the largest id seen). */
  nextId(): number {
    return this.maxId + 1;
  }

  /** Subjects with at least one live version (or any version, with deleted). */
  subjectNames(includeDeleted = false): string[] {
    return [...this.subjects].filter(([, vs]) => includeDeleted || [...vs.values()].some((v) => !v.deleted)).map(([s]) => s).sort();
  }

  /** Versions of a subject, ascending; undefined when the subject has none (live ones unless includeDeleted). */
  versions(subject: string, includeDeleted = false): SubjectVersion[] | undefined {
    const all = this.subjects.get(subject);
    if (!all) return undefined;
    const list = [...all.values()].filter((v) => includeDeleted || !v.deleted).sort((a, b) => a.version - b.version);
    return list.length > 0 ? list : undefined;
  }

  /** Every version of the subject, soft-deleted ones too (for the next version number and permanent deletes). */
  allVersions(subject: string): SubjectVersion[] {
    return [...(this.subjects.get(subject)?.values() ?? [])].sort((a, b) => a.version - b.version);
  }

  /** Subjects and versions that use a schema id. */
  usesOf(id: number, includeDeleted = false): { subject: string; version: number }[] {
    const out: { subject: string; version: number }[] = [];
    for (const [subject, vs] of this.subjects) for (const v of vs.values()) if (v.id === id && (includeDeleted || !v.deleted)) out.push({ subject, version: v.version });
    return out.sort((a, b) => a.subject.localeCompare(b.subject) || a.version - b.version);
  }

  /** Ids of schemas, still used by a live version, that reference subject/version. */
  referencing(subject: string, version: number): number[] {
    const out: number[] = [];
    for (const s of this.byId.values()) {
      if (s.references.some((r) => r.subject === subject && r.version === version) && this.usesOf(s.id).length > 0) out.push(s.id);
    }
    return out.sort((a, b) => a - b);
  }

  compatibilityOf(subject: string | null): CompatibilityLevel {
    return (subject !== null ? this.subjectConfig.get(subject) : undefined) ?? this.globalCompatibility;
  }

  subjectCompatibility(subject: string): CompatibilityLevel | undefined {
    return this.subjectConfig.get(subject);
  }

  modeOf(subject: string | null): Mode {
    return (subject !== null ? this.subjectMode.get(subject) : undefined) ?? this.globalMode;
  }

  subjectModeOf(subject: string): Mode | undefined {
    return this.subjectMode.get(subject);
  }

  // --------------------------------------------------------------------------------- records to write

  static schemaRecord(v: SubjectVersion, s: StoredSchema): RegistryRecord {
    const value: Record<string, unknown> = { subject: v.subject, version: v.version, id: s.id, schema: s.schema, deleted: v.deleted };
    // Confluent omits the type for Avro and empty reference lists.
    if (s.schemaType !== 'AVRO') value['schemaType'] = s.schemaType;
    if (s.references.length > 0) value['references'] = s.references;
    return { key: { keytype: 'SCHEMA', subject: v.subject, version: v.version, magic: 1 }, value };
  }

  static schemaTombstone(subject: string, version: number): RegistryRecord {
    return { key: { keytype: 'SCHEMA', subject, version, magic: 1 }, value: null };
  }

  static configRecord(subject: string | null, level: CompatibilityLevel | null): RegistryRecord {
    return { key: { keytype: 'CONFIG', subject, magic: 0 }, value: level === null ? null : { compatibilityLevel: level } };
  }

  static modeRecord(subject: string | null, mode: Mode | null): RegistryRecord {
    return { key: { keytype: 'MODE', subject, magic: 0 }, value: mode === null ? null : { mode } };
  }

  static deleteSubjectRecord(subject: string, version: number): RegistryRecord {
    return { key: { keytype: 'DELETE_SUBJECT', subject, magic: 0 }, value: { subject, version } };
  }
}
