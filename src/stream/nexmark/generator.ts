// A deterministic Nexmark event generator, following the model of the Nexmark benchmark's generator
// (as described by Beam's and Flink's Nexmark suites): an online auction site where persons register,
// open auctions and bid on them.
//
// - Every 50 events hold 1 person, 3 auctions and 46 bids, in that order.
// - Ids are dense and derived from the event number, so event n can be generated without the events
//   before it (each event draws from its own PRNG seeded by (seed, n)): a run can be split or
//   restarted anywhere and still produce the same stream.
// - Bids go mostly to "hot" auctions and come mostly from "hot" bidders; sellers are mostly hot too.
//   Otherwise they pick among the recent ids (the last numInFlightAuctions auctions, the last
//   numActivePeople persons) plus a small lead of ids not created yet, as the original does.
// - Prices are log-uniform between $1 and $1,000,000 (in cents), so a few bids are very large.
// - Event time advances at `eventsPerSecond` of event time per event, from `baseTime`; an auction
//   expires after a random span of about twice the time it takes numInFlightAuctions more auctions to
//   open, so about that many are open at once.
// - An `extra` field pads each event towards the benchmark's average sizes (person 200 B, auction
//   500 B, bid 100 B of JSON).

export interface Person {
  kind: 'person';
  id: number;
  name: string;
  emailAddress: string;
  creditCard: string;
  city: string;
  state: string;
  dateTime: number;
  extra: string;
}

export interface Auction {
  kind: 'auction';
  id: number;
  itemName: string;
  description: string;
  /** Cents. */
  initialBid: number;
  /** Cents. */
  reserve: number;
  dateTime: number;
  expires: number;
  seller: number;
  category: number;
  extra: string;
}

export interface Bid {
  kind: 'bid';
  auction: number;
  bidder: number;
  /** Cents. */
  price: number;
  dateTime: number;
  extra: string;
}

export type NexmarkEvent = Person | Auction | Bid;

export interface NexmarkConfig {
  /** Default 1. */
  seed?: number;
  /** Events per second of event time (default 10,000, the benchmark's first event rate). */
  eventsPerSecond?: number;
  /** Event time of event 0 (default 2026-01-01T00:00:00Z). */
  baseTime?: number;
  /** Default 1000. */
  numActivePeople?: number;
  /** Default 100. */
  numInFlightAuctions?: number;
  /** 1 in hotAuctionRatio bids picks a random auction, the others the current hot one (default 2). */
  hotAuctionRatio?: number;
  /** Default 4. */
  hotSellersRatio?: number;
  /** Default 4. */
  hotBiddersRatio?: number;
  /** Average JSON sizes the `extra` padding aims at (defaults 200, 500, 100). */
  avgPersonBytes?: number;
  avgAuctionBytes?: number;
  avgBidBytes?: number;
}

export const PERSON_PROPORTION = 1;
export const AUCTION_PROPORTION = 3;
export const BID_PROPORTION = 46;
export const PROPORTION_DENOMINATOR = PERSON_PROPORTION + AUCTION_PROPORTION + BID_PROPORTION;
export const FIRST_PERSON_ID = 1000;
export const FIRST_AUCTION_ID = 1000;
export const FIRST_CATEGORY_ID = 10;
export const NUM_CATEGORIES = 5;
// Ids a little beyond the newest one may be picked, as the original does: bids for auctions not
// opened yet, which queries joining bids to auctions must drop.
const PERSON_ID_LEAD = 10;
const AUCTION_ID_LEAD = 10;

/** Includes OR, ID and CA, the states query 3 selects. */
export const US_STATES = ['AZ', 'CA', 'ID', 'OR', 'WA', 'WY'] as const;
const CITIES = ['Tucson', 'Fresno', 'Oakland', 'Sacramento', 'Boise', 'Nampa', 'Eugene', 'Salem', 'Spokane', 'Tacoma', 'Casper', 'Laramie'];
const FIRST_NAMES = ['Ada', 'Ben', 'Clara', 'Dev', 'Elif', 'Farid', 'Greta', 'Hiro', 'Ines', 'Jonas', 'Kemi'];
const LAST_NAMES = ['Okafor', 'Lindqvist', 'Moreau', 'Tanaka', 'Silva', 'Novak', 'Haddad', 'Berg', 'Quinn'];

