// The consumer-group assignors against the examples Kafka documents (RangeAssignor and
// RoundRobinAssignor javadoc, RangeAssignorTest), the cooperative-sticky rules of KIP-429, and the
// consumer-protocol bytes against kafkajs' own encoder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import {
  compareMembers,
  cooperativeStickyAssignor,
  rangeAssignor,
  roundRobinAssignor,
  stickyAssign,
  type Assignor,
  type MemberSubscription,
  type TopicPartition,
} from '../../../src/client/assignors.js';
import { decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription } from '../../../src/client/group-consumer.js';

function member(memberId: string, topics: string[], extra: Partial<MemberSubscription> = {}): MemberSubscription {
  return { memberId, groupInstanceId: null, topics, userData: null, ownedPartitions: [], generationId: -1, rackId: null, ...extra };
}

/** "t0p1" style, as Kafka's javadoc writes assignments. */
const short = (tps: TopicPartition[]) => tps.map((tp) => `${tp.topic}p${tp.partition}`);

function run(assignor: Assignor, members: MemberSubscription[], partitions: Record<string, number>): Record<string, string[]> {
  const out = assignor.assign(members, new Map(Object.entries(partitions)));
  return Object.fromEntries([...out].map(([id, tps]) => [id, short(tps)]));
}

const tps = (spec: string) => spec.split(',').filter(Boolean).map((s) => ({ topic: s.slice(0, s.indexOf('p')), partition: Number(s.slice(s.indexOf('p') + 1)) }));

test('range: the RangeAssignor javadoc example (two consumers, two topics of three partitions)', () => {
  const got = run(rangeAssignor, [member('C0', ['t0', 't1']), member('C1', ['t0', 't1'])], { t0: 3, t1: 3 });
  assert.deepEqual(got, { C0: ['t0p0', 't0p1', 't1p0', 't1p1'], C1: ['t0p2', 't1p2'] });
});

test('range: uneven partitions give the first members one more (RangeAssignorTest)', () => {
  assert.deepEqual(run(rangeAssignor, [member('c1', ['t']), member('c2', ['t']), member('c3', ['t'])], { t: 7 }), {
    c1: ['tp0', 'tp1', 'tp2'],
    c2: ['tp3', 'tp4'],
    c3: ['tp5', 'tp6'],
  });
  // More members than partitions: the last ones get nothing.
  assert.deepEqual(run(rangeAssignor, [member('a', ['t']), member('b', ['t'])], { t: 1 }), { a: ['tp0'], b: [] });
  // testMultipleConsumersMixedTopics: each topic is split among its own subscribers only.
  assert.deepEqual(run(rangeAssignor, [member('consumer1', ['topic1']), member('consumer2', ['topic1', 'topic2']), member('consumer3', ['topic1'])], { topic1: 3, topic2: 2 }), {
    consumer1: ['topic1p0'],
    consumer2: ['topic1p1', 'topic2p0', 'topic2p1'],
    consumer3: ['topic1p2'],
  });
});

test('range: subscribed topics that do not exist are skipped', () => {
  assert.deepEqual(run(rangeAssignor, [member('a', ['t', 'missing']), member('b', ['t'])], { t: 2 }), { a: ['tp0'], b: ['tp1'] });
});

test('member order is Java\'s: static members by instance id first, then member ids by UTF-16 code units', () => {
  const members = [member('consumer-9', ['t']), member('consumer-10', ['t']), member('zz', ['t'], { groupInstanceId: 'b' }), member('aa', ['t'], { groupInstanceId: 'a' })];
  assert.deepEqual([...members].sort(compareMembers).map((m) => m.memberId), ['aa', 'zz', 'consumer-10', 'consumer-9']);
  // So range gives the first range to the static member with the smallest instance id.
  assert.deepEqual(run(rangeAssignor, members, { t: 4 }), { aa: ['tp0'], zz: ['tp1'], 'consumer-10': ['tp2'], 'consumer-9': ['tp3'] });
});

test('roundrobin: the RoundRobinAssignor javadoc examples', () => {
  assert.deepEqual(run(roundRobinAssignor, [member('C0', ['t0', 't1']), member('C1', ['t0', 't1'])], { t0: 3, t1: 3 }), {
    C0: ['t0p0', 't0p2', 't1p1'],
    C1: ['t0p1', 't1p0', 't1p2'],
  });
  // Subscriptions differ: members not subscribed to a partition's topic are skipped in turn.
  assert.deepEqual(run(roundRobinAssignor, [member('C0', ['t0']), member('C1', ['t0', 't1']), member('C2', ['t0', 't1', 't2'])], { t0: 1, t1: 2, t2: 3 }), {
    C0: ['t0p0'],
    C1: ['t1p0'],
    C2: ['t1p1', 't2p0', 't2p1', 't2p2'],
  });
});

test('roundrobin: topics in name order, partitions dealt across several topics', () => {
  assert.deepEqual(run(roundRobinAssignor, [member('b', ['y', 'x']), member('a', ['x', 'y']), member('c', ['x', 'y'])], { y: 2, x: 3 }), {
    a: ['xp0', 'yp0'],
    b: ['xp1', 'yp1'],
    c: ['xp2'],
  });
});

test('cooperative-sticky: a fresh group is balanced', () => {
  const got = run(cooperativeStickyAssignor, [member('a', ['t']), member('b', ['t']), member('c', ['t'])], { t: 7 });
  assert.deepEqual(Object.values(got).map((l) => l.length).sort(), [2, 2, 3]);
  assert.deepEqual(Object.values(got).flat().sort(), ['tp0', 'tp1', 'tp2', 'tp3', 'tp4', 'tp5', 'tp6']);
});

