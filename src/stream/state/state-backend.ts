// Keyed state of one task, kept in memory and made durable through a changelog: every cell changed
// since the last commit is handed out by takeChanges() and written to the job's changelog topic in
// the same transaction as the outputs and input offsets, so a restarted or moved task rebuilds exactly
// the state that matches the offsets it resumes from.
//
// A store maps a key to one value. Primitive keys are used as Map keys directly (the per-record path
// does no encoding); object keys are encoded as JSON. MapState values are JS Maps; they and every other
// value must survive the changelog's JSON encoding (see encodeState).
import type { KeyedStateStore, ListState, MapState, ValueState } from '../types.js';

export type StateKey = string | number | boolean | bigint | null | undefined | object;

export interface StateChange {
  store: string;
  key: unknown;
  /** undefined: deleted. */
  value: unknown;
}

function mapKey(key: unknown): unknown {
  return key !== null && typeof key === 'object' ? 'J' + JSON.stringify(key) : key;
}

export class StateBackend {
  private readonly stores = new Map<string, Map<unknown, unknown>>();
  /** store → (map key → original key) of cells changed since the last takeChanges(). */
  private readonly dirty = new Map<string, Map<unknown, unknown>>();
  /** Whether changes are tracked at all: off for runs without a changelog (in-memory, benchmarks). */
  constructor(readonly trackChanges: boolean) {}

  private storeOf(name: string): Map<unknown, unknown> {
    let s = this.stores.get(name);
    if (!s) this.stores.set(name, (s = new Map()));
    return s;
  }

  get(store: string, key: unknown): unknown {
    return this.stores.get(store)?.get(mapKey(key));
  }

  put(store: string, key: unknown, value: unknown): void {
    const k = mapKey(key);
    this.storeOf(store).set(k, value);
    if (this.trackChanges) this.touch(store, k, key);
  }

  delete(store: string, key: unknown): void {
    const k = mapKey(key);
    const s = this.stores.get(store);
    if (!s || !s.delete(k)) return;
    if (this.trackChanges) this.touch(store, k, key);
  }

  /** Marks a cell changed in place (a MapState or ListState mutated). */
  touch(store: string, k: unknown, key: unknown): void {
    let d = this.dirty.get(store);
    if (!d) this.dirty.set(store, (d = new Map()));
    d.set(k, key);
  }

  markChanged(store: string, key: unknown): void {
    if (this.trackChanges) this.touch(store, mapKey(key), key);
  }

  /** Every key of a store (a window operator walks them when input ends). */
  *keys(store: string): IterableIterator<unknown> {
    const s = this.stores.get(store);
    if (!s) return;
    for (const k of s.keys()) yield typeof k === 'string' && k.startsWith('J') ? JSON.parse(k.slice(1)) : k;
  }

  storeNames(): string[] {
    return [...this.stores.keys()];
  }

  /** Number of cells (one per store and key), whatever they hold. */
  size(): number {
    let n = 0;
    for (const s of this.stores.values()) n += s.size;
    return n;
  }

  /**
   * Per store, its keys and its entries: a value cell is one entry, a MapState cell one per map key,
   * a ListState cell one per element — what grows when state grows, which a count of cells hides
   * (a key's windows all live in one MapState cell). Walks every cell: for metrics, not per record.
   */
  storeStats(): Array<{ store: string; keys: number; entries: number }> {
    const out = [];
    for (const [store, cells] of this.stores) {
      let entries = 0;
      for (const v of cells.values()) entries += v instanceof Map ? v.size : Array.isArray(v) ? v.length : 1;
      out.push({ store, keys: cells.size, entries });
    }
    return out;
  }

  takeChanges(): StateChange[] {
    const out: StateChange[] = [];
    for (const [store, cells] of this.dirty) {
      const s = this.stores.get(store);
      for (const [k, key] of cells) out.push({ store, key, value: s?.get(k) });
    }
    this.dirty.clear();
    return out;
  }

  /** Applies a changelog record while restoring: no change is recorded. */
  restore(store: string, key: unknown, value: unknown): void {
    const k = mapKey(key);
    if (value === undefined) this.stores.get(store)?.delete(k);
    else this.storeOf(store).set(k, value);
  }

