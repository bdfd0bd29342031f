// Partition assignors of the consumer protocol. Only the group leader runs one, but every member
// must offer the same name for the coordinator to pick it, so each one here reproduces the Kafka
// client's algorithm of that name: a group mixing our members with Java or librdkafka ones gets the
// assignment whichever of them leads.
//
// - range (Kafka's RangeAssignor): per topic, the members subscribed to it in member order take
//   consecutive ranges; the first (partitions % members) take one more.
// - roundrobin (RoundRobinAssignor): every subscribed partition, topics in name order, dealt in turn
//   to the members in member order, skipping those not subscribed to the partition's topic.
// - cooperative-sticky (CooperativeStickyAssignor, KIP-429): balanced like roundrobin but keeping
//   each member's owned partitions where balance allows; a partition that moves is left out of this
//   round's assignment until its owner has revoked it and rejoined (the incremental protocol).
//
// "Member order" is Java's MemberInfo order: static members (group.instance.id) first, by instance
// id, then dynamic ones by member id; strings compare by UTF-16 code units as Java's compareTo does.
// Kafka's rack-aware variants (KIP-881) are not implemented: no member here sends a rack.

export interface TopicPartition {
  topic: string;
  partition: number;
}

/** One member's subscription as the leader sees it in the JoinGroup answer. */
export interface MemberSubscription {
  memberId: string;
  groupInstanceId: string | null;
  topics: string[];
  userData: Buffer | null;
  /** Partitions the member owns now (subscription v1+; always empty under the eager protocol). */
  ownedPartitions: TopicPartition[];
  /** The generation those partitions were owned in (subscription v2+), -1 when unknown. */
  generationId: number;
  rackId: string | null;
}

export type RebalanceProtocol = 'eager' | 'cooperative';

export interface Assignor {
  /** The protocol name members offer in JoinGroup; the coordinator picks one all members offer. */
  readonly name: string;
  /** The group rebalances cooperatively only when every configured assignor supports it. */
  readonly supportedProtocols: readonly RebalanceProtocol[];
  /**
   * Partitions per member id (every member gets an entry). partitionsPerTopic holds the subscribed
   * topics that exist, with their partition counts.
   */
  assign(members: readonly MemberSubscription[], partitionsPerTopic: ReadonlyMap<string, number>): Map<string, TopicPartition[]>;
}

export type AssignorName = 'range' | 'roundrobin' | 'cooperative-sticky';

