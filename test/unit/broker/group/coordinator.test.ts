// The classic group coordinator's state machine on a manual clock: joins (two-step, static), syncs,
// heartbeats, session and rebalance timeouts, protocol selection, and offset-commit fencing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GroupCoordinator, type GroupStore, type JoinRequest, type StoreRecord } from '../../../../src/broker/group/coordinator.js';
import { ManualTimers } from '../../../../src/broker/group/timers.js';
import { ErrorCode } from '../../../../src/protocol/errors.js';
import { Writer } from '../../../../src/protocol/writer.js';
import { writeConsumerProtocolSubscription } from '../../../../src/protocol/generated/consumer-protocol-subscription.js';
import { decodeKey } from '../../../../src/broker/group/offsets-records.js';

/** Keeps records in memory in write order; can be told to fail, like a full disk. */
class MemoryStore implements GroupStore {
  readonly records: (StoreRecord & { groupId: string })[] = [];
  failing = false;
  async write(groupId: string, records: StoreRecord[]): Promise<void> {
    await Promise.resolve();
    if (this.failing) throw new Error('disk full');
    for (const r of records) this.records.push({ ...r, groupId });
  }
  /** Transactional writes held per producer until completeTransaction decides them (as markers do). */
  readonly pending = new Map<number, StoreRecord[]>();
  async writeTransactional(_groupId: string, records: StoreRecord[], producerId: number): Promise<void> {
    await Promise.resolve();
    if (this.failing) throw new Error('disk full');
    this.pending.set(producerId, [...(this.pending.get(producerId) ?? []), ...records]);
  }
  async readAll(visit: (key: Buffer | null, value: Buffer | null) => void): Promise<void> {
    for (const r of this.records) visit(r.key, r.value);
  }
}

const SESSION = 10_000;
const REBALANCE = 30_000;
const DELAY = 3000;

function setup() {
  const timers = new ManualTimers();
  const store = new MemoryStore();
  const coordinator = new GroupCoordinator(store, timers, { initialRebalanceDelayMs: DELAY });
  return { timers, store, coordinator };
}

function subscription(...topics: string[]): Buffer {
  const w = new Writer(64).int16(0);
  writeConsumerProtocolSubscription(w, 0, { topics, userData: null });
  return w.toBuffer();
}

function joinReq(over: Partial<JoinRequest> = {}): JoinRequest {
  return {
    groupId: 'g', memberId: '', groupInstanceId: null, clientId: 'c', clientHost: '/127.0.0.1',
    sessionTimeoutMs: SESSION, rebalanceTimeoutMs: REBALANCE, protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: subscription('t') }], requireKnownMemberId: true, ...over,
  };
}

