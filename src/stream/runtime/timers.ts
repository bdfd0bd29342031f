// Timers per operator and task. The watermark path only peeks at the top of a binary heap ordered by
// (time, key); an index from key to its timers makes register, delete and "already registered?" O(1)
// (plus O(log n) in the heap) however many timers a key holds. Deleted timers leave the heap at once,
// so `size` is exact.
//
// Persistence (unchanged since the first changelog format): the store holds one cell per key whose
// value is the array of that key's timer times, in no particular order. The array is the very object
// the index keeps, so a change is a swap-remove or a push plus markChanged, never a search.
import type { StateBackend } from '../state/state-backend.js';

interface Entry {
  time: number;
  holder: Holder;
  /** Position in the heap; -1 while held back until the current firing round ends. */
  heapAt: number;
  /** Position in holder.times. */
  timesAt: number;
}

interface Holder {
  key: unknown;
  /** Ties at one time fire in key order, so a restored task fires them in the order the original did. */
  order: string;
  /** The state cell: this key's timer times. */
  times: number[];
  byTime: Map<number, Entry>;
}

const orderOf = (key: unknown) => (typeof key === 'string' ? key : JSON.stringify(key) ?? '');
/** Objects are index keys by their JSON, as the state backend keys them. */
const indexKey = (key: unknown) => (key !== null && typeof key === 'object' ? 'J' + JSON.stringify(key) : key);

/** The state stores timers live in: kept out of the state-entry metrics, which count timers apart. */
export const timerStoreSuffixes = ['/__event_timers', '/__processing_timers'] as const;
export const isTimerStore = (store: string) => timerStoreSuffixes.some((s) => store.endsWith(s));

export class TimerQueue {
  private heap: Entry[] = [];
  private readonly holders = new Map<unknown, Holder>();
  private count = 0;
  /** While a firing round runs: time → index keys of the timers it fired. */
  private fired: Map<number, Set<unknown>> | null = null;
  private heldBack: Entry[] = [];

  constructor(private readonly backend: StateBackend, private readonly store: string) {}

  register(time: number, key: unknown): void {
    const ik = indexKey(key);
    let h = this.holders.get(ik);
    if (h?.byTime.has(time)) return;
    if (!h) {
      h = { key, order: orderOf(key), times: [], byTime: new Map() };
      this.holders.set(ik, h);
      this.backend.put(this.store, key, h.times);
    } else this.backend.markChanged(this.store, key);
    const e: Entry = { time, holder: h, heapAt: this.heap.length, timesAt: h.times.length };
    h.times.push(time);
    h.byTime.set(time, e);
    this.count++;
    if (this.fired?.get(time)?.has(ik)) {
      // Re-registered by the round that just fired it: it fires again in the next round, not in a
      // loop that would never end.
      e.heapAt = -1;
      this.heldBack.push(e);
      return;
    }
    this.heap.push(e);
    this.up(e.heapAt);
  }

  /**
   * Brackets a firing round (one watermark advance, one processing-time tick): timers registered
   * inside it that are due fire in it too, but a timer fires at most once per round.
   */
  beginRound(): void {
    this.fired = new Map();
  }

  endRound(): void {
    this.fired = null;
    if (this.heldBack.length === 0) return;
    for (const e of this.heldBack) {
      if (e.holder.byTime.get(e.time) !== e) continue; // deleted meanwhile
      e.heapAt = this.heap.length;
      this.heap.push(e);
      this.up(e.heapAt);
    }
    this.heldBack = [];
  }

  delete(time: number, key: unknown): void {
    const e = this.holders.get(indexKey(key))?.byTime.get(time);
    if (!e) return;
    this.forget(e);
    if (e.heapAt >= 0) this.removeHeapAt(e.heapAt);
  }

  /** Rebuilds the index and heap from restored state. */
  reload(): void {
    this.heap = [];
    this.holders.clear();
    this.heldBack = [];
    this.count = 0;
    const restored: Array<[unknown, number[]]> = [];
    for (const key of this.backend.keys(this.store)) restored.push([key, (this.backend.get(this.store, key) as number[] | undefined) ?? []]);
    for (const [key, times] of restored) {
      // Fresh cells, so the index owns the arrays it mutates; restoring changes nothing to log.
      const h: Holder = { key, order: orderOf(key), times: [], byTime: new Map() };
      for (const time of times) {
        if (h.byTime.has(time)) continue;
        const e: Entry = { time, holder: h, heapAt: this.heap.length, timesAt: h.times.length };
        h.times.push(time);
        h.byTime.set(time, e);
        this.heap.push(e);
      }
      this.count += h.times.length;
      if (h.times.length === 0) continue;
      this.holders.set(indexKey(key), h);
      this.backend.restore(this.store, key, h.times);
    }
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.down(i);
  }

  /** Time of the earliest timer, or Infinity. */
  peekTime(): number {
    return this.heap.length > 0 ? this.heap[0]!.time : Infinity;
  }

  /** Removes and returns the earliest timer due at or before `upTo`. */
  pollDue(upTo: number): { time: number; key: unknown } | undefined {
    if (this.heap.length === 0 || this.heap[0]!.time > upTo) return undefined;
    const e = this.heap[0]!;
    this.forget(e);
    this.removeHeapAt(0);
    if (this.fired) {
      let keys = this.fired.get(e.time);
      if (!keys) this.fired.set(e.time, (keys = new Set()));
      keys.add(indexKey(e.holder.key));
    }
    return { time: e.time, key: e.holder.key };
  }

  get size(): number {
    return this.count;
  }

  /** Drops a timer from the index and its key's state cell (swap-remove: order in the cell is free). */
  private forget(e: Entry): void {
    const h = e.holder;
    this.count--;
    h.byTime.delete(e.time);
    const last = h.times.pop()!;
    if (e.timesAt < h.times.length) {
      h.times[e.timesAt] = last;
      h.byTime.get(last)!.timesAt = e.timesAt;
    }
    if (h.times.length === 0) {
      this.holders.delete(indexKey(h.key));
      this.backend.delete(this.store, h.key);
    } else this.backend.markChanged(this.store, h.key);
  }

  private less(a: Entry, b: Entry): boolean {
    return a.time < b.time || (a.time === b.time && a.holder.order < b.holder.order);
  }

  private removeHeapAt(i: number): void {
    const h = this.heap;
    const last = h.pop()!;
    if (i === h.length) return;
    h[i] = last;
    last.heapAt = i;
    this.down(i);
    this.up(last.heapAt);
  }

  private up(i: number): void {
    const h = this.heap;
    const e = h[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(e, h[p]!)) break;
      h[i] = h[p]!;
      h[i]!.heapAt = i;
      i = p;
    }
    h[i] = e;
    e.heapAt = i;
  }

  private down(i: number): void {
    const h = this.heap;
    const e = h[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= h.length) break;
      const r = l + 1;
      const c = r < h.length && this.less(h[r]!, h[l]!) ? r : l;
      if (!this.less(h[c]!, e)) break;
      h[i] = h[c]!;
      h[i]!.heapAt = i;
      i = c;
    }
    h[i] = e;
    e.heapAt = i;
  }
}
