// The Nexmark queries on the DataStream API, in memory (one task over the generated events) or on a
// cluster (reading the events from a topic). See docs/stream-nexmark.md.
//
// The runtime does not repartition: a task is one partition number, and keyBy trusts its input to be
// partitioned by the key already. So a query is a list of stages. In memory the stages are chained
// in one job (one task sees every key). On a cluster each stage is its own job, and the stream
// between two stages goes through a topic keyed by what the next stage groups by — one partition for
// the global aggregates (q5, q7), whose first stage computes per-partition partial results that the
// second combines.
import type { DataStream } from '../data-stream.js';
import { StreamJob } from '../job.js';
import type { ProcessFunction } from '../runtime/basic-operators.js';
import { Serdes, type Serde } from '../serdes.js';
import { WatermarkStrategies } from '../time/watermark-strategy.js';
import { SlidingEventTimeWindows, TumblingEventTimeWindows } from '../windows/assigners.js';
import type { KeyedCoProcessFunction } from '../joins/co-process.js';
import type { Auction, Bid, NexmarkEvent, Person } from './generator.js';

// `any` between stages: each stage's input is the previous one's output, checked by the tests.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Stream = DataStream<any, any>;

export interface QueryStage {
  /** Builds the stage over its input (the events for the first stage). */
  build(input: Stream): Stream;
  /** The key this stage's output is written under when the next stage reads it from a topic. */
  key?: (value: any) => string;
  /**
   * For a stage after the first, on a cluster: the event-time disorder its input may have (the stage
   * before wrote each partition from several tasks). Without it the stage reads with no watermark.
   */
  eventTimeBoundMs?: number;
  /** Partitions of the topic to the next stage: as many as the events topic, or one (a global stage). */
  nextPartitions?: 'same' | 1;
  /** A first stage that looks only at bids: from topics, other events are skipped undecoded. */
  bidsOnly?: boolean;
}

export interface NexmarkQuery {
  name: string;
  title: string;
  /** What the stages rely on about keys and partitions (docs and the bench's output). */
  keying: string;
  stages: QueryStage[];
  /**
   * The query reads events whole and unchanged (q0): from topics it can pass the value's bytes
   * through instead of decoding and encoding them.
   */
  passThrough?: boolean;
}

/** q1's rate, as an integer ratio: euros = dollars * 908 / 1000. */
export const DOLLAR_TO_EURO = 0.908;
/** q2 selects the bids of every auction whose id is a multiple of this. */
export const Q2_AUCTION_MODULUS = 123;
export const Q5_WINDOW_MS = 10_000;
export const Q5_SLIDE_MS = 2_000;
export const Q7_WINDOW_MS = 10_000;
export const Q3_CATEGORY = 10;
export const Q3_STATES: ReadonlySet<string> = new Set(['OR', 'ID', 'CA']);
export const Q8_WINDOW_MS = 10_000;
/** Event-time disorder q8's second stage allows when it reads what stage 1 wrote (topics only). */
export const Q8_STAGE2_BOUND_MS = 60_000;

const isBid = (e: NexmarkEvent): e is Bid => e.kind === 'bid';

export interface Q1Row { auction: number; bidder: number; price: number; dateTime: number; extra: string }
export interface Q2Row { auction: number; price: number }
export interface WinningBid { auction: number; category: number; price: number }
export interface Q4Row { category: number; avg: number; auctions: number }
export interface HotItem { start: number; end: number; auction: number; bids: number }
export interface Q3Row { name: string; city: string; state: string; auction: number }
export interface NewUser { id: number; name: string; start: number }
export interface HighestBid { start: number; end: number; auction: number; bidder: number; price: number; dateTime: number }

export const euros = (cents: number) => Math.floor((cents * 908) / 1000);

/** Which of two hot items wins: more bids, then the smaller auction id (so results are deterministic). */
export function hotter(a: HotItem, b: HotItem): HotItem {
  return b.bids > a.bids || (b.bids === a.bids && b.auction < a.auction) ? b : a;
}

