// The classic consumer-group coordinator, behaving as Apache Kafka 3.x's GroupCoordinator does:
// JoinGroup / SyncGroup / Heartbeat / LeaveGroup drive each group through
//   Empty → PreparingRebalance → CompletingRebalance → Stable (→ PreparingRebalance …), Dead when deleted,
// with KIP-394 two-step joins (MEMBER_ID_REQUIRED), KIP-345 static members (group.instance.id), session
// and rebalance timeouts on an injected clock, and committed offsets. Every decision is synchronous
// and in memory; durability comes from the GroupStore (the __consumer_offsets topic), which a commit
// or a new assignment waits for before it is acknowledged.
import { randomUUID } from 'node:crypto';
import { ErrorCode } from '../../protocol/errors.js';
import { Reader } from '../../protocol/reader.js';
import { readConsumerProtocolSubscription } from '../../protocol/generated/consumer-protocol-subscription.js';
import { Group, Member, type GroupState, type JoinResult, type Protocol, type SyncResult } from './group.js';
import {
  decodeGroupMetadataValue, decodeKey, decodeOffsetCommitValue, encodeGroupMetadataKey, encodeGroupMetadataValue,
  encodeOffsetCommitKey, encodeOffsetCommitValue, type GroupMetadataValue, type OffsetCommitValue,
} from './offsets-records.js';
import type { TimerHandle, Timers } from './timers.js';

export interface StoreRecord {
  key: Buffer;
  value: Buffer | null;
}

/** Where group metadata and offsets are made durable; resolves once the records are on disk. */
export interface GroupStore {
  write(groupId: string, records: StoreRecord[]): Promise<void>;
  /** Writes offsets inside a producer's transaction: a transactional batch, decided later by a marker. */
  writeTransactional(groupId: string, records: StoreRecord[], producerId: number, producerEpoch: number): Promise<void>;
}

/** Offsets committed in a transaction (TxnOffsetCommit) that no marker has decided yet. */
type PendingTxnOffsets = Map<string, { topic: string; partition: number; offset: number; leaderEpoch: number; metadata: string; commitTimestamp: number }>;

export interface CoordinatorConfig {
  /** group.initial.rebalance.delay.ms */
  initialRebalanceDelayMs: number;
  /** group.min.session.timeout.ms / group.max.session.timeout.ms */
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
  /** offset.metadata.max.bytes */
  offsetMetadataMaxBytes: number;
  /** offsets.retention.minutes, in ms */
  offsetsRetentionMs: number;
}

export const DEFAULT_COORDINATOR_CONFIG: CoordinatorConfig = {
  initialRebalanceDelayMs: 3000,
  minSessionTimeoutMs: 6000,
  maxSessionTimeoutMs: 1_800_000,
  offsetMetadataMaxBytes: 4096,
  offsetsRetentionMs: 7 * 24 * 60 * 60 * 1000,
};

/** A member that joined but never completed a join is dropped after this long (Kafka's NewMemberJoinTimeoutMs). */
export const NEW_MEMBER_JOIN_TIMEOUT_MS = 5 * 60 * 1000;

export interface JoinRequest {
  groupId: string;
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: Protocol[];
  /** JoinGroup v4+: a new dynamic member first gets MEMBER_ID_REQUIRED and its id (KIP-394). */
  requireKnownMemberId: boolean;
}

export interface SyncRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string | null;
  protocolName: string | null;
  assignments: { memberId: string; assignment: Buffer }[];
}

export interface MemberIdentity {
  memberId: string;
  groupInstanceId: string | null;
}

export interface OffsetToCommit {
  topic: string;
  partition: number;
  offset: number;
  leaderEpoch: number;
  metadata: string;
}

export interface FetchedPartition {
  partitionIndex: number;
  committedOffset: number;
  committedLeaderEpoch: number;
  metadata: string | null;
  errorCode: number;
}

export interface FetchedOffsets {
  errorCode: number;
  topics: { name: string; partitions: FetchedPartition[] }[];
}

export interface DescribedMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  memberMetadata: Buffer;
  memberAssignment: Buffer;
}

export interface DescribedGroup {
  errorCode: number;
  groupId: string;
  groupState: string;
  protocolType: string;
  protocolData: string;
  members: DescribedMember[];
}

export interface ListedGroup {
  groupId: string;
  protocolType: string;
  groupState: GroupState;
  groupType: string;
}

const EMPTY = Buffer.alloc(0);

function joinError(errorCode: number, memberId: string): JoinResult {
  return { errorCode, generationId: -1, protocolType: null, protocolName: null, leader: '', skipAssignment: false, memberId, members: [] };
}

function syncError(errorCode: number): SyncResult {
  return { errorCode, protocolType: null, protocolName: null, assignment: EMPTY };
}

function offsetKey(topic: string, partition: number): string {
  return `${topic}\0${partition}`;
}

export class GroupCoordinator {
  private readonly groups = new Map<string, Group>();
  /** group -> producer id -> offsets written in its open transaction. */
  private readonly pendingTxn = new Map<string, Map<number, PendingTxnOffsets>>();
  private loadingCount = 0;
  private stopped = false;
  private expiryTimer: TimerHandle | null = null;
  readonly config: CoordinatorConfig;

  constructor(
    private readonly store: GroupStore,
    private readonly timers: Timers,
    config: Partial<CoordinatorConfig> = {},
    private readonly log: (line: string) => void = () => {},
  ) {
    this.config = { ...DEFAULT_COORDINATOR_CONFIG, ...config };
  }

  get isLoading(): boolean {
    return this.loadingCount > 0;
  }

  group(groupId: string): Group | undefined {
    return this.groups.get(groupId);
  }

  // ------------------------------------------------------------------------------------------- JoinGroup