/** A small, fast PRNG (mulberry32); one per event, seeded from (seed, event number). */
class Rng {
  private s: number;
  constructor(seed: number, n: number) {
    // Spread (seed, n) over the state so neighbouring events do not start from neighbouring states.
    let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(n | 0, 0xc2b2ae35) ^ Math.imul(Math.floor(n / 4294967296), 0x27d4eb2f);
    h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
    h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
    this.s = (h ^ (h >>> 16)) >>> 0;
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** 0 ≤ r < n. */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
}

type Kind = NexmarkEvent['kind'];

/** The kind of event number n: the first of every 50 is a person, the next 3 auctions, then bids. */
export function kindOf(n: number): Kind {
  const offset = n % PROPORTION_DENOMINATOR;
  return offset < PERSON_PROPORTION ? 'person' : offset < PERSON_PROPORTION + AUCTION_PROPORTION ? 'auction' : 'bid';
}

/** The newest person (base 0) as of event n. */
export function lastBase0PersonId(n: number): number {
  const epoch = Math.floor(n / PROPORTION_DENOMINATOR);
  const offset = Math.min(n % PROPORTION_DENOMINATOR, PERSON_PROPORTION - 1);
  return epoch * PERSON_PROPORTION + offset;
}

/** The newest auction (base 0) as of event n; -1 before the first. */
export function lastBase0AuctionId(n: number): number {
  let epoch = Math.floor(n / PROPORTION_DENOMINATOR);
  let offset = n % PROPORTION_DENOMINATOR;
  if (offset < PERSON_PROPORTION) {
    // A person opens the epoch: the newest auction is the last one of the previous epoch.
    epoch--;
    offset = AUCTION_PROPORTION - 1;
  } else if (offset >= PERSON_PROPORTION + AUCTION_PROPORTION) offset = AUCTION_PROPORTION - 1;
  else offset -= PERSON_PROPORTION;
  return epoch * AUCTION_PROPORTION + offset;
}

export class NexmarkGenerator {
  readonly seed: number;
  readonly eventsPerSecond: number;
  readonly baseTime: number;
  private readonly numActivePeople: number;
  private readonly numInFlightAuctions: number;
  private readonly hotAuctionRatio: number;
  private readonly hotSellersRatio: number;
  private readonly hotBiddersRatio: number;
  private readonly avgPersonBytes: number;
  private readonly avgAuctionBytes: number;
  private readonly avgBidBytes: number;
  /** Random text to cut names, descriptions and padding from: cheaper than drawing every character. */
  private readonly text: string;

  constructor(config: NexmarkConfig = {}) {
    this.seed = config.seed ?? 1;
    this.eventsPerSecond = config.eventsPerSecond ?? 10_000;
    if (!(this.eventsPerSecond > 0)) throw new Error(`eventsPerSecond must be positive, got ${this.eventsPerSecond}`);
    this.baseTime = config.baseTime ?? Date.UTC(2026, 0, 1);
    this.numActivePeople = config.numActivePeople ?? 1000;
    this.numInFlightAuctions = config.numInFlightAuctions ?? 100;
    this.hotAuctionRatio = config.hotAuctionRatio ?? 2;
    this.hotSellersRatio = config.hotSellersRatio ?? 4;
    this.hotBiddersRatio = config.hotBiddersRatio ?? 4;
    this.avgPersonBytes = config.avgPersonBytes ?? 200;
    this.avgAuctionBytes = config.avgAuctionBytes ?? 500;
    this.avgBidBytes = config.avgBidBytes ?? 100;
    const rng = new Rng(this.seed, -1);
    const letters = 'abcdefghijklmnopqrstuvwxyz    ';
    let t = '';
    for (let i = 0; i < 8192; i++) t += letters[rng.int(letters.length)];
    this.text = t;
  }

  /** Event time of event n. */
  timestampOf(n: number): number {
    return this.baseTime + Math.floor((n * 1000) / this.eventsPerSecond);
  }

  /** Event number n (0-based). */
  event(n: number): NexmarkEvent {
    const rng = new Rng(this.seed, n);
    const ts = this.timestampOf(n);
    switch (kindOf(n)) {
      case 'person':
        return this.person(n, ts, rng);
      case 'auction':
        return this.auction(n, ts, rng);
      default:
        return this.bid(n, ts, rng);
    }
  }

  /** Events from..from+count-1, generated lazily. */
  *events(count: number, from = 0): Generator<NexmarkEvent, void, undefined> {
    for (let n = from; n < from + count; n++) yield this.event(n);
  }

  /** The first `count` events in an array (what the in-memory benchmark runs over). */
  eventsArray(count: number, from = 0): NexmarkEvent[] {
    const out = new Array<NexmarkEvent>(count);
    for (let i = 0; i < count; i++) out[i] = this.event(from + i);
    return out;
  }

  private string(rng: Rng, length: number): string {
    const at = rng.int(this.text.length - length);
    return this.text.slice(at, at + length);
  }