/** Which of two bids is higher: price, then smaller auction, bidder, earlier time. */
export function higher<T extends { price: number; auction: number; bidder: number; dateTime: number }>(a: T, b: T): T {
  if (b.price !== a.price) return b.price > a.price ? b : a;
  if (b.auction !== a.auction) return b.auction < a.auction ? b : a;
  if (b.bidder !== a.bidder) return b.bidder < a.bidder ? b : a;
  return b.dateTime < a.dateTime ? b : a;
}

/**
 * Keeps the best value per key and emits it whenever it improves: the final stage of a global
 * aggregate, combining per-partition partial results. Its output is an update stream: the last value
 * per key is the result (a compacted topic keeps just that).
 */
function bestSoFar<T>(better: (a: T, b: T) => T): () => ProcessFunction<unknown, T, T> {
  return () => ({
    processElement(v, ctx) {
      const s = ctx.state.valueState<T>('best');
      const prev = s.value();
      const next = prev === undefined ? v : better(prev, v);
      if (prev !== undefined && next === prev) return;
      s.update(next);
      ctx.collect(next);
    },
  });
}

/**
 * Winning bids (q4's first stage): per auction, the highest bid placed after the auction opened and no
 * later than it expires, emitted when it expires (an event-time timer). Needs auctions and their bids
 * in one partition: the events topic keys both by auction id. Bids seen before their auction (the
 * generator bids on a few ids not opened yet) find no auction and are dropped.
 */
function winningBids(): ProcessFunction<number, Auction | Bid, WinningBid> {
  return {
    processElement(e, ctx) {
      const auction = ctx.state.valueState<{ category: number; dateTime: number; expires: number }>('auction');
      if (e.kind === 'auction') {
        auction.update({ category: e.category, dateTime: e.dateTime, expires: e.expires });
        ctx.timers.registerEventTimeTimer(e.expires);
        return;
      }
      const a = auction.value();
      if (a === undefined || e.dateTime < a.dateTime || e.dateTime > a.expires) return;
      const best = ctx.state.valueState<number>('best');
      const b = best.value();
      if (b === undefined || e.price > b) best.update(e.price);
    },
    onTimer(_time, ctx) {
      const auction = ctx.state.valueState<{ category: number; dateTime: number; expires: number }>('auction');
      const best = ctx.state.valueState<number>('best');
      const a = auction.value();
      const b = best.value();
      if (a !== undefined && b !== undefined) ctx.collect({ auction: ctx.key, category: a.category, price: b });
      auction.clear();
      best.clear();
    },
  };
}

