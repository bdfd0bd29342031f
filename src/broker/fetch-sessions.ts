// Incremental fetch sessions (KIP-227). A client that opens a session sends its full partition list
// once; later requests carry only partitions whose fetch position changed, and responses carry only
// partitions with news (records, an error, or a moved high watermark / log start offset).

export const INITIAL_EPOCH = 0;
export const FINAL_EPOCH = -1;

export interface SessionPartition {
  topic: string;
  topicId: string;
  partition: number;
  fetchOffset: number;
  partitionMaxBytes: number;
  currentLeaderEpoch: number;
  /** What the client was last told, to decide whether an incremental response must include it. */
  lastHighWatermark: number;
  lastLogStartOffset: number;
}

export class FetchSession {
  /** Keyed by `${topicId}:${partition}` (topic ids are stable across renames of nothing, and always set). */
  readonly partitions = new Map<string, SessionPartition>();
  epoch = 1;
  lastUsed = Date.now();
  constructor(readonly id: number) {}
}

export const sessionKey = (topicId: string, partition: number): string => `${topicId}:${partition}`;

export class FetchSessionCache {
  private readonly sessions = new Map<number, FetchSession>();

  constructor(
    private readonly maxSessions = 1000,
    private readonly idleEvictMs = 120_000,
  ) {}

  get size(): number {
    return this.sessions.size;
  }

  create(): FetchSession | null {
    this.evictIdle();
    if (this.sessions.size >= this.maxSessions) {
      // Evict the least recently used session; Map iteration order is insertion order and
      // `touch` re-inserts, so the first entry is the oldest.
      const oldest = this.sessions.keys().next();
      if (oldest.done) return null;
      this.sessions.delete(oldest.value);
    }
    let id: number;
    do id = 1 + Math.floor(Math.random() * 0x7ffffffe);
    while (this.sessions.has(id));
    const session = new FetchSession(id);
    this.sessions.set(id, session);
    return session;
  }

  get(id: number): FetchSession | undefined {
    const s = this.sessions.get(id);
    if (s) {
      s.lastUsed = Date.now();
      this.sessions.delete(id);
      this.sessions.set(id, s);
    }
    return s;
  }

  remove(id: number): void {
    this.sessions.delete(id);
  }

  private evictIdle(): void {
    const now = Date.now();
    for (const [id, s] of this.sessions) {
      if (now - s.lastUsed > this.idleEvictMs) this.sessions.delete(id);
      else break;
    }
  }
}