  /** Padding that brings an event of about `current` bytes to `average` on average (±20 %). */
  private extra(rng: Rng, current: number, average: number): string {
    const want = average - current;
    if (want <= 0) return '';
    const delta = Math.floor(want / 5);
    return this.string(rng, Math.min(this.text.length - 1, Math.max(0, want - delta + rng.int(2 * delta + 1))));
  }

  /** A log-uniform price in cents, $1 to $1,000,000. */
  private price(rng: Rng): number {
    return Math.round(10 ** (rng.next() * 6) * 100);
  }

  private nextBase0PersonId(n: number, rng: Rng): number {
    // Mostly one of the active (recent) persons, sometimes one a little beyond the newest.
    const numPeople = lastBase0PersonId(n) + 1;
    const active = Math.min(numPeople, this.numActivePeople);
    return numPeople - active + rng.int(active + PERSON_ID_LEAD);
  }

  private nextBase0AuctionId(n: number, rng: Rng): number {
    const last = lastBase0AuctionId(n);
    const min = Math.max(last - this.numInFlightAuctions, 0);
    return min + rng.int(Math.max(0, last - min) + 1 + AUCTION_ID_LEAD);
  }

  private person(n: number, ts: number, rng: Rng): Person {
    const id = lastBase0PersonId(n) + FIRST_PERSON_ID;
    const first = rng.pick(FIRST_NAMES);
    const last = rng.pick(LAST_NAMES);
    const card = [0, 0, 0, 0].map(() => String(rng.int(10_000)).padStart(4, '0')).join(' ');
    const p: Person = {
      kind: 'person',
      id,
      name: `${first} ${last}`,
      emailAddress: `${last.toLowerCase()}@${this.string(rng, 5).replace(/ /g, 'x')}.com`,
      creditCard: card,
      city: rng.pick(CITIES),
      state: rng.pick(US_STATES),
      dateTime: ts,
      extra: '',
    };
    p.extra = this.extra(rng, 150 + p.name.length + p.emailAddress.length + p.city.length, this.avgPersonBytes);
    return p;
  }

  private auction(n: number, ts: number, rng: Rng): Auction {
    const id = lastBase0AuctionId(n) + FIRST_AUCTION_ID;
    const lastPerson = lastBase0PersonId(n);
    const seller = rng.int(this.hotSellersRatio) > 0
      ? Math.floor(lastPerson / this.hotSellersRatio) * this.hotSellersRatio
      : this.nextBase0PersonId(n, rng);
    const initialBid = this.price(rng);
    const a: Auction = {
      kind: 'auction',
      id,
      itemName: this.string(rng, 5 + rng.int(15)),
      description: this.string(rng, 10 + rng.int(90)),
      initialBid,
      reserve: initialBid + this.price(rng),
      dateTime: ts,
      expires: ts + this.auctionLengthMs(n, ts, rng),
      seller: seller + FIRST_PERSON_ID,
      category: FIRST_CATEGORY_ID + rng.int(NUM_CATEGORIES),
      extra: '',
    };
    a.extra = this.extra(rng, 190 + a.itemName.length + a.description.length, this.avgAuctionBytes);
    return a;
  }

  /** 1 ms to twice the time until numInFlightAuctions more auctions have opened. */
  private auctionLengthMs(n: number, ts: number, rng: Rng): number {
    const eventsUntil = Math.ceil((this.numInFlightAuctions * PROPORTION_DENOMINATOR) / AUCTION_PROPORTION);
    const horizon = this.timestampOf(n + eventsUntil) - ts;
    return 1 + rng.int(Math.max(horizon * 2, 1));
  }

  private bid(n: number, ts: number, rng: Rng): Bid {
    const auction = rng.int(this.hotAuctionRatio) > 0
      ? Math.floor(lastBase0AuctionId(n) / this.hotAuctionRatio) * this.hotAuctionRatio
      : this.nextBase0AuctionId(n, rng);
    const bidder = rng.int(this.hotBiddersRatio) > 0
      ? Math.floor(lastBase0PersonId(n) / this.hotBiddersRatio) * this.hotBiddersRatio + 1
      : this.nextBase0PersonId(n, rng);
    const b: Bid = {
      kind: 'bid',
      auction: auction + FIRST_AUCTION_ID,
      bidder: bidder + FIRST_PERSON_ID,
      price: this.price(rng),
      dateTime: ts,
      extra: '',
    };
    b.extra = this.extra(rng, 95, this.avgBidBytes);
    return b;
  }
}

/**
 * The key each event is written to topics under: bids and auctions by auction id (so a task sees an
 * auction with all its bids), persons by person id.
 */
export function nexmarkKey(e: NexmarkEvent): string {
  return String(e.kind === 'bid' ? e.auction : e.id);
}