export const QUERIES: Record<string, NexmarkQuery> = {
  q0: {
    name: 'q0',
    title: 'pass-through: every event, unchanged',
    keying: 'none (stateless)',
    passThrough: true,
    stages: [{ build: (events) => events.map((e) => e, 'q0-pass') }],
  },
  q1: {
    name: 'q1',
    title: 'currency conversion: bids with the price in euros',
    keying: 'none (stateless)',
    stages: [{
      build: (events) => events
        .filter((e: NexmarkEvent) => e.kind === 'bid', 'q1-bids')
        .map((b: Bid): Q1Row => ({ auction: b.auction, bidder: b.bidder, price: euros(b.price), dateTime: b.dateTime, extra: b.extra }), 'q1-euros'),
  
      bidsOnly: true,
    }],
  },
  q2: {
    name: 'q2',
    title: `selection: bids on auctions whose id is a multiple of ${Q2_AUCTION_MODULUS}`,
    keying: 'none (stateless)',
    stages: [{
      build: (events) => events
        .filter((e: NexmarkEvent) => e.kind === 'bid' && e.auction % Q2_AUCTION_MODULUS === 0, 'q2-select')
        .map((b: Bid): Q2Row => ({ auction: b.auction, price: b.price }), 'q2-project'),
  
      bidsOnly: true,
    }],
  },
  q3: {
    name: 'q3',
    title: `local item suggestion: auctions of category ${Q3_CATEGORY} by sellers in ${[...Q3_STATES].join(', ')} (persons ⋈ auctions by seller)`,
    keying: 'stage 1: persons by id and auctions by seller (topic nexmark-q3-s1, same partitions); stage 2: a keyed co-process join (connect) by person id',
    stages: [
      {
        // Every person passes (not only those in the states): the join then knows a seller outside
        // them and drops their auctions instead of keeping them waiting for a person who never matches.
        build: (events) => events.filter((e: NexmarkEvent) => e.kind === 'person' || (e.kind === 'auction' && e.category === Q3_CATEGORY), 'q3-select'),
        key: (e: Person | Auction) => String(e.kind === 'person' ? e.id : e.seller),
        nextPartitions: 'same',
      },
      {
        build: (s) => {
          const persons = s.filter((e: Person | Auction) => e.kind === 'person', 'q3-persons').keyBy((p: Person) => p.id, 'q3-by-person');
          const auctions = s.filter((e: Person | Auction) => e.kind === 'auction', 'q3-auctions').keyBy((a: Auction) => a.seller, 'q3-by-seller');
          return persons.connect(auctions).process(localItemSuggestion, 'q3-join');
        },
      },
    ],
  },
  q4: {
    name: 'q4',
    title: 'average closing price per category (winning bids, then a running average per category)',
    keying: 'stage 1: auctions and bids by auction id (the events topic); stage 2: winning bids by category (topic nexmark-q4-s1, same partition count)',
    stages: [
      {
        build: (events) => events
          .filter((e: NexmarkEvent) => e.kind !== 'person', 'q4-auctions-bids')
          .keyBy((e: Auction | Bid) => (e.kind === 'bid' ? e.auction : e.id), 'q4-by-auction')
          .process(winningBids, 'q4-winning-bids'),
        key: (w: WinningBid) => String(w.category),
        nextPartitions: 'same',
      },
      {
        build: (winners) => winners
          .keyBy((w: WinningBid) => w.category, 'q4-by-category')
          .process(() => ({
            processElement(w: WinningBid, ctx) {
              const s = ctx.state.valueState<{ sum: number; n: number }>('avg');
              const a = s.value() ?? { sum: 0, n: 0 };
              const next = { sum: a.sum + w.price, n: a.n + 1 };
              s.update(next);
              ctx.collect({ category: w.category, avg: next.sum / next.n, auctions: next.n } satisfies Q4Row);
            },
          }), 'q4-average'),
      },
    ],
  },
  q5: {
    name: 'q5',
    title: `hot items: the auction with the most bids in each ${Q5_WINDOW_MS / 1000} s window sliding every ${Q5_SLIDE_MS / 1000} s`,
    keying: 'stage 1: bids by auction id (the events topic), per-partition leaders per window; stage 2: one partition (topic nexmark-q5-s1) combines them',
    stages: [
      {
        build: (events) => events
          .filter(isBid, 'q5-bids')
          .keyBy((b: Bid) => b.auction, 'q5-by-auction')
          .window(SlidingEventTimeWindows.of(Q5_WINDOW_MS, Q5_SLIDE_MS))
          .aggregate(
            { createAccumulator: () => 0, add: (_b: Bid, n: number) => n + 1, getResult: (n: number) => n },
            (n, { key, window }): HotItem => ({ start: window.start, end: window.end, auction: key, bids: n }),
            'q5-counts',
          )
          // Window results carry the time end - 1, so a tumbling window of the slide holds exactly the
          // counts of one sliding window: this task's leader for it.
          .keyBy((h: HotItem) => h.end, 'q5-by-window')
          .window(TumblingEventTimeWindows.of(Q5_SLIDE_MS))
          .reduce(hotter, undefined, 'q5-partition-leader'),
        bidsOnly: true,
        key: (h: HotItem) => String(h.end),
        nextPartitions: 1,
      },
      { build: (leaders) => leaders.keyBy((h: HotItem) => h.end, 'q5-by-window-2').process(bestSoFar(hotter), 'q5-leader') },
    ],
  },
  q7: {
    name: 'q7',
    title: `highest bid in each ${Q7_WINDOW_MS / 1000} s tumbling window`,
    keying: 'stage 1: any partitioning, per-partition maximum per window; stage 2: one partition (topic nexmark-q7-s1) combines them',
    stages: [
      {
        build: (events) => events
          .filter(isBid, 'q7-bids')
          // One key per task: each task computes its partition's maximum.
          .keyBy(() => 0, 'q7-per-partition')
          .window(TumblingEventTimeWindows.of(Q7_WINDOW_MS))
          .reduce(
            (a: Bid, b: Bid) => higher(a, b),
            (b: Bid, { window }): HighestBid => ({ start: window.start, end: window.end, auction: b.auction, bidder: b.bidder, price: b.price, dateTime: b.dateTime }),
            'q7-partition-max',
          ),
        bidsOnly: true,
        key: (h: HighestBid) => String(h.end),
        nextPartitions: 1,
      },
      { build: (maxima) => maxima.keyBy((h: HighestBid) => h.end, 'q7-by-window').process(bestSoFar<HighestBid>(higher), 'q7-max') },
    ],
  },
  q8: {
    name: 'q8',
    title: `new users: persons who opened an auction in the ${Q8_WINDOW_MS / 1000} s tumbling window they registered in (window join)`,
    keying: 'stage 1: persons by id and auctions by seller (topic nexmark-q8-s1, same partitions); stage 2: a window join by person id, one row per person and window',
    stages: [
      {
        build: (events) => events.filter((e: NexmarkEvent) => e.kind !== 'bid', 'q8-persons-auctions'),
        key: (e: Person | Auction) => String(e.kind === 'person' ? e.id : e.seller),
        nextPartitions: 'same',
      },
      {
        // Stage 1's tasks write each partition of the topic between them at their own pace: the
        // watermark of what they wrote allows that much disorder in event time.
        eventTimeBoundMs: Q8_STAGE2_BOUND_MS,
        build: (s) => {
          const persons = s.filter((e: Person | Auction) => e.kind === 'person', 'q8-persons').keyBy((p: Person) => p.id, 'q8-by-person');
          const auctions = s.filter((e: Person | Auction) => e.kind === 'auction', 'q8-auctions').keyBy((a: Auction) => a.seller, 'q8-by-seller');
          return persons
            .join(auctions)
            .window(TumblingEventTimeWindows.of(Q8_WINDOW_MS))
            .apply((p: Person, _a: Auction, { window }): NewUser => ({ id: p.id, name: p.name, start: window.start }), 'q8-join')
            // One row per person and window however many auctions they opened in it: the pairs of a
            // window all carry its last instant, so a tumbling window of the same size collects them.
            .keyBy((u: NewUser) => u.id, 'q8-by-user')
            .window(TumblingEventTimeWindows.of(Q8_WINDOW_MS))
            .reduce((a: NewUser) => a, undefined, 'q8-distinct');
        },
      },
    ],
  },
};

