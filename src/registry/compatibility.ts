// The registry's compatibility levels, the same for every schema type: BACKWARD means the new schema
// reads data written with the old one, FORWARD the old schema reads data written with the new one,
// FULL both; *_TRANSITIVE checks against every earlier version, not just the latest. Each schema type
// supplies only "can this reader read what that writer wrote".

export const COMPATIBILITY_LEVELS = ['NONE', 'BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE'] as const;
export type CompatibilityLevel = (typeof COMPATIBILITY_LEVELS)[number];

export interface Incompatibility {
  /** Confluent's name for the problem, e.g. READER_FIELD_MISSING_DEFAULT_VALUE (Avro) or PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL (JSON). */
  type: string;
  /** JSON-pointer-like path in the schema. */
  path: string;
  message: string;
}

export type ReaderCheck<S> = (reader: S, writer: S) => Incompatibility[];

/**
 * Problems registering `candidate` under a subject whose live versions are `existing` (oldest first),
 * at the given level. Empty means compatible.
 */
export function checkCompatibility<S>(level: CompatibilityLevel, candidate: S, existing: readonly S[], canRead: ReaderCheck<S>): Incompatibility[] {
  if (level === 'NONE' || existing.length === 0) return [];
  const against = level.endsWith('_TRANSITIVE') ? existing : existing.slice(-1);
  const backward = level.startsWith('BACKWARD') || level.startsWith('FULL');
  const forward = level.startsWith('FORWARD') || level.startsWith('FULL');
  const out: Incompatibility[] = [];
  for (const old of against) {
    if (backward) out.push(...canRead(candidate, old));
    if (forward) out.push(...canRead(old, candidate).map((i) => ({ ...i, message: `(old schema reading new data) ${i.message}` })));
  }
  return out;
}
