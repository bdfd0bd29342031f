// Timers per operator and task: a binary heap ordered by time (then registration) so the watermark
// path only peeks at the top, plus the set of live (key, time) pairs in keyed state, so timers are
// restored with the rest of the state and a deleted timer is skipped when its heap entry comes up.
import type { StateBackend } from '../state/state-backend.js';

interface Entry {
  time: number;
  key: unknown;
  /** Ties at one time fire in key order, so a restored task fires them in the order the original did. */
  order: string;
}

const orderOf = (key: unknown) => (typeof key === 'string' ? key : JSON.stringify(key) ?? '');

export class TimerQueue {
  private heap: Entry[] = [];

  constructor(private readonly backend: StateBackend, private readonly store: string) {}

  private times(key: unknown): number[] | undefined {
    return this.backend.get(this.store, key) as number[] | undefined;
  }

  register(time: number, key: unknown): void {
    const times = this.times(key);
    if (times?.includes(time)) return;
    if (times) {
      times.push(time);
      this.backend.markChanged(this.store, key);
    } else this.backend.put(this.store, key, [time]);
    this.pushHeap({ time, key, order: orderOf(key) });
  }

  delete(time: number, key: unknown): void {
    const times = this.times(key);
    const i = times?.indexOf(time) ?? -1;
    if (i < 0) return;
    times!.splice(i, 1);
    if (times!.length === 0) this.backend.delete(this.store, key);
    else this.backend.markChanged(this.store, key);
  }

  /** Rebuilds the heap from restored state. */
  reload(): void {
    this.heap = [];
    for (const key of this.backend.keys(this.store)) for (const time of this.times(key) ?? []) this.pushHeap({ time, key, order: orderOf(key) });
  }

  /** Time of the earliest timer, or Infinity. */
  peekTime(): number {
    return this.heap.length > 0 ? this.heap[0]!.time : Infinity;
  }

  /** Removes and returns the earliest live timer due at or before `upTo`. */
  pollDue(upTo: number): { time: number; key: unknown } | undefined {
    while (this.heap.length > 0 && this.heap[0]!.time <= upTo) {
      const e = this.popHeap();
      const times = this.times(e.key);
      const i = times?.indexOf(e.time) ?? -1;
      if (i < 0) continue; // deleted
      times!.splice(i, 1);
      if (times!.length === 0) this.backend.delete(this.store, e.key);
      else this.backend.markChanged(this.store, e.key);
      return e;
    }
    return undefined;
  }

  get size(): number {
    return this.heap.length;
  }

  private less(a: Entry, b: Entry): boolean {
    return a.time < b.time || (a.time === b.time && a.order < b.order);
  }

  private pushHeap(e: Entry): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private popHeap(): Entry {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}