/** Queries that need the join API and are not written yet (none now; the bench names any it skips). */
export const JOIN_QUERIES = [] as const;

/**
 * q3's join: a person's row is kept (null for a person outside the states, so their auctions are
 * dropped on sight); auctions of sellers not registered yet wait in a list until the person arrives,
 * as a regular (unwindowed) join keeps both sides.
 */
function localItemSuggestion(): KeyedCoProcessFunction<number, Person, Auction, Q3Row> {
  return {
    processElement1(p, ctx) {
      const person = ctx.state.valueState<{ name: string; city: string; state: string } | null>('person');
      const row = Q3_STATES.has(p.state) ? { name: p.name, city: p.city, state: p.state } : null;
      person.update(row);
      const waiting = ctx.state.listState<number>('waiting');
      if (row) for (const id of waiting.get()) ctx.collect({ ...row, auction: id });
      waiting.clear();
    },
    processElement2(a, ctx) {
      const row = ctx.state.valueState<{ name: string; city: string; state: string } | null>('person').value();
      if (row === undefined) ctx.state.listState<number>('waiting').add(a.id);
      else if (row !== null) ctx.collect({ ...row, auction: a.id });
    },
  };
}

// JSON.stringify writes `kind` first, so a bid's value starts with these bytes.
const BID_PREFIX = Buffer.from('{"kind":"bid"');