/** Java's MemberInfo.compareTo. */
export function compareMembers(a: Pick<MemberSubscription, 'memberId' | 'groupInstanceId'>, b: Pick<MemberSubscription, 'memberId' | 'groupInstanceId'>): number {
  if (a.groupInstanceId !== null && b.groupInstanceId !== null) return compareStrings(a.groupInstanceId, b.groupInstanceId);
  if (a.groupInstanceId !== null) return -1;
  if (b.groupInstanceId !== null) return 1;
  return compareStrings(a.memberId, b.memberId);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function emptyAssignment(members: readonly MemberSubscription[]): Map<string, TopicPartition[]> {
  return new Map(members.map((m) => [m.memberId, []]));
}

export const rangeAssignor: Assignor = {
  name: 'range',
  supportedProtocols: ['eager'],
  assign(members, partitionsPerTopic) {
    const out = emptyAssignment(members);
    const byTopic = new Map<string, MemberSubscription[]>();
    for (const m of members) {
      for (const topic of new Set(m.topics)) {
        let list = byTopic.get(topic);
        if (!list) byTopic.set(topic, (list = []));
        list.push(m);
      }
    }
    for (const topic of [...byTopic.keys()].sort(compareStrings)) {
      const count = partitionsPerTopic.get(topic);
      if (count === undefined) continue;
      const subscribers = byTopic.get(topic)!.sort(compareMembers);
      const perMember = Math.floor(count / subscribers.length);
      const withExtra = count % subscribers.length;
      subscribers.forEach((m, i) => {
        const start = perMember * i + Math.min(i, withExtra);
        const length = perMember + (i < withExtra ? 1 : 0);
        const list = out.get(m.memberId)!;
        for (let p = start; p < start + length; p++) list.push({ topic, partition: p });
      });
    }
    return out;
  },
};

/** Every partition of the subscribed topics that exist: topics by name, then partition number. */
function allPartitionsSorted(members: readonly MemberSubscription[], partitionsPerTopic: ReadonlyMap<string, number>): TopicPartition[] {
  const topics = new Set<string>();
  for (const m of members) for (const t of m.topics) if (partitionsPerTopic.has(t)) topics.add(t);
  const out: TopicPartition[] = [];
  for (const topic of [...topics].sort(compareStrings)) {
    const count = partitionsPerTopic.get(topic)!;
    for (let p = 0; p < count; p++) out.push({ topic, partition: p });
  }
  return out;
}

export const roundRobinAssignor: Assignor = {
  name: 'roundrobin',
  supportedProtocols: ['eager'],
  assign(members, partitionsPerTopic) {
    const out = emptyAssignment(members);
    const sorted = [...members].sort(compareMembers);
    const subscribed = new Map(sorted.map((m) => [m.memberId, new Set(m.topics)]));
    let i = 0;
    for (const tp of allPartitionsSorted(members, partitionsPerTopic)) {
      // Terminates: the partition's topic came from some member's subscription.
      while (!subscribed.get(sorted[i]!.memberId)!.has(tp.topic)) i = (i + 1) % sorted.length;
      out.get(sorted[i]!.memberId)!.push(tp);
      i = (i + 1) % sorted.length;
    }
    return out;
  },
};

const tpKey = (tp: TopicPartition) => `${tp.topic}\u0000${tp.partition}`;

function compareTp(a: TopicPartition, b: TopicPartition): number {
  return compareStrings(a.topic, b.topic) || a.partition - b.partition;
}

/**
 * Who claims each partition: members' owned partitions from the newest generation any claimant
 * reports (owned partitions without a generation, subscription v1, count as current). Claims from
 * older generations are stale: those members missed a rebalance and their partitions moved on.
 */
export function currentClaims(members: readonly MemberSubscription[]): Map<string, { tp: TopicPartition; memberIds: string[] }> {
  const maxGeneration = Math.max(-1, ...members.filter((m) => m.ownedPartitions.length > 0).map((m) => m.generationId));
  const claims = new Map<string, { tp: TopicPartition; memberIds: string[] }>();
  for (const m of members) {
    if (m.generationId >= 0 && m.generationId < maxGeneration) continue;
    for (const tp of m.ownedPartitions) {
      const k = tpKey(tp);
      let c = claims.get(k);
      if (!c) claims.set(k, (c = { tp: { topic: tp.topic, partition: tp.partition }, memberIds: [] }));
      if (!c.memberIds.includes(m.memberId)) c.memberIds.push(m.memberId);
    }
  }
  return claims;
}

/**
 * The ownership the leader keeps: current claims on partitions that still exist, by a member still
 * subscribed to their topic. Two current claims on one partition cancel out (it is assigned afresh).
 */
export function validOwnership(members: readonly MemberSubscription[], partitionsPerTopic: ReadonlyMap<string, number>): Map<string, TopicPartition[]> {
  const out = emptyAssignment(members);
  const subscribed = new Map(members.map((m) => [m.memberId, new Set(m.topics)]));
  for (const { tp, memberIds } of currentClaims(members).values()) {
    if (memberIds.length !== 1) continue;
    const count = partitionsPerTopic.get(tp.topic);
    if (count === undefined || tp.partition < 0 || tp.partition >= count || !subscribed.get(memberIds[0]!)!.has(tp.topic)) continue;
    out.get(memberIds[0]!)!.push(tp);
  }
  for (const list of out.values()) list.sort(compareTp);
  return out;
}

/**
 * A sticky, balanced assignment. When every member subscribes to the same topics it follows
 * Kafka's constrained algorithm: quotas of floor(n/m) and ceil(n/m) partitions, members keep owned
 * partitions up to their quota, the rest are dealt to those below it. Otherwise owned partitions
 * are kept, unowned ones go to the least loaded eligible member, and partitions then move from the
 * most to the least loaded eligible member while that narrows the gap by two or more.
 */
export function stickyAssign(members: readonly MemberSubscription[], partitionsPerTopic: ReadonlyMap<string, number>): Map<string, TopicPartition[]> {
  const sorted = [...members].sort(compareMembers);
  const owned = validOwnership(members, partitionsPerTopic);
  const out = emptyAssignment(members);
  const all = allPartitionsSorted(members, partitionsPerTopic);
  if (sorted.length === 0) return out;
  const subscriptions = new Map(sorted.map((m) => [m.memberId, new Set(m.topics.filter((t) => partitionsPerTopic.has(t)))]));
  const first = [...subscriptions.values()][0]!;
  const allEqual = [...subscriptions.values()].every((s) => s.size === first.size && [...s].every((t) => first.has(t)));

  if (allEqual) {
    const minQuota = Math.floor(all.length / sorted.length);
    let overMinLeft = all.length % sorted.length;
    const taken = new Set<string>();
    // Members owning the most keep their share first, so the over-minimum slots go to them.
    const byOwned = [...sorted].sort((a, b) => owned.get(b.memberId)!.length - owned.get(a.memberId)!.length || compareMembers(a, b));
    for (const m of byOwned) {
      const mine = owned.get(m.memberId)!;
      let keep = Math.min(mine.length, minQuota);
      if (mine.length > minQuota && overMinLeft > 0) {
        keep = minQuota + 1;
        overMinLeft--;
      }
      for (const tp of mine.slice(0, keep)) {
        out.get(m.memberId)!.push(tp);
        taken.add(tpKey(tp));
      }
    }
    const unassigned = all.filter((tp) => !taken.has(tpKey(tp)));
    let next = 0;
    for (const m of sorted) {
      const list = out.get(m.memberId)!;
      while (list.length < minQuota && next < unassigned.length) list.push(unassigned[next++]!);
    }
    for (const m of sorted) {
      if (next >= unassigned.length || overMinLeft === 0) break;
      const list = out.get(m.memberId)!;
      if (list.length === minQuota) {
        list.push(unassigned[next++]!);
        overMinLeft--;
      }
    }
  } else {
    const taken = new Set<string>();
    for (const m of sorted) {
      for (const tp of owned.get(m.memberId)!) {
        out.get(m.memberId)!.push(tp);
        taken.add(tpKey(tp));
      }
    }
    const eligible = (tp: TopicPartition) => sorted.filter((m) => subscriptions.get(m.memberId)!.has(tp.topic));
    for (const tp of all) {
      if (taken.has(tpKey(tp))) continue;
      const target = leastLoaded(eligible(tp), out);
      out.get(target.memberId)!.push(tp);
    }
    // Balance: each move lowers the sum of squared loads, so this ends.
    for (let moved = true; moved; ) {
      moved = false;
      const byLoad = [...sorted].sort((a, b) => out.get(b.memberId)!.length - out.get(a.memberId)!.length || compareMembers(a, b));
      for (const from of byLoad) {
        const list = out.get(from.memberId)!;
        for (let i = list.length - 1; i >= 0 && !moved; i--) {
          const tp = list[i]!;
          const to = leastLoaded(eligible(tp), out);
          if (list.length - out.get(to.memberId)!.length >= 2) {
            list.splice(i, 1);
            out.get(to.memberId)!.push(tp);
            moved = true;
          }
        }
        if (moved) break;
      }
    }
  }
  for (const list of out.values()) list.sort(compareTp);
  return out;
}

function leastLoaded(candidates: MemberSubscription[], out: Map<string, TopicPartition[]>): MemberSubscription {
  let best = candidates[0]!;
  for (const m of candidates) if (out.get(m.memberId)!.length < out.get(best.memberId)!.length) best = m;
  return best;
}

export const cooperativeStickyAssignor: Assignor = {
  name: 'cooperative-sticky',
  supportedProtocols: ['eager', 'cooperative'],
  assign(members, partitionsPerTopic) {
    const out = stickyAssign(members, partitionsPerTopic);
    // KIP-429: a partition another member still owns is withheld from its new owner this round; the
    // owner revokes it on seeing its assignment and rejoins, and the next round hands it over.
    const claims = currentClaims(members);
    for (const [memberId, list] of out) {
      out.set(memberId, list.filter((tp) => (claims.get(tpKey(tp))?.memberIds ?? []).every((owner) => owner === memberId)));
    }
    return out;
  },
};

export const BUILTIN_ASSIGNORS: Readonly<Record<AssignorName, Assignor>> = Object.freeze({
  range: rangeAssignor,
  roundrobin: roundRobinAssignor,
  'cooperative-sticky': cooperativeStickyAssignor,
});
