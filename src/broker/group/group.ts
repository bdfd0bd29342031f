// One classic consumer group's in-memory state (Kafka's GroupMetadata / MemberMetadata): members,
// generation, the chosen protocol, static-member ids, and the group's committed offsets. The
// coordinator drives the state machine; this module holds data and the rules that are pure functions
// of it (protocol support and selection, who has joined).
import type { TimerHandle } from './timers.js';

export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

export interface Protocol {
  name: string;
  metadata: Buffer;
}

export interface JoinResult {
  errorCode: number;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leader: string;
  skipAssignment: boolean;
  memberId: string;
  members: { memberId: string; groupInstanceId: string | null; metadata: Buffer }[];
}

export interface SyncResult {
  errorCode: number;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Buffer;
}

export interface CommittedOffset {
  offset: number;
  leaderEpoch: number;
  metadata: string;
  commitTimestamp: number;
  expireTimestamp: number;
}

export class Member {
  assignment: Buffer = Buffer.alloc(0);
  awaitingJoin: ((r: JoinResult) => void) | null = null;
  awaitingSync: ((r: SyncResult) => void) | null = null;
  /** Joined but not yet through a completed join: such members expire after NEW_MEMBER_JOIN_TIMEOUT_MS. */
  isNew = false;
  heartbeatTimer: TimerHandle | null = null;
  lastHeartbeat = 0;

  constructor(
    public memberId: string,
    readonly groupInstanceId: string | null,
    public clientId: string,
    public clientHost: string,
    public rebalanceTimeoutMs: number,
    public sessionTimeoutMs: number,
    readonly protocolType: string,
    public protocols: Protocol[],
  ) {}

  metadataFor(protocol: string): Buffer {
    const p = this.protocols.find((x) => x.name === protocol);
    if (!p) throw new Error(`member ${this.memberId} does not support protocol ${protocol}`);
    return p.metadata;
  }

  /** Same protocols, same order, same metadata: a rejoin that changes nothing. */
  matches(protocols: Protocol[]): boolean {
    if (protocols.length !== this.protocols.length) return false;
    return protocols.every((p, i) => p.name === this.protocols[i]!.name && p.metadata.equals(this.protocols[i]!.metadata));
  }
}

export class Group {
  state: GroupState = 'Empty';
  currentStateTimestamp: number;
  protocolType: string | null = null;
  protocolName: string | null = null;
  generationId = 0;
  leaderId: string | null = null;
  readonly members = new Map<string, Member>();
  /** group.instance.id → member id. */
  readonly staticMembers = new Map<string, string>();
  /** Member ids handed out with MEMBER_ID_REQUIRED, not yet joined (KIP-394), with their expiry timers. */
  readonly pendingMembers = new Map<string, TimerHandle>();
  /** Members that got their JoinGroup answer but have not yet sent SyncGroup. */
  readonly pendingSync = new Set<string>();
  /** Key `topic\0partition`. */
  readonly offsets = new Map<string, CommittedOffset & { topic: string; partition: number }>();
  /** A member joined during the initial delayed join: the delay is extended (group.initial.rebalance.delay.ms). */
  newMemberAdded = false;
  joinTimer: TimerHandle | null = null;
  /** The pending join is the initial delayed one, which waits out its delay even when everyone has joined. */
  joinIsInitial = false;
  syncTimer: TimerHandle | null = null;

  constructor(readonly groupId: string, now: number) {
    this.currentStateTimestamp = now;
  }

  transition(state: GroupState, now: number): void {
    this.state = state;
    this.currentStateTimestamp = now;
  }

  is(state: GroupState): boolean {
    return this.state === state;
  }

  get(memberId: string): Member | undefined {
    return this.members.get(memberId);
  }

  isLeader(memberId: string): boolean {
    return this.leaderId === memberId;
  }