/**
 * JSON values of the events topic, decoding only bids: persons and auctions (a quarter of the bytes)
 * become null without being parsed.
 */
export const bidsOnlyJson: Serde<Bid | null> = {
  name: 'nexmark-bids-json',
  serialize: (v) => (v === null ? null : JSON.stringify(v)),
  deserialize: (b) => (b === null || b.length < BID_PREFIX.length || b.compare(BID_PREFIX, 0, BID_PREFIX.length, 0, BID_PREFIX.length) !== 0 ? null : (JSON.parse(b.toString('utf8')) as Bid)),
};

/** Event time of an event (the topic records carry it as their timestamp too). */
export const eventTime = (e: NexmarkEvent) => e.dateTime;

/** The query over in-memory events, in one job (one task): every stage chained. */
export function inMemoryJob(query: NexmarkQuery, events: Iterable<NexmarkEvent> | (() => Iterable<NexmarkEvent>), applicationId = `nexmark-${query.name}`): { job: StreamJob; output: Stream } {
  const job = new StreamJob({ applicationId });
  let s: Stream = job.fromItems(events, { watermarks: WatermarkStrategies.monotonous<NexmarkEvent>().withTimestamps(eventTime), name: 'events' });
  for (const stage of query.stages) s = stage.build(s);
  return { job, output: s };
}

export interface TopicStageJob {
  job: StreamJob;
  input: string;
  output: string;
  /** Partitions `output` must have (1 for a global stage's input); undefined: as the runner creates it. */
  outputPartitions?: 'same' | 1;
}

/**
 * The query as one job per stage on a cluster: stage 1 reads `eventsTopic` (bounded, so the job ends
 * at the end of what is there), each next stage the topic the stage before wrote.
 * The events topic's records carry the event time as their timestamp; events within a partition are
 * in event-time order, so the watermark trails the newest timestamp by nothing. Topics between stages
 * are read with no watermark: their stages do not use event time.
 */
export function topicJobs(query: NexmarkQuery, opts: { eventsTopic: string; outputTopic: string; applicationId: string; bounded?: boolean }): TopicStageJob[] {
  const out: TopicStageJob[] = [];
  const bounded = opts.bounded ?? true;
  query.stages.forEach((stage, i) => {
    const last = i === query.stages.length - 1;
    const job = new StreamJob({ applicationId: query.stages.length === 1 ? opts.applicationId : `${opts.applicationId}-s${i + 1}` });
    const input = i === 0 ? opts.eventsTopic : `${opts.outputTopic}-s${i}`;
    const output = last ? opts.outputTopic : `${opts.outputTopic}-s${i + 1}`;
    if (i === 0 && query.passThrough) {
      // q0 from topics: the bytes as they are (a decode and encode per record would be all the work).
      job.fromTopic(input, { value: Serdes.bytes(), bounded, name: 'events' }).map((v) => v, 'q0-pass').toTopic(output, { value: Serdes.bytes() });
    } else {
      let src: Stream = job.fromTopic(input, {
        bounded,
        name: i === 0 ? 'events' : `s${i}`,
        watermarks: i === 0 ? WatermarkStrategies.monotonous() : stage.eventTimeBoundMs !== undefined ? WatermarkStrategies.boundedOutOfOrderness(stage.eventTimeBoundMs) : WatermarkStrategies.none(),
        ...(i === 0 && stage.bidsOnly ? { value: bidsOnlyJson } : {}),
      });
      if (i === 0 && stage.bidsOnly) src = src.filter((e) => e !== null, 'bids');
      const built = stage.build(src);
      built.toTopic(output, stage.key && !last ? { key: stage.key } : {});
    }
    out.push({ job, input, output, ...(stage.nextPartitions && !last ? { outputPartitions: stage.nextPartitions } : {}) });
  });
  return out;
}