  /** State views of one operator, bound to whatever key `currentKey()` returns. */
  keyedStore(prefix: string, currentKey: () => unknown): KeyedStateStore {
    const backend = this;
    // One handle per name and kind: a function asking ctx.state for its handle on every record pays a lookup, not an allocation.
    const handles = new Map<string, unknown>();
    const memo = <H>(kind: string, name: string, make: () => H): H => {
      const id = `${kind}:${name}`;
      let h = handles.get(id) as H | undefined;
      if (!h) handles.set(id, (h = make()));
      return h;
    };
    const store: KeyedStateStore = {
      valueState: <T>(name: string) => memo('v', name, () => raw.valueState<T>(name)),
      mapState: <K, V>(name: string) => memo('m', name, () => raw.mapState<K, V>(name)),
      listState: <T>(name: string) => memo('l', name, () => raw.listState<T>(name)),
    };
    const raw = {
      valueState<T>(name: string): ValueState<T> {
        const store = `${prefix}/${name}`;
        return {
          value: () => backend.get(store, currentKey()) as T | undefined,
          update: (v: T) => backend.put(store, currentKey(), v),
          clear: () => backend.delete(store, currentKey()),
        };
      },
      mapState<K, V>(name: string): MapState<K, V> {
        const store = `${prefix}/${name}`;
        const map = (create: boolean): Map<K, V> | undefined => {
          const key = currentKey();
          let m = backend.get(store, key) as Map<K, V> | undefined;
          if (!m && create) backend.put(store, key, (m = new Map()));
          return m;
        };
        const changed = () => backend.markChanged(store, currentKey());
        return {
          get: (k) => map(false)?.get(k),
          has: (k) => map(false)?.has(k) ?? false,
          put: (k, v) => {
            map(true)!.set(k, v);
            changed();
          },
          remove: (k) => {
            const m = map(false);
            if (!m || !m.delete(k)) return;
            if (m.size === 0) backend.delete(store, currentKey());
            else changed();
          },
          entries: () => (map(false) ?? new Map<K, V>()).entries(),
          keys: () => (map(false) ?? new Map<K, V>()).keys(),
          size: () => map(false)?.size ?? 0,
          clear: () => backend.delete(store, currentKey()),
        };
      },
      listState<T>(name: string): ListState<T> {
        const store = `${prefix}/${name}`;
        return {
          get: () => (backend.get(store, currentKey()) as T[] | undefined) ?? [],
          add: (v: T) => {
            const key = currentKey();
            const list = backend.get(store, key) as T[] | undefined;
            if (list) {
              list.push(v);
              backend.markChanged(store, key);
            } else backend.put(store, key, [v]);
          },
          update: (values: T[]) => (values.length === 0 ? backend.delete(store, currentKey()) : backend.put(store, currentKey(), [...values])),
          clear: () => backend.delete(store, currentKey()),
        };
      },
    };
    return store;
  }
}

// JSON with the types state holds beyond JSON's own: Maps, bigints, and -Infinity / Infinity
// (watermarks, empty accumulators).
const TAG = '\u0000kappa';

export function encodeState(value: unknown): string {
  return JSON.stringify(value, function (this: unknown, _k, v: unknown) {
    if (v instanceof Map) return { [TAG]: 'map', e: [...v.entries()] };
    if (typeof v === 'bigint') return { [TAG]: 'bigint', v: v.toString() };
    if (typeof v === 'number' && !Number.isFinite(v)) return { [TAG]: 'num', v: String(v) };
    return v;
  });
}

export function decodeState(text: string): unknown {
  return JSON.parse(text, (_k, v: unknown) => {
    if (v !== null && typeof v === 'object' && TAG in (v as object)) {
      const o = v as Record<string, unknown>;
      if (o[TAG] === 'map') return new Map(o['e'] as [unknown, unknown][]);
      if (o[TAG] === 'bigint') return BigInt(o['v'] as string);
      if (o[TAG] === 'num') return Number(o['v']);
    }
    return v;
  });
}
