// Consumer-group administration over the Kafka protocol, as kafka-consumer-groups does it: group
// requests go to the group's coordinator (FindCoordinator), offsets are reset with an OffsetCommit
// carrying no generation (allowed only while the group has no members).
import { Reader } from '../protocol/reader.js';
import { readConsumerProtocolAssignment } from '../protocol/generated/consumer-protocol-assignment.js';
import { readConsumerProtocolSubscription } from '../protocol/generated/consumer-protocol-subscription.js';
import type { Cluster } from './cluster.js';
import type { Connection } from './connection.js';
import { kafkaError } from './errors.js';
import { ApiKeys } from './versions.js';

export interface GroupListing {
  groupId: string;
  protocolType: string;
  state: string;
}

export interface GroupMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  /** Topics the member subscribed to (consumer protocol), when readable. */
  subscription: string[];
  /** Assigned partitions by topic (consumer protocol), when readable. */
  assignment: Record<string, number[]>;
}

export interface GroupDescription {
  groupId: string;
  state: string;
  protocolType: string;
  protocol: string;
  members: GroupMember[];
}

export interface CommittedOffset {
  topic: string;
  partition: number;
  offset: number;
  metadata: string | null;
}

const GROUP_KEY = 0;

/** The consumer protocol's bytes: an int16 version, then the struct at that version. */
function decodeVersioned<T>(bytes: Buffer, read: (r: Reader, version: number) => T): T | null {
  if (bytes.length < 2) return null;
  try {
    const r = new Reader(bytes);
    const version = r.int16();
    return read(r, version);
  } catch {
    return null;
  }
}

export class GroupAdmin {
  constructor(private readonly cluster: Cluster) {}

  /** The group's coordinator, found with FindCoordinator (retried while the broker loads offsets). */
  async coordinator(groupId: string): Promise<Connection> {
    return this.cluster.withRetry(async () => {
      const conn = await this.cluster.anyConnection();
      const res = await conn.send(ApiKeys.FindCoordinator, { key: groupId, keyType: GROUP_KEY, coordinatorKeys: [groupId] });
      const found = res.coordinators?.length ? res.coordinators[0] : res;
      if (found.errorCode !== 0) throw kafkaError(found.errorCode, `group ${groupId}`, found.errorMessage);
      return this.cluster.brokerConnection(found.nodeId);
    });
  }

  /** Every group on every broker (each broker lists the groups it coordinates). */
  async listGroups(): Promise<GroupListing[]> {
    await this.cluster.refreshMetadata([]);
    const out: GroupListing[] = [];
    for (const b of this.cluster.knownBrokers()) {
      const conn = await this.cluster.brokerConnection(b.nodeId);
      const res = await conn.send(ApiKeys.ListGroups, { statesFilter: [], typesFilter: [] });
      if (res.errorCode !== 0) throw kafkaError(res.errorCode, `listing groups on broker ${b.nodeId}`);
      for (const g of res.groups) out.push({ groupId: g.groupId, protocolType: g.protocolType, state: g.groupState || 'unknown' });
    }
    return out.sort((a, b) => a.groupId.localeCompare(b.groupId));
  }

  async describeGroup(groupId: string): Promise<GroupDescription> {
    const conn = await this.coordinator(groupId);
    const res = await conn.send(ApiKeys.DescribeGroups, { groups: [groupId], includeAuthorizedOperations: false });
    const g = res.groups[0];
    if (g.errorCode !== 0) throw kafkaError(g.errorCode, `group ${groupId}`, g.errorMessage);
    const consumer = g.protocolType === 'consumer';
    return {
      groupId,
      state: g.groupState,
      protocolType: g.protocolType,
      protocol: g.protocolData,
      members: g.members.map((m: { memberId: string; groupInstanceId: string | null; clientId: string; clientHost: string; memberMetadata: Buffer; memberAssignment: Buffer }) => {
        const sub = consumer ? decodeVersioned(m.memberMetadata, readConsumerProtocolSubscription) : null;
        const asg = consumer ? decodeVersioned(m.memberAssignment, readConsumerProtocolAssignment) : null;
        return {
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          subscription: sub?.topics ?? [],
          assignment: Object.fromEntries((asg?.assignedPartitions ?? []).map((tp) => [tp.topic, [...tp.partitions].sort((a, b) => a - b)])),
        };
      }),
    };
  }

  async deleteGroup(groupId: string): Promise<void> {
    const conn = await this.coordinator(groupId);
    const res = await conn.send(ApiKeys.DeleteGroups, { groupsNames: [groupId] });
    const r = res.results[0];
    if (r.errorCode !== 0) throw kafkaError(r.errorCode, `group ${groupId}`);
  }

  /** Committed offsets (all of the group's when topics is omitted); -1 where nothing is committed. */
  async fetchOffsets(groupId: string, topics?: { topic: string; partitions: number[] }[]): Promise<CommittedOffset[]> {
    const conn = await this.coordinator(groupId);
    const res = await conn.send(ApiKeys.OffsetFetch, {
      groupId,
      topics: topics ? topics.map((t) => ({ name: t.topic, partitionIndexes: t.partitions })) : null,
      requireStable: false,
    });
    if (res.errorCode !== 0) throw kafkaError(res.errorCode, `group ${groupId}`);
    const out: CommittedOffset[] = [];
    for (const t of res.topics) {
      for (const p of t.partitions) {
        if (p.errorCode !== 0) throw kafkaError(p.errorCode, `group ${groupId} ${t.name}-${p.partitionIndex}`);
        out.push({ topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, metadata: p.metadata });
      }
    }
    return out.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  }

  /**
   * Sets committed offsets the way kafka-consumer-groups --reset-offsets does: a commit outside any
   * generation, which the coordinator accepts only while the group has no active members.
   */
  async setOffsets(groupId: string, offsets: { topic: string; partition: number; offset: number }[]): Promise<void> {
    const conn = await this.coordinator(groupId);
    const byTopic = new Map<string, { partitionIndex: number; committedOffset: number; committedLeaderEpoch: number; committedMetadata: string }[]>();
    for (const o of offsets) {
      let list = byTopic.get(o.topic);
      if (!list) byTopic.set(o.topic, (list = []));
      list.push({ partitionIndex: o.partition, committedOffset: o.offset, committedLeaderEpoch: -1, committedMetadata: '' });
    }
    const res = await conn.send(ApiKeys.OffsetCommit, {
      groupId,
      generationIdOrMemberEpoch: -1,
      memberId: '',
      groupInstanceId: null,
      retentionTimeMs: -1,
      topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
    });
    for (const t of res.topics) {
      for (const p of t.partitions) if (p.errorCode !== 0) throw kafkaError(p.errorCode, `group ${groupId} ${t.name}-${p.partitionIndex}`);
    }
  }
}
