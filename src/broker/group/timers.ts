// The clock and timers the group coordinator runs on. The broker uses the real ones; unit tests use
// ManualTimers, so session and rebalance timeouts of minutes take no time and fire deterministically.
export type TimerHandle = { readonly id: number };

export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle | null): void;
}

let nextId = 1;

export class RealTimers implements Timers {
  private readonly live = new Map<number, NodeJS.Timeout>();

  now(): number {
    return Date.now();
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const handle = { id: nextId++ };
    const t = setTimeout(() => {
      this.live.delete(handle.id);
      fn();
    }, Math.max(0, ms));
    // Group timers must not keep a stopping broker alive.
    t.unref();
    this.live.set(handle.id, t);
    return handle;
  }

  clearTimeout(handle: TimerHandle | null): void {
    if (!handle) return;
    const t = this.live.get(handle.id);
    if (t) clearTimeout(t);
    this.live.delete(handle.id);
  }

  clearAll(): void {
    for (const t of this.live.values()) clearTimeout(t);
    this.live.clear();
  }
}

/** A clock that moves only when told to; due timers fire in deadline order during advance(). */
export class ManualTimers implements Timers {
  private time: number;
  private readonly pending = new Map<number, { at: number; fn: () => void }>();

  constructor(start = 1_700_000_000_000) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const handle = { id: nextId++ };
    this.pending.set(handle.id, { at: this.time + Math.max(0, ms), fn });
    return handle;
  }

  clearTimeout(handle: TimerHandle | null): void {
    if (handle) this.pending.delete(handle.id);
  }

  /** Moves the clock forward by ms, firing every timer that falls due (including ones set while firing). */
  advance(ms: number): void {
    const target = this.time + ms;
    for (;;) {
      let nextKey = -1;
      let next: { at: number; fn: () => void } | undefined;
      for (const [k, t] of this.pending) if (t.at <= target && (!next || t.at < next.at || (t.at === next.at && k < nextKey))) (next = t), (nextKey = k);
      if (!next) break;
      this.pending.delete(nextKey);
      this.time = Math.max(this.time, next.at);
      next.fn();
    }
    this.time = target;
  }

  get pendingCount(): number {
    return this.pending.size;
  }
}
