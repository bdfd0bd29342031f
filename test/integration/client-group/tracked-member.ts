// An in-process GroupConsumer that records, in one log shared by every member of a test, each
// callback and each batch it handles, the way a stream job would use it: process a batch, commit
// after processing, and hand partitions over (commit) in onPartitionsRevoked.
import { KafkaClient } from '../../../src/client/kafka-client.js';
import { CommitFailedError, type GroupConsumer, type GroupConsumerOptions } from '../../../src/client/group-consumer.js';
import type { TopicPartition } from '../../../src/client/assignors.js';

export type LogEvent =
  | { member: string; type: 'assigned' | 'revoked' | 'lost'; partitions: number[]; generation: number; at: number }
  | { member: string; type: 'batch'; partition: number; offsets: number[]; values: string[]; generation: number; at: number }
  | { member: string; type: 'commit-failed'; reason: string; at: number }
  | { member: string; type: 'closed'; at: number };

export interface TrackedMember {
  name: string;
  client: KafkaClient;
  consumer: GroupConsumer;
  /** Settles when the run loop ends (close or error). */
  running: Promise<void>;
  owned(): number[];
  close(): Promise<void>;
}

export function startTrackedMember(
  log: LogEvent[],
  name: string,
  bootstrap: string,
  topic: string,
  options: Omit<GroupConsumerOptions, 'groupId'> & { groupId: string },
  hooks: { onBatch?: (member: TrackedMember, partition: number) => Promise<void> | void } = {},
): TrackedMember {
  const client = new KafkaClient({ bootstrapServers: bootstrap, clientId: `tracked-${name}` });
  const consumer = client.groupConsumer({ heartbeatIntervalMs: 300, sessionTimeoutMs: 6000, fromBeginning: true, maxWaitMs: 200, ...options });
  const owned = new Set<number>();
  const gen = () => consumer.groupMetadata().generationId;
  const ps = (tps: TopicPartition[]) => tps.map((tp) => tp.partition);
  const commit = async () => {
    try {
      await consumer.commit();
    } catch (err) {
      if (!(err instanceof CommitFailedError)) throw err;
      log.push({ member: name, type: 'commit-failed', reason: err.reason, at: Date.now() });
    }
  };
  consumer.subscribe([topic], {
    async onPartitionsRevoked(tps) {
      // Hand over: what was processed is committed before anyone else may start on it.
      await commit();
      for (const p of ps(tps)) owned.delete(p);
      log.push({ member: name, type: 'revoked', partitions: ps(tps), generation: gen(), at: Date.now() });
    },
    async onPartitionsAssigned(tps) {
      for (const p of ps(tps)) owned.add(p);
      log.push({ member: name, type: 'assigned', partitions: ps(tps), generation: gen(), at: Date.now() });
    },
    async onPartitionsLost(tps) {
      for (const p of ps(tps)) owned.delete(p);
      log.push({ member: name, type: 'lost', partitions: ps(tps), generation: gen(), at: Date.now() });
    },
  });
  const member: TrackedMember = {
    name,
    client,
    consumer,
    running: Promise.resolve(),
    owned: () => [...owned].sort((a, b) => a - b),
    async close() {
      await consumer.close();
      await member.running.catch(() => {});
      log.push({ member: name, type: 'closed', at: Date.now() });
      await client.close();
    },
  };
  member.running = consumer.run({
    async eachBatch(batch) {
      log.push({
        member: name,
        type: 'batch',
        partition: batch.partition,
        offsets: batch.records.map((r) => r.offset),
        values: batch.records.map((r) => r.value!.toString()),
        generation: gen(),
        at: Date.now(),
      });
      await hooks.onBatch?.(member, batch.partition);
      await commit();
    },
  });
  return member;
}

/** The partitions each member owns after the callbacks in the log. */
export function ownership(log: LogEvent[]): Map<string, Set<number>> {
  const out = new Map<string, Set<number>>();
  for (const e of log) {
    if (e.type !== 'assigned' && e.type !== 'revoked' && e.type !== 'lost') continue;
    let set = out.get(e.member);
    if (!set) out.set(e.member, (set = new Set()));
    for (const p of e.partitions) (e.type === 'assigned' ? set.add(p) : set.delete(p));
  }
  return out;
}

/**
 * Replays the log and checks the handover rules: a partition is never owned by two members at once,
 * and every batch a member handled was of a partition it owned at that moment.
 */
export function checkHandovers(log: LogEvent[]): string[] {
  const problems: string[] = [];
  const owner = new Map<number, string>();
  const owns = new Map<string, Set<number>>();
  const setOf = (m: string) => {
    let s = owns.get(m);
    if (!s) owns.set(m, (s = new Set()));
    return s;
  };
  log.forEach((e, i) => {
    if (e.type === 'assigned') {
      for (const p of e.partitions) {
        const current = owner.get(p);
        if (current !== undefined && current !== e.member) problems.push(`#${i}: ${e.member} assigned partition ${p} still owned by ${current}`);
        owner.set(p, e.member);
        setOf(e.member).add(p);
      }
    } else if (e.type === 'revoked' || e.type === 'lost') {
      for (const p of e.partitions) {
        if (owner.get(p) === e.member) owner.delete(p);
        setOf(e.member).delete(p);
      }
    } else if (e.type === 'batch') {
      if (!setOf(e.member).has(e.partition)) problems.push(`#${i}: ${e.member} handled a batch of partition ${e.partition} it did not own`);
    }
  });
  return problems;
}