test('cooperative-sticky: a joining member takes partitions only after their owners revoke them', () => {
  const a = member('a', ['t'], { ownedPartitions: tps('tp0,tp1,tp2'), generationId: 4 });
  const b = member('b', ['t'], { ownedPartitions: tps('tp3,tp4,tp5'), generationId: 4 });
  const c = member('c', ['t']);
  // The sticky target: a and b keep two each, c gets one from each.
  const target = stickyAssign([a, b, c], new Map([['t', 6]]));
  assert.deepEqual(short(target.get('a')!), ['tp0', 'tp1']);
  assert.deepEqual(short(target.get('b')!), ['tp3', 'tp4']);
  assert.deepEqual(short(target.get('c')!), ['tp2', 'tp5']);
  // First round: c gets nothing yet (tp2 and tp5 are still owned), a and b see them gone and revoke.
  const first = run(cooperativeStickyAssignor, [a, b, c], { t: 6 });
  assert.deepEqual(first, { a: ['tp0', 'tp1'], b: ['tp3', 'tp4'], c: [] });
  // Second round, after the revocation: c gets them; nobody else moves.
  const second = run(cooperativeStickyAssignor, [{ ...a, ownedPartitions: tps('tp0,tp1') }, { ...b, ownedPartitions: tps('tp3,tp4') }, c], { t: 6 });
  assert.deepEqual(second, { a: ['tp0', 'tp1'], b: ['tp3', 'tp4'], c: ['tp2', 'tp5'] });
});

test('cooperative-sticky: a leaving member\'s partitions go to the others, who keep theirs', () => {
  const a = member('a', ['t'], { ownedPartitions: tps('tp0,tp1'), generationId: 2 });
  const c = member('c', ['t'], { ownedPartitions: tps('tp4,tp5'), generationId: 2 });
  const got = run(cooperativeStickyAssignor, [a, c], { t: 6 });
  assert.ok(['tp0', 'tp1'].every((p) => got.a!.includes(p)));
  assert.ok(['tp4', 'tp5'].every((p) => got.c!.includes(p)));
  assert.deepEqual([got.a!.length, got.c!.length], [3, 3]);
});

test('cooperative-sticky: claims from an older generation lose; equal claims cancel out; vanished partitions are dropped', () => {
  const stale = member('stale', ['t'], { ownedPartitions: tps('tp0,tp1'), generationId: 3 });
  const current = member('current', ['t'], { ownedPartitions: tps('tp0'), generationId: 5 });
  const target = stickyAssign([stale, current], new Map([['t', 2]]));
  assert.deepEqual(short(target.get('current')!), ['tp0']);
  assert.deepEqual(short(target.get('stale')!), ['tp1']);
  // The stale claim does not hold tp0 back from its current owner (no needless revocation round).
  assert.deepEqual(run(cooperativeStickyAssignor, [stale, current], { t: 2 }), { stale: ['tp1'], current: ['tp0'] });

  const x = member('x', ['t'], { ownedPartitions: tps('tp0,tp9'), generationId: 5 });
  const y = member('y', ['t'], { ownedPartitions: tps('tp0'), generationId: 5 });
  const got = stickyAssign([x, y], new Map([['t', 2]]));
  assert.deepEqual([...got.values()].map(short).flat().sort(), ['tp0', 'tp1']);
});

test('cooperative-sticky: members with different subscriptions stay balanced within what they can take', () => {
  const members = [member('a', ['t1']), member('b', ['t1', 't2']), member('c', ['t2'])];
  const got = run(cooperativeStickyAssignor, members, { t1: 4, t2: 2 });
  assert.ok(got.a!.every((p) => p.startsWith('t1')));
  assert.ok(got.c!.every((p) => p.startsWith('t2')));
  assert.deepEqual(Object.values(got).map((l) => l.length).sort(), [2, 2, 2]);
  assert.deepEqual(Object.values(got).flat().sort(), ['t1p0', 't1p1', 't1p2', 't1p3', 't2p0', 't2p1']);
});

test('consumer protocol: our subscriptions and assignments read back, and kafkajs\' encodings read as it means them', () => {
  const bytes = encodeSubscription({ topics: ['a', 'b'], ownedPartitions: tps('ap1,ap0,bp3'), generationId: 7 });
  assert.equal(bytes.readInt16BE(0), 3);
  const back = decodeSubscription('m', 'i', bytes)!;
  assert.deepEqual(back.topics, ['a', 'b']);
  assert.deepEqual(short(back.ownedPartitions), ['ap1', 'ap0', 'bp3']);
  assert.equal(back.generationId, 7);
  assert.equal(back.groupInstanceId, 'i');

  const kjs = kafkajs.AssignerProtocol.MemberMetadata.encode({ version: 0, topics: ['x', 'y'], userData: Buffer.from('u') });
  const fromKafkajs = decodeSubscription('k', null, kjs)!;
  assert.deepEqual(fromKafkajs.topics, ['x', 'y']);
  assert.equal(fromKafkajs.userData!.toString(), 'u');
  assert.deepEqual(fromKafkajs.ownedPartitions, []);
  assert.equal(fromKafkajs.generationId, -1);
  assert.equal(decodeSubscription('junk', null, Buffer.from([0, 0, 1])), null);

  const assignment = encodeAssignment(tps('xp2,xp0,yp1'));
  assert.deepEqual(kafkajs.AssignerProtocol.MemberAssignment.decode(assignment)!.assignment, { x: [2, 0], y: [1] });
  const kjsAssignment = kafkajs.AssignerProtocol.MemberAssignment.encode({ version: 0, assignment: { x: [1, 3] }, userData: Buffer.alloc(0) });
  assert.deepEqual(short(decodeAssignment(kjsAssignment)), ['xp1', 'xp3']);
  assert.deepEqual(decodeAssignment(Buffer.alloc(0)), []);
});
