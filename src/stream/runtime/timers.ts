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
  /** Position in holder.times and holder.entries. */
  at: number;
}

interface Holder {
  key: unknown;
  /** Ties at one time fire in key order, so a restored task fires them in the order the original did. */
  order: string;
  /** The state cell: this key's timer times. */
  times: number[];
  /** entries[i] is the timer at times[i]. */
  entries: Entry[];
  /** time → entry, once the key holds more timers than a scan of `entries` should look through. */
  byTime: Map<number, Entry> | null;
}

/** Most keys hold a timer or two (a window's firing and cleanup): a scan beats allocating a Map. */
const SCAN_LIMIT = 8;

const orderOf = (key: unknown) => (typeof key === 'string' ? key : JSON.stringify(key) ?? '');
/** Objects are index keys by their JSON, as the state backend keys them. */
const indexKey = (key: unknown) => (key !== null && typeof key === 'object' ? 'J' + JSON.stringify(key) : key);

/** The state stores timers live in: kept out of the state-entry metrics, which count timers apart. */
export const timerStoreSuffixes = ['/__event_timers', '/__processing_timers'] as const;
export const isTimerStore = (store: string) => timerStoreSuffixes.some((s) => store.endsWith(s));

function find(h: Holder, time: number): Entry | undefined {
  if (h.byTime) return h.byTime.get(time);
  const es = h.entries;
  for (let i = 0; i < es.length; i++) if (es[i]!.time === time) return es[i];
  return undefined;
}

export class TimerQueue {
  private heap: Entry[] = [];
  private readonly holders = new Map<unknown, Holder>();
  private count = 0;
  /**
   * Holders left without timers stay indexed for a while: a key whose one timer moves (delete, then
   * register) would otherwise allocate a new holder each time. Swept once they are the majority.
   */
  private emptyHolders = 0;
  // A firing round (see beginRound): its limit, what it fired, timers held back to the next round.
  private inRound = false;
  private roundLimit = -Infinity;
  private readonly firedLog: Entry[] = [];
  private firedIndex: Map<unknown, Set<number>> | null = null;
  private heldBack: Entry[] = [];

  constructor(private readonly backend: StateBackend, private readonly store: string) {}

  register(time: number, key: unknown): void {
    const ik = indexKey(key);
    let h = this.holders.get(ik);
    if (h && find(h, time)) return;
    if (!h) {
      h = { key, order: orderOf(key), times: [], entries: [], byTime: null };
      this.holders.set(ik, h);
      this.backend.put(this.store, key, h.times);
    } else if (h.times.length === 0) {
      this.emptyHolders--;
      this.backend.put(this.store, key, h.times);
    } else this.backend.markChanged(this.store, key);
    const e: Entry = { time, holder: h, heapAt: this.heap.length, at: h.times.length };
    this.add(h, e);
    if (this.inRound && time <= this.roundLimit && this.firedThisRound(ik, time)) {
      // Re-registered by the round that fired it: it fires in the next round, not in a loop that
      // would never end.
      e.heapAt = -1;
      this.heldBack.push(e);
      return;
    }
    this.heap.push(e);
    this.up(e.heapAt);
  }

  delete(time: number, key: unknown): void {
    const h = this.holders.get(indexKey(key));
    const e = h && find(h, time);
    if (!e) return;
    this.forget(e);
    if (e.heapAt >= 0) this.removeHeapAt(e.heapAt);
  }

  /**
   * Opens a firing round (one watermark advance, one processing-time tick) up to `upTo`, and returns
   * the limit to poll with. Timers registered inside the round that are due fire in it too, but each
   * (key, time) at most once, and the round of the final watermark (END_OF_TIME) goes no further than
   * the latest timer registered before it: a timer re-arming itself for later would otherwise chain
   * forever. What a round leaves stays registered.
   */
  beginRound(upTo: number): number {
    let limit = upTo;
    if (upTo === Infinity) {
      limit = -Infinity;
      for (const e of this.heap) if (e.time > limit) limit = e.time;
    }
    this.inRound = true;
    this.roundLimit = limit;
    return limit;
  }

  endRound(): void {
    this.inRound = false;
    this.firedLog.length = 0;
    this.firedIndex = null;
    if (this.heldBack.length === 0) return;
    for (const e of this.heldBack) {
      if (e.holder.entries[e.at] !== e) continue; // deleted meanwhile
      e.heapAt = this.heap.length;
      this.heap.push(e);
      this.up(e.heapAt);
    }
    this.heldBack = [];
  }

  /** Rebuilds the index and heap from restored state. */
  reload(): void {
    this.heap = [];
    this.holders.clear();
    this.heldBack = [];
    this.count = 0;
    this.emptyHolders = 0;
    const restored: Array<[unknown, number[]]> = [];
    for (const key of this.backend.keys(this.store)) restored.push([key, (this.backend.get(this.store, key) as number[] | undefined) ?? []]);
    for (const [key, times] of restored) {
      // Fresh cells, so the index owns the arrays it mutates; restoring changes nothing to log.
      const h: Holder = { key, order: orderOf(key), times: [], entries: [], byTime: null };
      for (const time of times) {
        if (find(h, time)) continue;
        const e: Entry = { time, holder: h, heapAt: this.heap.length, at: h.times.length };
        this.add(h, e);
        this.heap.push(e);
      }
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
    if (this.inRound) {
      this.firedLog.push(e);
      if (this.firedIndex) this.index(this.firedIndex, e);
    }
    return { time: e.time, key: e.holder.key };
  }

  get size(): number {
    return this.count;
  }

  /** Whether the open round fired (key, time); the index is built only when a round needs to ask. */
  private firedThisRound(ik: unknown, time: number): boolean {
    if (!this.firedIndex) {
      this.firedIndex = new Map();
      for (const e of this.firedLog) this.index(this.firedIndex, e);
    }
    return this.firedIndex.get(ik)?.has(time) ?? false;
  }

  private index(into: Map<unknown, Set<number>>, e: Entry): void {
    const ik = indexKey(e.holder.key);
    let s = into.get(ik);
    if (!s) into.set(ik, (s = new Set()));
    s.add(e.time);
  }

  private add(h: Holder, e: Entry): void {
    h.times.push(e.time);
    h.entries.push(e);
    if (h.byTime) h.byTime.set(e.time, e);
    else if (h.entries.length > SCAN_LIMIT) h.byTime = new Map(h.entries.map((x) => [x.time, x]));
    this.count++;
  }

  /** Drops a timer from the index and its key's state cell (swap-remove: order in the cell is free). */
  private forget(e: Entry): void {
    const h = e.holder;
    this.count--;
    h.byTime?.delete(e.time);
    const lastTime = h.times.pop()!;
    const lastEntry = h.entries.pop()!;
    if (e.at < h.times.length) {
      h.times[e.at] = lastTime;
      h.entries[e.at] = lastEntry;
      lastEntry.at = e.at;
    }
    if (h.times.length === 0) {
      this.backend.delete(this.store, h.key);
      if (++this.emptyHolders > 1024 && this.emptyHolders * 2 > this.holders.size) this.sweep();
    } else this.backend.markChanged(this.store, h.key);
  }

  private sweep(): void {
    for (const [ik, h] of this.holders) if (h.times.length === 0) this.holders.delete(ik);
    this.emptyHolders = 0;
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
