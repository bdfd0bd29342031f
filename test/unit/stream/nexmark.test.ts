// The Nexmark generator and queries in memory: the generator is deterministic and keeps the model's
// proportions and id rules; each query's output equals a plain batch computation over the same events.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runInMemory } from '../../../src/stream/index.js';
import { FIRST_AUCTION_ID, FIRST_PERSON_ID, NexmarkGenerator, type Auction, type Bid, type NexmarkEvent, type Person } from '../../../src/stream/nexmark/generator.js';
import {
  euros,
  higher,
  hotter,
  inMemoryJob,
  Q3_CATEGORY,
  Q3_STATES,
  Q8_WINDOW_MS,
  type NewUser,
  type Q3Row,
  Q2_AUCTION_MODULUS,
  Q5_SLIDE_MS,
  Q5_WINDOW_MS,
  Q7_WINDOW_MS,
  QUERIES,
  type HighestBid,
  type HotItem,
  type Q4Row,
} from '../../../src/stream/nexmark/queries.js';

// 1,000 events per second of event time: 50 s of auctions, enough windows for q5 and q7.
const gen = new NexmarkGenerator({ seed: 7, eventsPerSecond: 1000 });
const N = 50_000;
const events = gen.eventsArray(N);
const bids = events.filter((e): e is Bid => e.kind === 'bid');

async function run<T>(name: string): Promise<T[]> {
  const out: T[] = [];
  const { job, output } = inMemoryJob(QUERIES[name]!, events);
  output.collect(out as unknown[]);
  await runInMemory(job);
  return out;
}

test('the generator is deterministic, random-access, and seeded', () => {
  const again = new NexmarkGenerator({ seed: 7, eventsPerSecond: 1000 }).eventsArray(2000);
  assert.deepEqual(again, events.slice(0, 2000));
  assert.deepEqual(gen.event(12_345), events[12_345]);
  assert.deepEqual([...gen.events(10, 40_000)], events.slice(40_000, 40_010));
  const other = new NexmarkGenerator({ seed: 8, eventsPerSecond: 1000 }).eventsArray(2000);
  assert.notDeepEqual(other, events.slice(0, 2000));
});

test('the generator keeps 1 person : 3 auctions : 46 bids per 50 events, with dense ids and rising time', () => {
  const persons = events.filter((e): e is Person => e.kind === 'person');
  const auctions = events.filter((e): e is Auction => e.kind === 'auction');
  assert.equal(persons.length, N / 50);
  assert.equal(auctions.length, (N / 50) * 3);
  assert.equal(bids.length, (N / 50) * 46);
  for (let i = 0; i < N; i += 50) assert.deepEqual(events.slice(i, i + 5).map((e) => e.kind), ['person', 'auction', 'auction', 'auction', 'bid']);
  assert.deepEqual(persons.map((p) => p.id), persons.map((_, i) => FIRST_PERSON_ID + i));
  assert.deepEqual(auctions.map((a) => a.id), auctions.map((_, i) => FIRST_AUCTION_ID + i));
  for (let i = 1; i < N; i++) assert.ok(events[i]!.dateTime >= events[i - 1]!.dateTime);
  assert.equal(events[N - 1]!.dateTime - events[0]!.dateTime, Math.floor(((N - 1) * 1000) / 1000));
  let lastAuction = FIRST_AUCTION_ID - 1;
  let lastPerson = FIRST_PERSON_ID - 1;
  for (const e of events) {
    if (e.kind === 'person') lastPerson = e.id;
    else if (e.kind === 'auction') {
      lastAuction = e.id;
      assert.ok(e.expires > e.dateTime && e.reserve > e.initialBid && e.category >= 10 && e.category < 15);
      assert.ok(e.seller <= lastPerson + 10);
    } else {
      // Bids go to recent auctions, or to a few not opened yet (the model's lead).
      assert.ok(e.auction <= lastAuction + 10 && e.auction >= FIRST_AUCTION_ID, `bid on ${e.auction} after auction ${lastAuction}`);
      assert.ok(e.price >= 100 && e.price <= 100_000_000);
    }
  }
  // Hot auctions and bidders: most bids go to the current hot auction (the newest even one) from the
  // current hot bidder; the rest spread over recent ids.
  let hotAuction = 0;
  let hotBidder = 0;
  lastAuction = FIRST_AUCTION_ID - 1;
  lastPerson = FIRST_PERSON_ID - 1;
  for (const e of events) {
    if (e.kind === 'person') lastPerson = e.id;
    else if (e.kind === 'auction') lastAuction = e.id;
    else {
      if (e.auction === Math.floor((lastAuction - FIRST_AUCTION_ID) / 2) * 2 + FIRST_AUCTION_ID) hotAuction++;
      if (e.bidder === Math.floor((lastPerson - FIRST_PERSON_ID) / 4) * 4 + 1 + FIRST_PERSON_ID) hotBidder++;
    }
  }
  assert.ok(hotAuction / bids.length > 0.5 && hotAuction / bids.length < 0.55, `hot auction share ${hotAuction / bids.length}`);
  assert.ok(hotBidder / bids.length > 0.72 && hotBidder / bids.length < 0.8, `hot bidder share ${hotBidder / bids.length}`);
  const avg = (kind: NexmarkEvent['kind']) => {
    const xs = events.filter((e) => e.kind === kind);
    return xs.reduce((n, e) => n + JSON.stringify(e).length, 0) / xs.length;
  };
  assert.ok(Math.abs(avg('bid') - 100) < 10 && Math.abs(avg('auction') - 500) < 50 && Math.abs(avg('person') - 200) < 20);
});

