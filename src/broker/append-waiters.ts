// Long-polling fetches park here until one of their partitions receives data or their wait ends.
export class AppendWaiters<K> {
  private readonly waiters = new Map<K, Set<() => void>>();

  /** Resolves at the first append to any of keys, or after timeoutMs. */
  wait(keys: readonly K[], timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        for (const k of keys) {
          const set = this.waiters.get(k);
          if (!set) continue;
          set.delete(wake);
          if (set.size === 0) this.waiters.delete(k);
        }
        resolve();
      };
      const timer = setTimeout(wake, Math.max(0, timeoutMs));
      for (const k of keys) {
        let set = this.waiters.get(k);
        if (!set) this.waiters.set(k, (set = new Set()));
        set.add(wake);
      }
    });
  }

  notify(key: K): void {
    const set = this.waiters.get(key);
    if (!set) return;
    for (const wake of [...set]) wake();
  }

  /** Wakes everyone (shutdown). */
  notifyAll(): void {
    for (const key of [...this.waiters.keys()]) this.notify(key);
  }
}
