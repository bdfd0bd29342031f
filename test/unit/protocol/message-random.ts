// Random messages for every struct in MESSAGE_DESCRIPTORS, built from the descriptor data (not from the
// generated code), so the round-trip tests check the generated codecs against an independent reading
// of the spec: which fields exist in a version, what their defaults are, when null is allowed.
import type { FieldDescriptor, MessageDescriptor } from '../../../src/protocol/generated/descriptors.js';

export type Rng = () => number;

/** mulberry32: tiny, seedable, good enough to spread test values. */
export function seeded(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const inRange = (r: [number, number] | null, v: number): boolean => r !== null && v >= r[0] && v <= r[1];
const int = (rnd: Rng, lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));

const STRINGS = ['', 'a', 'golden', 'kappa-client', 'héllo wörld', '日本語のトピック', 'emoji 🎉 ok', 'x'.repeat(130)];
const EDGE_INT64 = [0, -1, 1, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 2 ** 32, -(2 ** 32), 2 ** 31, -(2 ** 31) - 1];

export const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

export function isFlexible(d: MessageDescriptor, version: number): boolean {
  return inRange(d.flexibleVersions, version);
}

/** The value a field takes when it is absent from a version (or not set), per the spec's `default`. */
export function defaultValue(d: MessageDescriptor, f: FieldDescriptor): unknown {
  if (f.array) return f.default === 'null' ? null : [];
  if (f.default === 'null') return null;
  switch (f.type) {
    case 'bool':
      return f.default === 'true';
    case 'int8': case 'int16': case 'uint16': case 'int32': case 'uint32': case 'int64': case 'float64':
      return f.default === null || f.default === '' ? 0 : Number(f.default);
    case 'string':
      return f.default ?? '';
    case 'uuid':
      return ZERO_UUID;
    case 'bytes':
      return Buffer.alloc(0);
    case 'records':
      return null;
    default:
      return f.nullable ? null : defaultStruct(d, f.struct!);
  }
}

export function defaultStruct(d: MessageDescriptor, struct: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of d.structs[struct]!) out[f.name] = defaultValue(d, f);
  return out;
}

function randomUuid(rnd: Rng): string {
  const b = Buffer.alloc(16);
  for (let i = 0; i < 16; i++) b[i] = int(rnd, 0, 255);
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function randomBytes(rnd: Rng): Buffer {
  const n = rnd() < 0.2 ? 0 : int(rnd, 1, 40);
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = int(rnd, 0, 255);
  return b;
}

function randomScalar(d: MessageDescriptor, f: FieldDescriptor, version: number, rnd: Rng): unknown {
  switch (f.type) {
    case 'bool':
      return rnd() < 0.5;
    case 'int8':
      return int(rnd, -128, 127);
    case 'int16':
      return int(rnd, -32768, 32767);
    case 'uint16':
      return int(rnd, 0, 65535);
    case 'int32':
      return int(rnd, -(2 ** 31), 2 ** 31 - 1);
    case 'uint32':
      return int(rnd, 0, 2 ** 32 - 1);
    case 'int64':
      return rnd() < 0.3 ? EDGE_INT64[int(rnd, 0, EDGE_INT64.length - 1)] : int(rnd, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    case 'float64':
      return rnd() < 0.2 ? [0, -1.5, Number.MAX_VALUE, Number.MIN_VALUE, Infinity][int(rnd, 0, 4)] : (rnd() - 0.5) * 1e12;
    case 'string':
      return STRINGS[int(rnd, 0, STRINGS.length - 1)]! + (rnd() < 0.5 ? String(int(rnd, 0, 999)) : '');
    case 'uuid':
      return rnd() < 0.1 ? ZERO_UUID : randomUuid(rnd);
    case 'bytes':
    case 'records':
      return randomBytes(rnd);
    default:
      return randomStruct(d, f.struct!, version, rnd);
  }
}

function randomField(d: MessageDescriptor, f: FieldDescriptor, version: number, rnd: Rng, depth: number): unknown {
  if (!inRange(f.versions, version)) return defaultValue(d, f);
  if (f.tagged && rnd() < 0.4) return defaultValue(d, f);
  if (inRange(f.nullable, version) && rnd() < 0.25) return null;
  if (f.array) {
    const n = depth > 3 ? 0 : int(rnd, 0, 3);
    const a: unknown[] = [];
    for (let i = 0; i < n; i++) a.push(f.struct ? randomStruct(d, f.struct, version, rnd, depth + 1) : randomScalar(d, f, version, rnd));
    return a;
  }
  if (f.struct) return randomStruct(d, f.struct, version, rnd, depth + 1);
  return randomScalar(d, f, version, rnd);
}

/** A message valid at `version` with every field present: absent fields hold their defaults. */
export function randomStruct(d: MessageDescriptor, struct: string, version: number, rnd: Rng, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of d.structs[struct]!) out[f.name] = randomField(d, f, version, rnd, depth);
  return out;
}