  join(req: JoinRequest): Promise<JoinResult> {
    const fail = (code: number, memberId = req.memberId): Promise<JoinResult> => Promise.resolve(joinError(code, memberId));
    if (this.isLoading) return fail(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    if (this.stopped) return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    if (req.groupId === '') return fail(ErrorCode.INVALID_GROUP_ID);
    if (req.sessionTimeoutMs < this.config.minSessionTimeoutMs || req.sessionTimeoutMs > this.config.maxSessionTimeoutMs) {
      return fail(ErrorCode.INVALID_SESSION_TIMEOUT);
    }
    const isUnknownMember = req.memberId === '';
    let group = this.groups.get(req.groupId);
    let created = false;
    if (!group) {
      if (!isUnknownMember) return fail(ErrorCode.UNKNOWN_MEMBER_ID);
      group = new Group(req.groupId, this.timers.now());
      this.groups.set(req.groupId, group);
      created = true;
    }
    if (group.is('Dead')) return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    if (!group.supportsProtocols(req.protocolType, req.protocols)) {
      if (created) this.groups.delete(req.groupId);
      return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    }
    const g = group;
    return new Promise<JoinResult>((resolve) => {
      if (isUnknownMember) this.unknownMemberJoin(g, req, resolve);
      else this.knownMemberJoin(g, req, resolve);
    });
  }

  private unknownMemberJoin(group: Group, req: JoinRequest, resolve: (r: JoinResult) => void): void {
    const newMemberId = `${req.clientId}-${randomUUID()}`;
    if (req.groupInstanceId !== null) {
      this.staticMemberJoin(group, req, newMemberId, resolve);
    } else if (req.requireKnownMemberId) {
      // KIP-394: remember the id we hand out; the member must come back with it within the session timeout.
      group.pendingMembers.set(newMemberId, this.timers.setTimeout(() => this.expirePendingMember(group, newMemberId), req.sessionTimeoutMs));
      resolve(joinError(ErrorCode.MEMBER_ID_REQUIRED, newMemberId));
    } else {
      this.addMemberAndRebalance(group, req, newMemberId, resolve);
    }
  }

  private staticMemberJoin(group: Group, req: JoinRequest, newMemberId: string, resolve: (r: JoinResult) => void): void {
    const instanceId = req.groupInstanceId!;
    const oldMemberId = group.staticMembers.get(instanceId);
    if (oldMemberId === undefined) {
      this.addMemberAndRebalance(group, req, newMemberId, resolve);
      return;
    }
    // KIP-345: a known instance rejoining without its member id replaces the old one, which is fenced.
    const old = group.get(oldMemberId)!;
    this.answerJoin(old, joinError(ErrorCode.FENCED_INSTANCE_ID, oldMemberId));
    this.answerSync(old, syncError(ErrorCode.FENCED_INSTANCE_ID));
    const member = group.replaceStaticMember(instanceId, oldMemberId, newMemberId);
    this.log(`group ${group.groupId}: static member ${instanceId} replaced ${oldMemberId} by ${newMemberId}`);
    member.clientId = req.clientId;
    member.clientHost = req.clientHost;
    member.sessionTimeoutMs = req.sessionTimeoutMs;
    member.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
    this.scheduleHeartbeat(group, member);
    if (group.is('Stable') && member.matches(req.protocols)) {
      // Nothing changed but the id: no rebalance. The leader learns the members but keeps the current
      // assignment (KIP-814 skipAssignment); the new id is persisted before the member hears of it.
      const isLeader = group.isLeader(newMemberId);
      const generation = group.generationId;
      const assignments = new Map([...group.members.values()].map((m) => [m.memberId, m.assignment]));
      this.storeGroup(group, assignments).then(
        () => resolve(this.generationResult(group, member, isLeader, isLeader)),
        (err: unknown) => {
          this.log(`group ${group.groupId}: storing the static member replacement failed: ${(err as Error).message}`);
          resolve(joinError(group.generationId === generation ? ErrorCode.UNKNOWN_SERVER_ERROR : ErrorCode.REBALANCE_IN_PROGRESS, newMemberId));
        },
      );
      return;
    }
    this.updateMemberAndRebalance(group, member, req, resolve);
  }

  private knownMemberJoin(group: Group, req: JoinRequest, resolve: (r: JoinResult) => void): void {
    const memberId = req.memberId;
    const pending = group.pendingMembers.get(memberId);
    if (pending !== undefined) {
      this.timers.clearTimeout(pending);
      group.pendingMembers.delete(memberId);
      this.addMemberAndRebalance(group, req, memberId, resolve);
      return;
    }
    if (group.isStaticMemberFenced(req.groupInstanceId, memberId)) return resolve(joinError(ErrorCode.FENCED_INSTANCE_ID, memberId));
    const member = group.get(memberId);
    if (!member) return resolve(joinError(ErrorCode.UNKNOWN_MEMBER_ID, memberId));
    switch (group.state) {
      case 'PreparingRebalance':
        this.updateMemberAndRebalance(group, member, req, resolve);
        return;
      case 'CompletingRebalance':
        // A repeated join (its answer was lost): hand out the same generation again.
        if (member.matches(req.protocols)) {
          this.scheduleHeartbeat(group, member);
          resolve(this.generationResult(group, member, group.isLeader(memberId), false));
        } else this.updateMemberAndRebalance(group, member, req, resolve);
        return;
      case 'Stable':
        // The leader rejoining, or anyone with new metadata (new subscription), starts a rebalance.
        if (group.isLeader(memberId) || !member.matches(req.protocols)) this.updateMemberAndRebalance(group, member, req, resolve);
        else {
          this.scheduleHeartbeat(group, member);
          resolve(this.generationResult(group, member, false, false));
        }
        return;
      default:
        resolve(joinError(ErrorCode.UNKNOWN_MEMBER_ID, memberId));
    }
  }

  private generationResult(group: Group, member: Member, withMembers: boolean, skipAssignment: boolean): JoinResult {
    return {
      errorCode: 0,
      generationId: group.generationId,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      leader: group.leaderId ?? '',
      skipAssignment,
      memberId: member.memberId,
      members: withMembers ? this.memberList(group) : [],
    };
  }

  private memberList(group: Group): JoinResult['members'] {
    const protocol = group.protocolName!;
    return [...group.members.values()].map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.metadataFor(protocol) }));
  }

  private addMemberAndRebalance(group: Group, req: JoinRequest, memberId: string, resolve: (r: JoinResult) => void): void {
    const member = new Member(memberId, req.groupInstanceId, req.clientId, req.clientHost, req.rebalanceTimeoutMs, req.sessionTimeoutMs, req.protocolType, req.protocols);
    member.isNew = true;
    // Joins during the first rebalance of an empty group extend group.initial.rebalance.delay.ms.
    if (group.is('PreparingRebalance') && group.generationId === 0) group.newMemberAdded = true;
    group.add(member);
    member.awaitingJoin = resolve;
    this.scheduleHeartbeat(group, member, NEW_MEMBER_JOIN_TIMEOUT_MS);
    this.maybePrepareRebalance(group, `member ${memberId} joined`);
    this.tryCompleteJoin(group);
  }

  private updateMemberAndRebalance(group: Group, member: Member, req: JoinRequest, resolve: (r: JoinResult) => void): void {
    // A second join while the first is still parked: the first will never be read, answer it anyway.
    this.answerJoin(member, joinError(ErrorCode.REBALANCE_IN_PROGRESS, member.memberId));
    member.protocols = req.protocols;
    member.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
    member.sessionTimeoutMs = req.sessionTimeoutMs;
    member.clientId = req.clientId;
    member.clientHost = req.clientHost;
    member.awaitingJoin = resolve;
    this.scheduleHeartbeat(group, member);
    this.maybePrepareRebalance(group, `member ${member.memberId} rejoined`);
    this.tryCompleteJoin(group);
  }

  private answerJoin(member: Member, result: JoinResult): void {
    const cb = member.awaitingJoin;
    member.awaitingJoin = null;
    cb?.(result);
  }

  private answerSync(member: Member, result: SyncResult): void {
    const cb = member.awaitingSync;
    member.awaitingSync = null;
    cb?.(result);
  }

  private maybePrepareRebalance(group: Group, reason: string): void {
    if (group.is('Stable') || group.is('CompletingRebalance') || group.is('Empty')) this.prepareRebalance(group, reason);
  }

  private prepareRebalance(group: Group, reason: string): void {
    if (group.is('CompletingRebalance')) this.resetAndPropagateAssignmentError(group, ErrorCode.REBALANCE_IN_PROGRESS);
    this.timers.clearTimeout(group.syncTimer);
    group.syncTimer = null;
    group.pendingSync.clear();
    const initial = group.is('Empty');
    group.transition('PreparingRebalance', this.timers.now());
    this.timers.clearTimeout(group.joinTimer);
    this.log(`group ${group.groupId}: preparing rebalance for generation ${group.generationId + 1} (${reason})`);
    if (initial) {
      group.newMemberAdded = false;
      const delay = this.config.initialRebalanceDelayMs;
      this.scheduleInitialJoin(group, delay, Math.max(group.rebalanceTimeoutMs - delay, 0));
    } else {
      this.scheduleJoin(group);
    }
  }

  /** Kafka's InitialDelayedJoin: wait, and while members keep arriving wait again, up to the rebalance timeout. */
  private scheduleInitialJoin(group: Group, delay: number, remaining: number): void {
    group.joinIsInitial = true;
    group.joinTimer = this.timers.setTimeout(() => {
      group.joinTimer = null;
      if (group.newMemberAdded && remaining > 0) {
        group.newMemberAdded = false;
        const next = Math.min(this.config.initialRebalanceDelayMs, remaining);
        this.scheduleInitialJoin(group, next, Math.max(remaining - next, 0));
      } else this.completeJoin(group);
    }, delay);
  }

  /** Kafka's DelayedJoin: completes when every member has rejoined, or at the rebalance timeout. */
  private scheduleJoin(group: Group): void {
    group.joinIsInitial = false;
    group.joinTimer = this.timers.setTimeout(() => {
      group.joinTimer = null;
      this.completeJoin(group);
    }, group.rebalanceTimeoutMs);
  }

  private tryCompleteJoin(group: Group): void {
    if (!group.is('PreparingRebalance') || group.joinIsInitial || !group.hasAllMembersJoined()) return;
    this.timers.clearTimeout(group.joinTimer);
    group.joinTimer = null;
    this.completeJoin(group);
  }

  private completeJoin(group: Group): void {
    if (!group.is('PreparingRebalance')) return;
    // Dynamic members that did not rejoin in time are out; static ones keep their place until their session expires.
    for (const m of [...group.members.values()]) {
      if (!m.awaitingJoin && m.groupInstanceId === null) {
        this.log(`group ${group.groupId}: member ${m.memberId} did not rejoin in time and was removed`);
        this.timers.clearTimeout(m.heartbeatTimer);
        this.answerSync(m, syncError(ErrorCode.UNKNOWN_MEMBER_ID));
        group.remove(m.memberId);
      }
    }
    if (group.members.size > 0 && !this.electJoinedLeader(group)) {
      // Only static members that have not rejoined remain: wait another round for them or their expiry.
      this.scheduleJoin(group);
      return;
    }
    this.initNextGeneration(group);
    if (group.is('Empty')) {
      this.storeGroup(group, new Map()).catch((err: unknown) => this.log(`group ${group.groupId}: storing the empty generation failed: ${(err as Error).message}`));
      return;
    }
    this.log(`group ${group.groupId}: generation ${group.generationId} with ${group.members.size} member(s), protocol ${group.protocolName}, leader ${group.leaderId}`);
    for (const m of group.members.values()) {
      const isLeader = group.isLeader(m.memberId);
      this.answerJoin(m, this.generationResult(group, m, isLeader, false));
      m.isNew = false;
      this.scheduleHeartbeat(group, m);
      group.pendingSync.add(m.memberId);
    }
    this.schedulePendingSync(group);
  }

  private electJoinedLeader(group: Group): boolean {
    const leader = group.leaderId ? group.get(group.leaderId) : undefined;
    if (leader?.awaitingJoin) return true;
    for (const m of group.members.values()) {
      if (m.awaitingJoin) {
        group.leaderId = m.memberId;
        return true;
      }
    }
    return false;
  }

  private initNextGeneration(group: Group): void {
    group.generationId++;
    group.pendingSync.clear();
    if (group.members.size > 0) {
      group.protocolName = group.selectProtocol();
      group.subscribedTopics = this.subscribedTopics(group);
      group.transition('CompletingRebalance', this.timers.now());
    } else {
      group.protocolName = null;
      group.leaderId = null;
      group.subscribedTopics = null;
      group.transition('Empty', this.timers.now());
    }
  }

  /** Topics named in the members' consumer-protocol subscriptions; null when any cannot be read. */
  private subscribedTopics(group: Group): Set<string> | null {
    if (group.protocolType !== 'consumer' || !group.protocolName) return null;
    const topics = new Set<string>();
    try {
      for (const m of group.members.values()) {
        const metadata = m.metadataFor(group.protocolName);
        const r = new Reader(metadata);
        const version = Math.min(r.int16(), 3);
        for (const t of readConsumerProtocolSubscription(r, version).topics) topics.add(t);
      }
    } catch {
      return null;
    }
    return topics;
  }

  /** Members that got their JoinGroup answer must send SyncGroup within the rebalance timeout. */
  private schedulePendingSync(group: Group): void {
    this.timers.clearTimeout(group.syncTimer);
    const generation = group.generationId;
    group.syncTimer = this.timers.setTimeout(() => {
      group.syncTimer = null;
      if (group.generationId !== generation || !(group.is('CompletingRebalance') || group.is('Stable')) || group.pendingSync.size === 0) return;
      const missing = [...group.pendingSync];
      this.log(`group ${group.groupId}: member(s) ${missing.join(', ')} did not sync in time and were removed`);
      for (const id of missing) {
        const m = group.get(id);
        if (m) this.timers.clearTimeout(m.heartbeatTimer);
        group.remove(id);
      }
      this.prepareRebalance(group, 'members failed to sync');
    }, group.rebalanceTimeoutMs);
  }

  private resetAndPropagateAssignmentError(group: Group, errorCode: number): void {
    for (const m of group.members.values()) {
      m.assignment = EMPTY;
      this.answerSync(m, syncError(errorCode));
    }
  }

  private setAndPropagateAssignment(group: Group, assignments: Map<string, Buffer>): void {
    for (const m of group.members.values()) {
      m.assignment = assignments.get(m.memberId) ?? EMPTY;
      if (m.awaitingSync) {
        this.answerSync(m, { errorCode: 0, protocolType: group.protocolType, protocolName: group.protocolName, assignment: m.assignment });
        this.scheduleHeartbeat(group, m);
      }
    }
  }

  private expirePendingMember(group: Group, memberId: string): void {
    if (!group.pendingMembers.delete(memberId)) return;
    this.tryCompleteJoin(group);
  }

  // --------------------------------------------------------------------------------------- heartbeats

  private scheduleHeartbeat(group: Group, member: Member, timeoutMs = member.sessionTimeoutMs): void {
    member.lastHeartbeat = this.timers.now();
    this.timers.clearTimeout(member.heartbeatTimer);
    member.heartbeatTimer = this.timers.setTimeout(() => this.onHeartbeatExpired(group, member), timeoutMs);
  }

  private onHeartbeatExpired(group: Group, member: Member): void {
    member.heartbeatTimer = null;
    if (group.get(member.memberId) !== member) return;
    // Parked joins and syncs are bounded by the rebalance and sync timeouts instead (Kafka's shouldKeepAlive).
    const keepAlive = member.awaitingJoin ? !member.isNew : member.awaitingSync !== null;
    if (keepAlive) {
      this.scheduleHeartbeat(group, member);
      return;
    }
    this.log(`group ${group.groupId}: member ${member.memberId} session expired`);
    this.removeMemberAndUpdateGroup(group, member);
  }

  private removeMemberAndUpdateGroup(group: Group, member: Member): void {
    // A new member may time out with its JoinGroup parked: UNKNOWN_MEMBER_ID makes it rejoin if still alive.
    this.answerJoin(member, joinError(ErrorCode.UNKNOWN_MEMBER_ID, member.memberId));
    this.answerSync(member, syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    this.timers.clearTimeout(member.heartbeatTimer);
    member.heartbeatTimer = null;
    group.remove(member.memberId);
    switch (group.state) {
      case 'Stable':
      case 'CompletingRebalance':
        this.maybePrepareRebalance(group, `member ${member.memberId} left`);
        break;
      case 'PreparingRebalance':
        this.tryCompleteJoin(group);
        break;
      default:
    }
  }

  // ------------------------------------------------------------------------------ SyncGroup, Heartbeat, LeaveGroup

  sync(req: SyncRequest): Promise<SyncResult> {
    const fail = (code: number): Promise<SyncResult> => Promise.resolve(syncError(code));
    if (this.isLoading) return fail(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    if (req.groupId === '') return fail(ErrorCode.INVALID_GROUP_ID);
    const group = this.groups.get(req.groupId);
    if (!group) return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    if (group.is('Dead')) return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    // SyncGroup v5 names the protocol the member believes in; a mismatch means it missed a rebalance.
    if ((req.protocolType !== null && req.protocolType !== group.protocolType) || (req.protocolName !== null && req.protocolName !== group.protocolName)) {
      return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    }
    if (group.isStaticMemberFenced(req.groupInstanceId, req.memberId)) return fail(ErrorCode.FENCED_INSTANCE_ID);
    const member = group.get(req.memberId);
    if (!member) return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    if (req.generationId !== group.generationId) return fail(ErrorCode.ILLEGAL_GENERATION);
    switch (group.state) {
      case 'PreparingRebalance':
        return fail(ErrorCode.REBALANCE_IN_PROGRESS);
      case 'Stable':
        group.pendingSync.delete(member.memberId);
        this.scheduleHeartbeat(group, member);
        return Promise.resolve({ errorCode: 0, protocolType: group.protocolType, protocolName: group.protocolName, assignment: member.assignment });
      case 'CompletingRebalance':
        return new Promise<SyncResult>((resolve) => {
          this.answerSync(member, syncError(ErrorCode.REBALANCE_IN_PROGRESS));
          member.awaitingSync = resolve;
          group.pendingSync.delete(member.memberId);
          this.scheduleHeartbeat(group, member);
          if (!group.isLeader(member.memberId)) return;
          const assignments = new Map<string, Buffer>();
          for (const a of req.assignments) if (group.members.has(a.memberId)) assignments.set(a.memberId, a.assignment);
          const generation = group.generationId;
          this.storeGroup(group, assignments).then(
            () => {
              if (!group.is('CompletingRebalance') || group.generationId !== generation) return;
              this.setAndPropagateAssignment(group, assignments);
              group.transition('Stable', this.timers.now());
              this.log(`group ${group.groupId}: generation ${generation} is stable`);
            },
            (err: unknown) => {
              this.log(`group ${group.groupId}: storing the assignment failed: ${(err as Error).message}`);
              if (!group.is('CompletingRebalance') || group.generationId !== generation) return;
              this.resetAndPropagateAssignmentError(group, ErrorCode.COORDINATOR_NOT_AVAILABLE);
              this.maybePrepareRebalance(group, 'storing the assignment failed');
            },
          );
        });
      default:
        return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    }
  }

  heartbeat(req: { groupId: string; generationId: number; memberId: string; groupInstanceId: string | null }): number {
    if (this.isLoading) return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    if (req.groupId === '') return ErrorCode.INVALID_GROUP_ID;
    const group = this.groups.get(req.groupId);
    if (!group) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (group.is('Dead')) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (group.isStaticMemberFenced(req.groupInstanceId, req.memberId)) return ErrorCode.FENCED_INSTANCE_ID;
    const member = group.get(req.memberId);
    if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (req.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    switch (group.state) {
      case 'Empty':
        return ErrorCode.UNKNOWN_MEMBER_ID;
      case 'PreparingRebalance':
        // This is how a member learns it must rejoin.
        this.scheduleHeartbeat(group, member);
        return ErrorCode.REBALANCE_IN_PROGRESS;
      default:
        // CompletingRebalance: members may heartbeat between their join and sync answers.
        this.scheduleHeartbeat(group, member);
        return 0;
    }
  }

  leave(groupId: string, members: MemberIdentity[]): { errorCode: number; members: (MemberIdentity & { errorCode: number })[] } {
    if (this.isLoading) return { errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, members: [] };
    if (groupId === '') return { errorCode: ErrorCode.INVALID_GROUP_ID, members: [] };
    const group = this.groups.get(groupId);
    if (!group) return { errorCode: 0, members: members.map((m) => ({ ...m, errorCode: ErrorCode.UNKNOWN_MEMBER_ID })) };
    if (group.is('Dead')) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, members: [] };
    const results = members.map((identity) => ({ ...identity, errorCode: this.leaveOne(group, identity) }));
    return { errorCode: 0, members: results };
  }

  private leaveOne(group: Group, identity: MemberIdentity): number {
    let memberId = identity.memberId;
    if (identity.groupInstanceId !== null) {
      const current = group.staticMembers.get(identity.groupInstanceId);
      if (current === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      if (memberId !== '' && memberId !== current) return ErrorCode.FENCED_INSTANCE_ID;
      memberId = current;
    }
    const pending = group.pendingMembers.get(memberId);
    if (pending !== undefined) {
      this.timers.clearTimeout(pending);
      group.pendingMembers.delete(memberId);
      this.tryCompleteJoin(group);
      return 0;
    }
    const member = group.get(memberId);
    if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
    this.log(`group ${group.groupId}: member ${memberId} left`);
    this.removeMemberAndUpdateGroup(group, member);
    return 0;
  }

  // ----------------------------------------------------------------------------------------- offsets

  /**
   * Checks the committer against the group (Kafka's doCommitOffsets) and stores the offsets durably.
   * Returns the error for every partition, 0 once they are on disk. Partition-level problems (unknown
   * topic, metadata too large) are the caller's, before this.
   */
  async commitOffsets(req: { groupId: string; generationId: number; memberId: string; groupInstanceId: string | null; offsets: OffsetToCommit[] }): Promise<number> {
    if (this.isLoading) return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    let group = this.groups.get(req.groupId);
    if (!group) {
      // A simple (non-member) commit creates the group; a member's commit to an unknown group is stale.
      if (req.generationId >= 0) return ErrorCode.ILLEGAL_GENERATION;
      group = new Group(req.groupId, this.timers.now());
      this.groups.set(req.groupId, group);
    }
    if (group.is('Dead')) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (!(req.generationId < 0 && group.is('Empty'))) {
      if (group.isStaticMemberFenced(req.groupInstanceId, req.memberId)) return ErrorCode.FENCED_INSTANCE_ID;
      const member = group.get(req.memberId);
      if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
      if (req.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
      // Its join answer arrived but the assignment has not: it cannot own what it commits yet.
      if (group.is('CompletingRebalance')) return ErrorCode.REBALANCE_IN_PROGRESS;
      this.scheduleHeartbeat(group, member);
    }
    if (req.offsets.length === 0) return 0;
    const now = this.timers.now();
    const records = req.offsets.map((o) => ({
      key: encodeOffsetCommitKey(group.groupId, o.topic, o.partition),
      value: encodeOffsetCommitValue({ offset: o.offset, leaderEpoch: o.leaderEpoch, metadata: o.metadata, commitTimestamp: now }),
    }));
    try {
      await this.store.write(group.groupId, records);
    } catch (err) {
      this.log(`group ${group.groupId}: storing offsets failed: ${(err as Error).message}`);
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    }
    if (group.is('Dead')) return 0;
    for (const o of req.offsets) {
      group.offsets.set(offsetKey(o.topic, o.partition), {
        topic: o.topic, partition: o.partition, offset: o.offset, leaderEpoch: o.leaderEpoch, metadata: o.metadata, commitTimestamp: now, expireTimestamp: -1,
      });
    }
    return 0;
  }

  /**
   * TxnOffsetCommit: checks the committer as commitOffsets does (a member's generation when it gives
   * one, KIP-447), then writes the offsets inside the producer's transaction. They become the group's
   * committed offsets only when the transaction commits (completeTransaction).
   */
  async commitTxnOffsets(req: {
    groupId: string; producerId: number; producerEpoch: number; generationId: number; memberId: string; groupInstanceId: string | null; offsets: OffsetToCommit[];
  }): Promise<number> {
    if (this.isLoading) return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    const group = this.groups.get(req.groupId);
    if (group?.is('Dead')) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    // Kafka's validateOffsetCommit for transactions: a committer that names a member, an instance or a
    // generation (KIP-447) must be a current member at the group's generation, whatever the group's state
    // (a member evicted from a now empty group is a zombie). Without any of them (TxnOffsetCommit < v3, or
    // the group-id-only sendOffsetsToTransaction) the offsets are taken as they are.
    if (req.generationId >= 0 || req.memberId !== '' || req.groupInstanceId !== null) {
      if (group?.isStaticMemberFenced(req.groupInstanceId, req.memberId)) return ErrorCode.FENCED_INSTANCE_ID;
      if (req.groupInstanceId !== null && !group?.staticMembers.has(req.groupInstanceId)) return ErrorCode.UNKNOWN_MEMBER_ID;
      if (!group?.get(req.memberId)) return ErrorCode.UNKNOWN_MEMBER_ID;
      if (req.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    }
    if (req.offsets.length === 0) return 0;
    const now = this.timers.now();
    const records = req.offsets.map((o) => ({
      key: encodeOffsetCommitKey(req.groupId, o.topic, o.partition),
      value: encodeOffsetCommitValue({ offset: o.offset, leaderEpoch: o.leaderEpoch, metadata: o.metadata, commitTimestamp: now }),
    }));
    try {
      await this.store.writeTransactional(req.groupId, records, req.producerId, req.producerEpoch);
    } catch (err) {
      const code = (err as { errorCode?: number }).errorCode;
      if (code === ErrorCode.INVALID_PRODUCER_EPOCH) return ErrorCode.PRODUCER_FENCED;
      this.log(`group ${req.groupId}: storing transactional offsets failed: ${(err as Error).message}`);
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    }
    const pending = this.pendingFor(req.groupId, req.producerId);
    for (const o of req.offsets) {
      pending.set(offsetKey(o.topic, o.partition), { topic: o.topic, partition: o.partition, offset: o.offset, leaderEpoch: o.leaderEpoch, metadata: o.metadata, commitTimestamp: now });
    }
    return 0;
  }

  private pendingFor(groupId: string, producerId: number): PendingTxnOffsets {
    let byProducer = this.pendingTxn.get(groupId);
    if (!byProducer) this.pendingTxn.set(groupId, (byProducer = new Map()));
    let pending = byProducer.get(producerId);
    if (!pending) byProducer.set(producerId, (pending = new Map()));
    return pending;
  }

  /** The transaction's marker is written: its offsets become the group's committed offsets, or are dropped. */
  completeTransaction(groupId: string, producerId: number, commit: boolean): void {
    const byProducer = this.pendingTxn.get(groupId);
    const pending = byProducer?.get(producerId);
    if (!byProducer || !pending) return;
    byProducer.delete(producerId);
    if (byProducer.size === 0) this.pendingTxn.delete(groupId);
    if (!commit) return;
    let group = this.groups.get(groupId);
    if (!group) {
      group = new Group(groupId, this.timers.now());
      this.groups.set(groupId, group);
    }
    for (const [key, o] of pending) group.offsets.set(key, { ...o, expireTimestamp: -1 });
  }

  /** A transaction of this producer ended: every group's offsets it wrote are decided (Kafka's handleTxnCompletion). */
  completeTransactionsOf(producerId: number, commit: boolean): void {
    for (const [groupId, byProducer] of [...this.pendingTxn]) if (byProducer.has(producerId)) this.completeTransaction(groupId, producerId, commit);
  }

  /** Partitions of the group with offsets awaiting a transaction's outcome (OffsetFetch requireStable). */
  hasPendingTxnOffset(groupId: string, topic: string, partition: number): boolean {
    const byProducer = this.pendingTxn.get(groupId);
    if (!byProducer) return false;
    const key = offsetKey(topic, partition);
    for (const pending of byProducer.values()) if (pending.has(key)) return true;
    return false;
  }

  /** Committed offsets; topics null means every offset the group has. Unknown ones are -1, as in Kafka. */
  fetchOffsets(groupId: string, topics: { name: string; partitionIndexes: number[] }[] | null): FetchedOffsets {
    if (this.isLoading) return { errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, topics: [] };
    const group = this.groups.get(groupId);
    const entry = (partitionIndex: number, o?: { offset: number; leaderEpoch: number; metadata: string }): FetchedPartition =>
      o
        ? { partitionIndex, committedOffset: o.offset, committedLeaderEpoch: o.leaderEpoch, metadata: o.metadata, errorCode: 0 }
        : { partitionIndex, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: 0 };
    if (topics === null) {
      const byTopic = new Map<string, FetchedPartition[]>();
      for (const o of group?.offsets.values() ?? []) {
        let list = byTopic.get(o.topic);
        if (!list) byTopic.set(o.topic, (list = []));
        list.push(entry(o.partition, o));
      }
      return { errorCode: 0, topics: [...byTopic].map(([name, partitions]) => ({ name, partitions: partitions.sort((a, b) => a.partitionIndex - b.partitionIndex) })) };
    }
    return {
      errorCode: 0,
      topics: topics.map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((p) => entry(p, group?.offsets.get(offsetKey(t.name, p)))) })),
    };
  }

  /** OffsetDelete (KIP-496): offsets of topics the group no longer consumes, or any of an empty group. */
  async deleteOffsets(groupId: string, topics: { name: string; partitions: number[] }[]): Promise<{ errorCode: number; topics: { name: string; partitions: { partitionIndex: number; errorCode: number }[] }[] }> {
    if (this.isLoading) return { errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, topics: [] };
    if (groupId === '') return { errorCode: ErrorCode.INVALID_GROUP_ID, topics: [] };
    const group = this.groups.get(groupId);
    if (!group || group.is('Dead')) return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, topics: [] };
    const isConsumerGroup = group.protocolType === 'consumer';
    if (!group.is('Empty') && !isConsumerGroup) return { errorCode: ErrorCode.NON_EMPTY_GROUP, topics: [] };
    const subscribed = (topic: string): boolean => !group.is('Empty') && (group.subscribedTopics === null || group.subscribedTopics.has(topic));
    const deletable: { topic: string; partition: number }[] = [];
    const result = topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => {
        if (subscribed(t.name)) return { partitionIndex: p, errorCode: ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC };
        if (group.offsets.has(offsetKey(t.name, p))) deletable.push({ topic: t.name, partition: p });
        return { partitionIndex: p, errorCode: 0 };
      }),
    }));
    if (deletable.length > 0) {
      try {
        await this.store.write(group.groupId, deletable.map((d) => ({ key: encodeOffsetCommitKey(group.groupId, d.topic, d.partition), value: null })));
      } catch (err) {
        this.log(`group ${group.groupId}: deleting offsets failed: ${(err as Error).message}`);
        return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, topics: [] };
      }
      for (const d of deletable) group.offsets.delete(offsetKey(d.topic, d.partition));
    }
    return { errorCode: 0, topics: result };
  }

  // ---------------------------------------------------------------------------- describe, list, delete

  describe(groupId: string): DescribedGroup {
    const base = { groupId, protocolType: '', protocolData: '', members: [] as DescribedMember[] };
    if (this.isLoading) return { ...base, errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, groupState: '' };
    const group = this.groups.get(groupId);
    if (!group) return { ...base, errorCode: 0, groupState: 'Dead' };
    const stable = group.is('Stable');
    // As Kafka: metadata and assignments only once the group is stable (before, they are in flux).
    const members = [...group.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      memberMetadata: stable ? m.metadataFor(group.protocolName!) : EMPTY,
      memberAssignment: stable ? m.assignment : EMPTY,
    }));
    return { errorCode: 0, groupId, groupState: group.state, protocolType: group.protocolType ?? '', protocolData: stable ? group.protocolName! : '', members };
  }

  list(statesFilter: string[] = [], typesFilter: string[] = []): { errorCode: number; groups: ListedGroup[] } {
    if (this.isLoading) return { errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, groups: [] };
    const states = new Set(statesFilter.map((s) => s.toLowerCase()));
    const types = new Set(typesFilter.map((s) => s.toLowerCase()));
    const groups: ListedGroup[] = [];
    for (const g of this.groups.values()) {
      if (g.is('Dead')) continue;
      if (states.size > 0 && !states.has(g.state.toLowerCase())) continue;
      if (types.size > 0 && !types.has('classic')) continue;
      groups.push({ groupId: g.groupId, protocolType: g.protocolType ?? '', groupState: g.state, groupType: 'classic' });
    }
    return { errorCode: 0, groups };
  }

  async deleteGroups(groupIds: string[]): Promise<{ groupId: string; errorCode: number }[]> {
    const results: { groupId: string; errorCode: number }[] = [];
    for (const groupId of groupIds) results.push({ groupId, errorCode: await this.deleteGroup(groupId) });
    return results;
  }

  private async deleteGroup(groupId: string): Promise<number> {
    if (this.isLoading) return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    if (groupId === '') return ErrorCode.INVALID_GROUP_ID;
    const group = this.groups.get(groupId);
    if (!group || group.is('Dead')) return ErrorCode.GROUP_ID_NOT_FOUND;
    if (!group.is('Empty')) return ErrorCode.NON_EMPTY_GROUP;
    group.transition('Dead', this.timers.now());
    this.groups.delete(groupId);
    for (const t of group.pendingMembers.values()) this.timers.clearTimeout(t);
    this.timers.clearTimeout(group.joinTimer);
    this.timers.clearTimeout(group.syncTimer);
    const records: StoreRecord[] = [...group.offsets.values()].map((o) => ({ key: encodeOffsetCommitKey(groupId, o.topic, o.partition), value: null }));
    records.push({ key: encodeGroupMetadataKey(groupId), value: null });
    try {
      await this.store.write(groupId, records);
    } catch (err) {
      this.log(`group ${groupId}: writing tombstones failed: ${(err as Error).message}`);
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    }
    this.log(`group ${groupId}: deleted`);
    return 0;
  }

  // ------------------------------------------------------------------------------ offsets retention

  /**
   * Kafka's offset expiry (KIP-211): an empty group's offsets go once it has been empty for
   * offsets.retention.minutes; a consumer group's offsets of topics it no longer subscribes to go that
   * long after their commit. An empty group left without offsets is removed (tombstoned). Returns the
   * number of offsets expired.
   */
  async expireOffsets(now = this.timers.now()): Promise<number> {
    if (this.isLoading) return 0;
    const retention = this.config.offsetsRetentionMs;
    let expired = 0;
    for (const group of [...this.groups.values()]) {
      let due: string[] = [];
      if (group.is('Empty')) {
        if (group.currentStateTimestamp + retention <= now) due = [...group.offsets.keys()];
      } else if (group.is('Stable') && group.protocolType === 'consumer' && group.subscribedTopics) {
        const subscribed = group.subscribedTopics;
        due = [...group.offsets].filter(([, o]) => !subscribed.has(o.topic) && o.commitTimestamp + retention <= now).map(([k]) => k);
      }
      const records: StoreRecord[] = due.map((k) => {
        const o = group.offsets.get(k)!;
        return { key: encodeOffsetCommitKey(group.groupId, o.topic, o.partition), value: null };
      });
      const removeGroup = group.is('Empty') && group.offsets.size === due.length && group.currentStateTimestamp + retention <= now;
      if (removeGroup) records.push({ key: encodeGroupMetadataKey(group.groupId), value: null });
      if (records.length === 0) continue;
      try {
        await this.store.write(group.groupId, records);
      } catch (err) {
        this.log(`group ${group.groupId}: expiring offsets failed: ${(err as Error).message}`);
        continue;
      }
      for (const k of due) group.offsets.delete(k);
      expired += due.length;
      if (removeGroup && group.is('Empty') && group.offsets.size === 0 && this.groups.get(group.groupId) === group) {
        group.transition('Dead', now);
        this.groups.delete(group.groupId);
        this.discard(group);
      }
      if (due.length > 0) this.log(`group ${group.groupId}: expired ${due.length} offset(s)${removeGroup ? ', group removed' : ''}`);
    }
    return expired;
  }

  /** Runs expireOffsets every intervalMs (Kafka's offsets.retention.check.interval.ms, 10 minutes). */
  startExpiry(intervalMs = 600_000): void {
    const tick = (): void => {
      this.expiryTimer = this.timers.setTimeout(() => {
        this.expireOffsets().catch(() => {}).finally(() => {
          if (!this.stopped) tick();
        });
      }, intervalMs);
    };
    if (!this.expiryTimer && !this.stopped) tick();
  }

  // ------------------------------------------------------------------------------------- persistence

  private storeGroup(group: Group, assignments: Map<string, Buffer>): Promise<void> {
    const value: GroupMetadataValue = {
      protocolType: group.protocolType ?? '',
      generation: group.generationId,
      protocol: group.protocolName,
      leader: group.leaderId,
      currentStateTimestamp: this.timers.now(),
      members: group.protocolName === null ? [] : [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        rebalanceTimeoutMs: m.rebalanceTimeoutMs,
        sessionTimeoutMs: m.sessionTimeoutMs,
        subscription: m.metadataFor(group.protocolName!),
        assignment: assignments.get(m.memberId) ?? EMPTY,
      })),
    };
    return this.store.write(group.groupId, [{ key: encodeGroupMetadataKey(group.groupId), value: encodeGroupMetadataValue(value) }]);
  }

  /**
   * Rebuilds groups and offsets from __consumer_offsets records, in log order. While a load runs every
   * request is answered COORDINATOR_LOAD_IN_PROGRESS. Restored members are not known to be alive: each
   * gets a session timeout to heartbeat, as Kafka does after a coordinator moves.
   */
  async load(
    readAll: (visit: (key: Buffer | null, value: Buffer | null) => void, visitPending: (producerId: number, key: Buffer | null, value: Buffer | null) => void) => Promise<void>,
  ): Promise<void> {
    this.loadingCount++;
    const metadata = new Map<string, GroupMetadataValue | null>();
    const offsets = new Map<string, Map<string, { topic: string; partition: number; value: OffsetCommitValue }>>();
    let skipped = 0;
    try {
      await readAll((keyBuf, valueBuf) => {
        if (!keyBuf) return;
        try {
          const key = decodeKey(keyBuf);
          if (key.type === 'group') {
            metadata.set(key.group, valueBuf ? decodeGroupMetadataValue(valueBuf) : null);
            return;
          }
          let forGroup = offsets.get(key.group);
          if (!forGroup) offsets.set(key.group, (forGroup = new Map()));
          if (valueBuf) forGroup.set(offsetKey(key.topic, key.partition), { topic: key.topic, partition: key.partition, value: decodeOffsetCommitValue(valueBuf) });
          else forGroup.delete(offsetKey(key.topic, key.partition));
        } catch {
          skipped++;
        }
      }, (producerId, keyBuf, valueBuf) => {
        // Offsets of a transaction still open at the log end: its coordinator will decide them.
        if (!keyBuf || !valueBuf) return;
        try {
          const key = decodeKey(keyBuf);
          if (key.type !== 'offset') return;
          const v = decodeOffsetCommitValue(valueBuf);
          this.pendingFor(key.group, producerId).set(offsetKey(key.topic, key.partition), {
            topic: key.topic, partition: key.partition, offset: v.offset, leaderEpoch: v.leaderEpoch, metadata: v.metadata, commitTimestamp: v.commitTimestamp,
          });
        } catch {
          skipped++;
        }
      });
      if (skipped > 0) this.log(`skipped ${skipped} unreadable __consumer_offsets record(s)`);
      const ids = new Set([...metadata.keys(), ...offsets.keys()]);
      for (const groupId of ids) {
        const meta = metadata.get(groupId) ?? null;
        const groupOffsets = offsets.get(groupId);
        if (!meta && (!groupOffsets || groupOffsets.size === 0)) continue;
        this.restoreGroup(groupId, meta, groupOffsets);
      }
    } finally {
      this.loadingCount--;
    }
  }

  private restoreGroup(groupId: string, meta: GroupMetadataValue | null, groupOffsets?: Map<string, { topic: string; partition: number; value: OffsetCommitValue }>): void {
    const now = this.timers.now();
    const group = new Group(groupId, now);
    for (const [key, o] of groupOffsets ?? []) group.offsets.set(key, { topic: o.topic, partition: o.partition, ...o.value });
    if (meta) {
      group.generationId = meta.generation;
      group.protocolType = meta.protocolType === '' ? null : meta.protocolType;
      if (meta.currentStateTimestamp > 0) group.currentStateTimestamp = meta.currentStateTimestamp;
      if (meta.members.length > 0 && meta.protocol) {
        group.protocolName = meta.protocol;
        for (const v of meta.members) {
          const m = new Member(v.memberId, v.groupInstanceId, v.clientId, v.clientHost, v.rebalanceTimeoutMs, v.sessionTimeoutMs, meta.protocolType, [{ name: meta.protocol, metadata: v.subscription }]);
          m.assignment = v.assignment;
          group.add(m);
        }
        group.leaderId = meta.leader !== null && group.members.has(meta.leader) ? meta.leader : group.leaderId;
        group.subscribedTopics = this.subscribedTopics(group);
        group.state = 'Stable';
        for (const m of group.members.values()) this.scheduleHeartbeat(group, m);
      }
    }
    const existing = this.groups.get(groupId);
    if (existing) this.discard(existing);
    this.groups.set(groupId, group);
  }

  private discard(group: Group): void {
    for (const m of group.members.values()) this.timers.clearTimeout(m.heartbeatTimer);
    for (const t of group.pendingMembers.values()) this.timers.clearTimeout(t);
    this.timers.clearTimeout(group.joinTimer);
    this.timers.clearTimeout(group.syncTimer);
  }

  /** Stops every timer and answers parked requests, so a stopping broker leaves nothing behind. */
  stop(): void {
    this.stopped = true;
    this.timers.clearTimeout(this.expiryTimer);
    for (const group of this.groups.values()) {
      this.discard(group);
      for (const m of group.members.values()) {
        this.answerJoin(m, joinError(ErrorCode.COORDINATOR_NOT_AVAILABLE, m.memberId));
        this.answerSync(m, syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE));
      }
    }
  }
}