  add(member: Member): void {
    if (this.members.size === 0) this.protocolType = member.protocolType;
    this.members.set(member.memberId, member);
    if (member.groupInstanceId !== null) this.staticMembers.set(member.groupInstanceId, member.memberId);
    if (this.leaderId === null) this.leaderId = member.memberId;
  }

  remove(memberId: string): Member | undefined {
    const member = this.members.get(memberId);
    if (!member) return undefined;
    this.members.delete(memberId);
    this.pendingSync.delete(memberId);
    if (member.groupInstanceId !== null && this.staticMembers.get(member.groupInstanceId) === memberId) this.staticMembers.delete(member.groupInstanceId);
    if (this.leaderId === memberId) this.leaderId = this.members.keys().next().value ?? null;
    return member;
  }

  /** A static member rejoining under a new member id takes over the old member's place (KIP-345). */
  replaceStaticMember(groupInstanceId: string, oldMemberId: string, newMemberId: string): Member {
    const member = this.members.get(oldMemberId)!;
    this.members.delete(oldMemberId);
    member.memberId = newMemberId;
    this.members.set(newMemberId, member);
    this.staticMembers.set(groupInstanceId, newMemberId);
    if (this.leaderId === oldMemberId) this.leaderId = newMemberId;
    if (this.pendingSync.delete(oldMemberId)) this.pendingSync.add(newMemberId);
    return member;
  }

  /** The request names a static member whose current member id is a different one. */
  isStaticMemberFenced(groupInstanceId: string | null, memberId: string): boolean {
    if (groupInstanceId === null) return false;
    const current = this.staticMembers.get(groupInstanceId);
    return current !== undefined && current !== memberId;
  }

  /** Kafka's supportsProtocols: an empty group takes any non-empty offer; otherwise the type must match and a protocol be shared by all. */
  supportsProtocols(protocolType: string, protocols: Protocol[]): boolean {
    if (this.members.size === 0) return protocolType !== '' && protocols.length > 0;
    return this.protocolType === protocolType && this.candidateProtocols(protocols).length > 0;
  }

  /** Protocols (of those offered, or of all) that every member supports. */
  private candidateProtocols(extra?: Protocol[]): string[] {
    const members = [...this.members.values()];
    const first = extra ? extra.map((p) => p.name) : (members[0]?.protocols.map((p) => p.name) ?? []);
    return first.filter((name) => members.every((m) => m.protocols.some((p) => p.name === name)));
  }

  /** Each member votes for its most preferred protocol that all support; the most votes wins (ties: the leader's preference). */
  selectProtocol(): string {
    const candidates = new Set(this.candidateProtocols());
    const votes = new Map<string, number>();
    for (const m of this.members.values()) {
      const choice = m.protocols.find((p) => candidates.has(p.name))!.name;
      votes.set(choice, (votes.get(choice) ?? 0) + 1);
    }
    const leader = this.leaderId ? this.members.get(this.leaderId) : undefined;
    const order = (leader ?? [...this.members.values()][0]!).protocols.map((p) => p.name).filter((n) => candidates.has(n));
    let best = order[0]!;
    for (const name of order) if ((votes.get(name) ?? 0) > (votes.get(best) ?? 0)) best = name;
    return best;
  }

  get awaitingJoinCount(): number {
    let n = 0;
    for (const m of this.members.values()) if (m.awaitingJoin) n++;
    return n;
  }

  hasAllMembersJoined(): boolean {
    return this.awaitingJoinCount === this.members.size && this.pendingMembers.size === 0;
  }

  /** The largest rebalance timeout of the members: how long a rebalance waits for rejoins. */
  get rebalanceTimeoutMs(): number {
    let max = 0;
    for (const m of this.members.values()) max = Math.max(max, m.rebalanceTimeoutMs);
    return max;
  }

  /** Topics the members subscribe to, from the consumer protocol metadata; null when unknown. */
  subscribedTopics: Set<string> | null = null;
}