test('q0 passes every event through', async () => {
  assert.deepEqual(await run('q0'), events);
});

test('q1 converts bid prices to euros', async () => {
  assert.deepEqual(await run('q1'), bids.map((b) => ({ auction: b.auction, bidder: b.bidder, price: euros(b.price), dateTime: b.dateTime, extra: b.extra })));
});

test('q2 selects the bids of every 123rd auction', async () => {
  const expected = bids.filter((b) => b.auction % Q2_AUCTION_MODULUS === 0).map((b) => ({ auction: b.auction, price: b.price }));
  assert.ok(expected.length > 0);
  assert.deepEqual(await run('q2'), expected);
});

test('q4: running average of winning bids per category', async () => {
  // Batch: per auction, the highest bid after it in the stream with a time within [opened, expires].
  const open = new Map<number, { a: Auction; best?: number }>();
  for (const e of events) {
    if (e.kind === 'auction') open.set(e.id, { a: e });
    else if (e.kind === 'bid') {
      const o = open.get(e.auction);
      if (o && e.dateTime >= o.a.dateTime && e.dateTime <= o.a.expires && (o.best === undefined || e.price > o.best)) o.best = e.price;
    }
  }
  const perCategory = new Map<number, { sum: number; n: number }>();
  let winners = 0;
  for (const { a, best } of open.values()) {
    if (best === undefined) continue;
    winners++;
    const c = perCategory.get(a.category) ?? { sum: 0, n: 0 };
    perCategory.set(a.category, { sum: c.sum + best, n: c.n + 1 });
  }
  const out = await run<Q4Row>('q4');
  assert.equal(out.length, winners);
  const last = new Map(out.map((r) => [r.category, r]));
  assert.deepEqual(new Map([...last].map(([k, r]) => [k, { avg: r.avg, n: r.auctions }])), new Map([...perCategory].map(([k, c]) => [k, { avg: c.sum / c.n, n: c.n }])));
});

test('q5: the auction with the most bids per sliding window', async () => {
  const counts = new Map<number, Map<number, number>>();
  for (const b of bids) {
    for (let start = b.dateTime - (b.dateTime % Q5_SLIDE_MS); start > b.dateTime - Q5_WINDOW_MS; start -= Q5_SLIDE_MS) {
      const end = start + Q5_WINDOW_MS;
      let m = counts.get(end);
      if (!m) counts.set(end, (m = new Map()));
      m.set(b.auction, (m.get(b.auction) ?? 0) + 1);
    }
  }
  const expected = new Map<number, HotItem>();
  for (const [end, m] of counts) {
    let best: HotItem | undefined;
    for (const [auction, n] of m) {
      const h = { start: end - Q5_WINDOW_MS, end, auction, bids: n };
      best = best ? hotter(best, h) : h;
    }
    expected.set(end, best!);
  }
  const out = await run<HotItem>('q5');
  assert.equal(out.length, expected.size, 'one result per window in one task');
  assert.deepEqual(new Map(out.map((h) => [h.end, h])), expected);
});

test('q7: the highest bid per tumbling window', async () => {
  const expected = new Map<number, HighestBid>();
  for (const b of bids) {
    const start = b.dateTime - (b.dateTime % Q7_WINDOW_MS);
    const h = { start, end: start + Q7_WINDOW_MS, auction: b.auction, bidder: b.bidder, price: b.price, dateTime: b.dateTime };
    const prev = expected.get(h.end);
    expected.set(h.end, prev ? higher(prev, h) : h);
  }
  const out = await run<HighestBid>('q7');
  assert.equal(out.length, expected.size);
  assert.deepEqual(new Map(out.map((h) => [h.end, h])), expected);
});

test('q3: auctions of category 10 by sellers in OR, ID or CA, with the seller (a regular join: auctions before their seller wait)', async () => {
  const people = new Map(events.filter((e): e is Person => e.kind === 'person').map((p) => [p.id, p]));
  const expected = events
    .filter((e): e is Auction => e.kind === 'auction' && e.category === Q3_CATEGORY)
    .flatMap((a) => {
      const p = people.get(a.seller);
      return p && Q3_STATES.has(p.state) ? [`${p.name}|${p.city}|${p.state}|${a.id}`] : [];
    })
    .sort();
  const out = (await run<Q3Row>('q3')).map((r) => `${r.name}|${r.city}|${r.state}|${r.auction}`).sort();
  assert.ok(expected.length > 20, `${expected.length} rows expected`);
  assert.deepEqual(out, expected);
});

test('q8: persons who opened an auction in the tumbling window they registered in, once per window', async () => {
  const registered = new Map<number, { p: Person; w: number }>();
  const rows = new Set<string>();
  for (const e of events) {
    if (e.kind === 'person') registered.set(e.id, { p: e, w: e.dateTime - (e.dateTime % Q8_WINDOW_MS) });
  }
  for (const e of events) {
    if (e.kind !== 'auction') continue;
    const r = registered.get(e.seller);
    if (r && e.dateTime - (e.dateTime % Q8_WINDOW_MS) === r.w) rows.add(`${r.p.id}|${r.p.name}|${r.w}`);
  }
  const out = (await run<NewUser>('q8')).map((u) => `${u.id}|${u.name}|${u.start}`);
  assert.ok(rows.size > 20, `${rows.size} rows expected`);
  assert.deepEqual(out.sort(), [...rows].sort());
});