/** Two-step join of a dynamic member; returns the parked JoinGroup and the member id. */
async function joinDynamic(c: GroupCoordinator, over: Partial<JoinRequest> = {}) {
  const first = await c.join(joinReq(over));
  assert.equal(first.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
  assert.match(first.memberId, /^c-[0-9a-f-]{36}$/);
  return { memberId: first.memberId, joined: c.join(joinReq({ ...over, memberId: first.memberId })) };
}

async function stableSingle(c: GroupCoordinator, timers: ManualTimers) {
  const { memberId, joined } = await joinDynamic(c);
  timers.advance(DELAY);
  const j = await joined;
  const s = await c.sync({ groupId: 'g', generationId: j.generationId, memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: [{ memberId, assignment: Buffer.from('A') }] });
  assert.equal(s.errorCode, 0);
  return { memberId, generationId: j.generationId };
}

test('two-step join (KIP-394), initial rebalance delay, sync, heartbeat, describe', async () => {
  const { coordinator: c, timers, store } = setup();
  const { memberId, joined } = await joinDynamic(c);
  let done = false;
  void joined.then(() => (done = true));
  timers.advance(DELAY - 1);
  await Promise.resolve();
  assert.equal(done, false, 'the first rebalance waits group.initial.rebalance.delay.ms');
  assert.equal(c.group('g')!.state, 'PreparingRebalance');
  timers.advance(1);
  const j = await joined;
  assert.equal(j.errorCode, 0);
  assert.equal(j.generationId, 1);
  assert.equal(j.leader, memberId);
  assert.equal(j.protocolName, 'range');
  assert.equal(j.protocolType, 'consumer');
  assert.deepEqual(j.members.map((m) => m.memberId), [memberId]);
  assert.equal(c.group('g')!.state, 'CompletingRebalance');
  assert.equal(c.heartbeat({ groupId: 'g', generationId: 1, memberId, groupInstanceId: null }), 0);

  const s = await c.sync({ groupId: 'g', generationId: 1, memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: [{ memberId, assignment: Buffer.from('A') }] });
  assert.deepEqual(s, { errorCode: 0, protocolType: 'consumer', protocolName: 'range', assignment: Buffer.from('A') });
  assert.equal(c.group('g')!.state, 'Stable');
  // The assignment is persisted as GroupMetadata before anyone hears of it.
  assert.deepEqual(decodeKey(store.records.at(-1)!.key), { type: 'group', group: 'g' });
  assert.equal(c.heartbeat({ groupId: 'g', generationId: 1, memberId, groupInstanceId: null }), 0);
  assert.equal(c.heartbeat({ groupId: 'g', generationId: 0, memberId, groupInstanceId: null }), ErrorCode.ILLEGAL_GENERATION);
  assert.equal(c.heartbeat({ groupId: 'g', generationId: 1, memberId: 'nobody', groupInstanceId: null }), ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal(c.heartbeat({ groupId: 'other', generationId: 1, memberId, groupInstanceId: null }), ErrorCode.UNKNOWN_MEMBER_ID);

  const d = c.describe('g');
  assert.equal(d.groupState, 'Stable');
  assert.equal(d.protocolData, 'range');
  assert.deepEqual(d.members[0]!.memberAssignment, Buffer.from('A'));
  assert.deepEqual(d.members[0]!.memberMetadata, subscription('t'));
  assert.equal(c.describe('missing').groupState, 'Dead');
  assert.deepEqual(c.list().groups, [{ groupId: 'g', protocolType: 'consumer', groupState: 'Stable', groupType: 'classic' }]);
  assert.deepEqual(c.list(['empty']).groups, []);
});

test('a rejoining unknown member id, a bad session timeout and a wrong protocol are refused', async () => {
  const { coordinator: c, timers } = setup();
  assert.equal((await c.join(joinReq({ memberId: 'ghost' }))).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal((await c.join(joinReq({ sessionTimeoutMs: 1000 }))).errorCode, ErrorCode.INVALID_SESSION_TIMEOUT);
  assert.equal((await c.join(joinReq({ groupId: '' }))).errorCode, ErrorCode.INVALID_GROUP_ID);
  assert.equal((await c.join(joinReq({ protocols: [] }))).errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  await stableSingle(c, timers);
  assert.equal((await c.join(joinReq({ protocolType: 'connect' }))).errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  assert.equal((await c.join(joinReq({ protocols: [{ name: 'roundrobin', metadata: Buffer.alloc(0) }] }))).errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  // A pending member id that was never used expires after the session timeout.
  const first = await c.join(joinReq());
  timers.advance(SESSION);
  assert.equal((await c.join(joinReq({ memberId: first.memberId }))).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
});

test('a second member triggers a rebalance that heartbeats announce; leader gets members, followers wait for the assignment', async () => {
  const { coordinator: c, timers } = setup();
  const a = await stableSingle(c, timers);
  const b = await joinDynamic(c);
  assert.equal(c.group('g')!.state, 'PreparingRebalance');
  assert.equal(c.heartbeat({ groupId: 'g', generationId: 1, memberId: a.memberId, groupInstanceId: null }), ErrorCode.REBALANCE_IN_PROGRESS);
  // Commits are still accepted while preparing (the member learns of the rebalance by heartbeat).
  assert.equal(await c.commitOffsets({ groupId: 'g', generationId: 1, memberId: a.memberId, groupInstanceId: null, offsets: [] }), 0);
  const aJoin = c.join(joinReq({ memberId: a.memberId }));
  // Every member has rejoined: the rebalance completes without waiting for the rebalance timeout.
  const [ja, jb] = await Promise.all([aJoin, b.joined]);
  assert.equal(ja.generationId, 2);
  assert.equal(jb.generationId, 2);
  assert.equal(ja.leader, a.memberId);
  assert.equal(ja.members.length, 2);
  assert.equal(jb.members.length, 0);
  assert.equal(await c.commitOffsets({ groupId: 'g', generationId: 2, memberId: b.memberId, groupInstanceId: null, offsets: [] }), ErrorCode.REBALANCE_IN_PROGRESS);

  let followerDone = false;
  const follower = c.sync({ groupId: 'g', generationId: 2, memberId: b.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] });
  void follower.then(() => (followerDone = true));
  await Promise.resolve();
  assert.equal(followerDone, false);
  const leader = await c.sync({
    groupId: 'g', generationId: 2, memberId: a.memberId, groupInstanceId: null, protocolType: null, protocolName: null,
    assignments: [{ memberId: a.memberId, assignment: Buffer.from('a') }, { memberId: b.memberId, assignment: Buffer.from('b') }],
  });
  assert.deepEqual(leader.assignment, Buffer.from('a'));
  assert.deepEqual((await follower).assignment, Buffer.from('b'));
  // A stale generation and a wrong protocol name are refused (SyncGroup v5).
  assert.equal((await c.sync({ groupId: 'g', generationId: 1, memberId: b.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] })).errorCode, ErrorCode.ILLEGAL_GENERATION);
  assert.equal((await c.sync({ groupId: 'g', generationId: 2, memberId: b.memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'roundrobin', assignments: [] })).errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
});

test('session expiry removes a silent member; the group rebalances to Empty and persists that', async () => {
  const { coordinator: c, timers, store } = setup();
  const a = await stableSingle(c, timers);
  timers.advance(SESSION - 1);
  assert.equal(c.heartbeat({ groupId: 'g', generationId: a.generationId, memberId: a.memberId, groupInstanceId: null }), 0);
  timers.advance(SESSION - 1);
  assert.equal(c.group('g')!.state, 'Stable');
  const before = store.records.length;
  timers.advance(1);
  await Promise.resolve();
  const g = c.group('g')!;
  assert.equal(g.state, 'Empty');
  assert.equal(g.members.size, 0);
  assert.equal(g.generationId, 2);
  assert.equal(store.records.length, before + 1, 'the empty generation is written');
  assert.equal(c.heartbeat({ groupId: 'g', generationId: 1, memberId: a.memberId, groupInstanceId: null }), ErrorCode.UNKNOWN_MEMBER_ID);
});

test('a member that does not rejoin within the rebalance timeout is removed', async () => {
  const { coordinator: c, timers } = setup();
  const a = await stableSingle(c, timers);
  const b = await joinDynamic(c);
  const aJoin = c.join(joinReq({ memberId: a.memberId }));
  const [ja, jb] = await Promise.all([aJoin, b.joined]);
  await Promise.all([
    c.sync({ groupId: 'g', generationId: ja.generationId, memberId: a.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] }),
    c.sync({ groupId: 'g', generationId: jb.generationId, memberId: b.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] }),
  ]);
  // A third member joins; a rejoins (heartbeating all along), b stays silent but its session would outlast the wait.
  const third = await joinDynamic(c, { sessionTimeoutMs: 60_000, rebalanceTimeoutMs: REBALANCE });
  c.group('g')!.get(b.memberId)!.sessionTimeoutMs = 60_000;
  c.heartbeat({ groupId: 'g', generationId: 2, memberId: b.memberId, groupInstanceId: null });
  const aAgain = c.join(joinReq({ memberId: a.memberId }));
  timers.advance(REBALANCE - 1);
  assert.equal(c.group('g')!.state, 'PreparingRebalance');
  timers.advance(1);
  const [j3, ja3] = await Promise.all([third.joined, aAgain]);
  assert.equal(j3.generationId, 3);
  assert.equal(ja3.generationId, 3);
  assert.deepEqual([...c.group('g')!.members.keys()].sort(), [a.memberId, third.memberId].sort());
});

test('a member that gets its join answer but never syncs is removed after the rebalance timeout', async () => {
  const { coordinator: c, timers } = setup();
  const a = await stableSingle(c, timers);
  // b's session outlasts the rebalance timeout, so only the missing SyncGroup can remove it.
  const b = await joinDynamic(c, { sessionTimeoutMs: 60_000 });
  const [ja] = await Promise.all([c.join(joinReq({ memberId: a.memberId })), b.joined]);
  await c.sync({ groupId: 'g', generationId: ja.generationId, memberId: a.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] });
  assert.equal(c.group('g')!.state, 'Stable');
  for (let t = 0; t < REBALANCE; t += 5000) {
    assert.equal(c.heartbeat({ groupId: 'g', generationId: ja.generationId, memberId: a.memberId, groupInstanceId: null }), 0);
    timers.advance(5000);
  }
  assert.equal(c.group('g')!.get(b.memberId), undefined);
  assert.equal(c.group('g')!.state, 'PreparingRebalance');
});

test('static members (KIP-345): no member-id round trip, replacement fences the old id without a rebalance', async () => {
  const { coordinator: c, timers } = setup();
  const joined = c.join(joinReq({ groupInstanceId: 'i1' }));
  timers.advance(DELAY);
  const j = await joined;
  assert.equal(j.errorCode, 0);
  const oldId = j.memberId;
  await c.sync({ groupId: 'g', generationId: j.generationId, memberId: oldId, groupInstanceId: 'i1', protocolType: null, protocolName: null, assignments: [{ memberId: oldId, assignment: Buffer.from('x') }] });
  const g = c.group('g')!;
  assert.equal(g.state, 'Stable');

  // The same instance restarts: a new member id replaces the old, same generation, same assignment.
  const again = await c.join(joinReq({ groupInstanceId: 'i1' }));
  assert.equal(again.errorCode, 0);
  assert.notEqual(again.memberId, oldId);
  assert.equal(again.generationId, j.generationId);
  assert.equal(g.state, 'Stable');
  assert.equal(c.heartbeat({ groupId: 'g', generationId: j.generationId, memberId: oldId, groupInstanceId: 'i1' }), ErrorCode.FENCED_INSTANCE_ID);
  assert.equal(c.heartbeat({ groupId: 'g', generationId: j.generationId, memberId: again.memberId, groupInstanceId: 'i1' }), 0);
  assert.equal(await c.commitOffsets({ groupId: 'g', generationId: j.generationId, memberId: oldId, groupInstanceId: 'i1', offsets: [] }), ErrorCode.FENCED_INSTANCE_ID);
  assert.equal((await c.join(joinReq({ groupInstanceId: 'i1', memberId: oldId }))).errorCode, ErrorCode.FENCED_INSTANCE_ID);
  const s = await c.sync({ groupId: 'g', generationId: j.generationId, memberId: again.memberId, groupInstanceId: 'i1', protocolType: null, protocolName: null, assignments: [] });
  assert.deepEqual(s.assignment, Buffer.from('x'));

  // Leaving by instance id with a stale member id is fenced; with the current (or none) it works.
  assert.equal(c.leave('g', [{ memberId: oldId, groupInstanceId: 'i1' }]).members[0]!.errorCode, ErrorCode.FENCED_INSTANCE_ID);
  assert.equal(c.leave('g', [{ memberId: '', groupInstanceId: 'i2' }]).members[0]!.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal(c.leave('g', [{ memberId: '', groupInstanceId: 'i1' }]).members[0]!.errorCode, 0);
  assert.equal(g.members.size, 0);
});

test('protocol selection: only protocols every member supports, chosen by the members\' first preferences', async () => {
  const { coordinator: c, timers } = setup();
  const p = (...names: string[]) => names.map((name) => ({ name, metadata: Buffer.from(name) }));
  const m1 = await joinDynamic(c, { protocols: p('cooperative-sticky', 'range', 'roundrobin') });
  const m2 = await joinDynamic(c, { protocols: p('range', 'cooperative-sticky') });
  const m3 = await joinDynamic(c, { protocols: p('range', 'cooperative-sticky') });
  // Members joined during the initial delay: it runs once more.
  timers.advance(2 * DELAY);
  const [j1, j2] = await Promise.all([m1.joined, m2.joined, m3.joined]);
  assert.equal(j1.protocolName, 'range');
  assert.equal(j2.protocolName, 'range');
  // The leader receives each member's metadata for the chosen protocol.
  const leader = j1.members.length > 0 ? j1 : j2;
  assert.ok(leader.members.every((m) => m.metadata.equals(Buffer.from('range'))));
});

test('the initial delay extends while members keep arriving, up to the rebalance timeout', async () => {
  const { coordinator: c, timers } = setup();
  const m1 = await joinDynamic(c);
  let done = false;
  void m1.joined.then(() => (done = true));
  timers.advance(DELAY - 1);
  const m2 = await joinDynamic(c);
  timers.advance(1);
  await Promise.resolve();
  assert.equal(done, false, 'a new member during the delay extends it');
  timers.advance(DELAY);
  const [j1, j2] = await Promise.all([m1.joined, m2.joined]);
  assert.equal(j1.generationId, 1);
  assert.equal(j2.generationId, 1);
});

test('offset commits: simple commits on an empty group, fencing of members and generations, fetch with metadata', async () => {
  const { coordinator: c, timers } = setup();
  const o = (offset: number, metadata = '') => ({ topic: 't', partition: 0, offset, leaderEpoch: 0, metadata });
  assert.equal(await c.commitOffsets({ groupId: 'g', generationId: 5, memberId: 'm', groupInstanceId: null, offsets: [o(1)] }), ErrorCode.ILLEGAL_GENERATION);
  assert.equal(await c.commitOffsets({ groupId: 'g', generationId: -1, memberId: '', groupInstanceId: null, offsets: [o(7, 'meta')] }), 0);
  assert.deepEqual(c.fetchOffsets('g', [{ name: 't', partitionIndexes: [0, 1] }]).topics[0]!.partitions, [
    { partitionIndex: 0, committedOffset: 7, committedLeaderEpoch: 0, metadata: 'meta', errorCode: 0 },
    { partitionIndex: 1, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: 0 },
  ]);
  const a = await stableSingle(c, timers);
  assert.equal(await c.commitOffsets({ groupId: 'g', generationId: -1, memberId: '', groupInstanceId: null, offsets: [o(8)] }), ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal(await c.commitOffsets({ groupId: 'g', generationId: a.generationId, memberId: 'other', groupInstanceId: null, offsets: [o(8)] }), ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal(await c.commitOffsets({ groupId: 'g', generationId: a.generationId + 1, memberId: a.memberId, groupInstanceId: null, offsets: [o(8)] }), ErrorCode.ILLEGAL_GENERATION);
  assert.equal(await c.commitOffsets({ groupId: 'g', generationId: a.generationId, memberId: a.memberId, groupInstanceId: null, offsets: [o(9)] }), 0);
  assert.deepEqual(c.fetchOffsets('g', null).topics, [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 9, committedLeaderEpoch: 0, metadata: '', errorCode: 0 }] }]);
  assert.deepEqual(c.fetchOffsets('nobody', null).topics, []);
});

test('transactional offset commits (KIP-447): a named member must be current at the group generation, also once the group is empty', async () => {
  const { coordinator: c, timers, store } = setup();
  const o = [{ topic: 't', partition: 0, offset: 3, leaderEpoch: -1, metadata: '' }];
  const txn = (generationId: number, memberId: string, groupInstanceId: string | null = null) =>
    c.commitTxnOffsets({ groupId: 'g', producerId: 1, producerEpoch: 0, generationId, memberId, groupInstanceId, offsets: o });
  assert.equal(await txn(-1, ''), 0, 'no member named (TxnOffsetCommit < v3): taken as it is');
  assert.equal(await txn(0, 'm'), ErrorCode.UNKNOWN_MEMBER_ID, 'an unknown group has no members');
  const a = await stableSingle(c, timers);
  assert.equal(await txn(a.generationId, 'other'), ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal(await txn(a.generationId + 1, a.memberId), ErrorCode.ILLEGAL_GENERATION);
  assert.equal(await txn(a.generationId, a.memberId, 'not-mine'), ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal(await txn(a.generationId, a.memberId), 0);
  assert.equal(await txn(-1, ''), 0);
  // The member is evicted and the group is empty: its late commit is a zombie's.
  timers.advance(SESSION);
  await Promise.resolve();
  assert.equal(c.group('g')!.state, 'Empty');
  assert.equal(await txn(a.generationId, a.memberId), ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal(store.pending.get(1)?.length, 3, 'only the accepted commits were written');
  assert.equal(c.hasPendingTxnOffset('g', 't', 0), true);
  c.completeTransactionsOf(1, true);
  assert.equal(c.fetchOffsets('g', [{ name: 't', partitionIndexes: [0] }]).topics[0]!.partitions[0]!.committedOffset, 3);
});

test('a failed write is not acknowledged and leaves the committed offset unchanged', async () => {
  const { coordinator: c, store } = setup();
  const o = { topic: 't', partition: 0, offset: 3, leaderEpoch: -1, metadata: '' };
  assert.equal(await c.commitOffsets({ groupId: 'g', generationId: -1, memberId: '', groupInstanceId: null, offsets: [o] }), 0);
  store.failing = true;
  assert.equal(await c.commitOffsets({ groupId: 'g', generationId: -1, memberId: '', groupInstanceId: null, offsets: [{ ...o, offset: 4 }] }), ErrorCode.COORDINATOR_NOT_AVAILABLE);
  assert.equal(c.fetchOffsets('g', [{ name: 't', partitionIndexes: [0] }]).topics[0]!.partitions[0]!.committedOffset, 3);
});

test('DeleteGroups and OffsetDelete follow the group state; deletions are tombstones', async () => {
  const { coordinator: c, timers, store } = setup();
  const o = (topic: string) => ({ topic, partition: 0, offset: 1, leaderEpoch: -1, metadata: '' });
  const a = await stableSingle(c, timers);
  await c.commitOffsets({ groupId: 'g', generationId: a.generationId, memberId: a.memberId, groupInstanceId: null, offsets: [o('t'), o('old')] });
  assert.deepEqual(await c.deleteGroups(['g', 'nope']), [{ groupId: 'g', errorCode: ErrorCode.NON_EMPTY_GROUP }, { groupId: 'nope', errorCode: ErrorCode.GROUP_ID_NOT_FOUND }]);
  const del = await c.deleteOffsets('g', [{ name: 't', partitions: [0] }, { name: 'old', partitions: [0] }]);
  assert.deepEqual(del, { errorCode: 0, topics: [
    { name: 't', partitions: [{ partitionIndex: 0, errorCode: ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC }] },
    { name: 'old', partitions: [{ partitionIndex: 0, errorCode: 0 }] },
  ] });
  assert.equal(store.records.at(-1)!.value, null);
  assert.equal(c.fetchOffsets('g', [{ name: 'old', partitionIndexes: [0] }]).topics[0]!.partitions[0]!.committedOffset, -1);
  assert.equal((await c.deleteOffsets('nope', [])).errorCode, ErrorCode.GROUP_ID_NOT_FOUND);

  assert.equal(c.leave('g', [{ memberId: a.memberId, groupInstanceId: null }]).members[0]!.errorCode, 0);
  timers.advance(0);
  assert.equal(c.group('g')!.state, 'Empty');
  await new Promise((resolve) => setImmediate(resolve)); // the empty generation's record lands
  const before = store.records.length;
  assert.deepEqual(await c.deleteGroups(['g']), [{ groupId: 'g', errorCode: 0 }]);
  const tombstones = store.records.slice(before);
  assert.deepEqual(tombstones.map((r) => [decodeKey(r.key).type, r.value]), [['offset', null], ['group', null]]);
  assert.equal(c.group('g'), undefined);
  assert.deepEqual(c.list().groups, []);
});

test('load rebuilds offsets and groups; restored members expire unless they heartbeat', async () => {
  const { coordinator: c, timers, store } = setup();
  const a = await stableSingle(c, timers);
  await c.commitOffsets({ groupId: 'g', generationId: a.generationId, memberId: a.memberId, groupInstanceId: null, offsets: [{ topic: 't', partition: 2, offset: 42, leaderEpoch: 1, metadata: 'x' }] });
  await c.commitOffsets({ groupId: 'simple', generationId: -1, memberId: '', groupInstanceId: null, offsets: [{ topic: 't', partition: 0, offset: 5, leaderEpoch: -1, metadata: '' }] });
  await c.deleteGroups(['simple']);

  const timers2 = new ManualTimers();
  const c2 = new GroupCoordinator(store, timers2, { initialRebalanceDelayMs: DELAY });
  let loading: boolean | undefined;
  const loaded = c2.load(async (visit) => {
    loading = c2.isLoading;
    assert.equal(c2.heartbeat({ groupId: 'g', generationId: 1, memberId: a.memberId, groupInstanceId: null }), ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    await store.readAll(visit);
  });
  await loaded;
  assert.equal(loading, true);
  assert.equal(c2.isLoading, false);
  assert.deepEqual(c2.fetchOffsets('g', null).topics, [{ name: 't', partitions: [{ partitionIndex: 2, committedOffset: 42, committedLeaderEpoch: 1, metadata: 'x', errorCode: 0 }] }]);
  assert.equal(c2.group('simple'), undefined, 'deleted groups stay deleted');
  const g = c2.group('g')!;
  assert.equal(g.state, 'Stable');
  assert.equal(g.generationId, a.generationId);
  assert.deepEqual(c2.describe('g').members[0]!.memberAssignment, Buffer.from('A'));
  assert.equal(c2.heartbeat({ groupId: 'g', generationId: a.generationId, memberId: a.memberId, groupInstanceId: null }), 0);
  timers2.advance(SESSION);
  assert.equal(g.state, 'Empty');
});

test('offsets retention: an empty group expires whole; a consumer group loses only offsets of topics it dropped', async () => {
  const timers = new ManualTimers();
  const store = new MemoryStore();
  const RETENTION = 60 * 60 * 1000;
  const c = new GroupCoordinator(store, timers, { initialRebalanceDelayMs: DELAY, offsetsRetentionMs: RETENTION });
  const o = (topic: string) => ({ topic, partition: 0, offset: 1, leaderEpoch: -1, metadata: '' });
  assert.equal(await c.commitOffsets({ groupId: 'idle', generationId: -1, memberId: '', groupInstanceId: null, offsets: [o('t')] }), 0);
  const a = await stableSingle(c, timers);
  await c.commitOffsets({ groupId: 'g', generationId: a.generationId, memberId: a.memberId, groupInstanceId: null, offsets: [o('t'), o('old')] });

  const heartbeatFor = (ms: number) => {
    for (let t = 0; t < ms; t += 5000) {
      c.heartbeat({ groupId: 'g', generationId: a.generationId, memberId: a.memberId, groupInstanceId: null });
      timers.advance(5000);
    }
  };
  heartbeatFor(RETENTION - 5000);
  assert.equal(await c.expireOffsets(), 0, 'nothing is due before the retention time');
  heartbeatFor(5000);
  assert.equal(await c.expireOffsets(), 2);
  assert.equal(c.group('idle'), undefined, 'the empty group without offsets is gone');
  assert.deepEqual(c.fetchOffsets('g', null).topics.map((t) => t.name), ['t'], 'the subscribed topic keeps its offset');
  assert.deepEqual(store.records.slice(-3).map((r) => [decodeKey(r.key).type, r.value]), [['offset', null], ['group', null], ['offset', null]]);
});
