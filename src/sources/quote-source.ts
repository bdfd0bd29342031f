// The simulator as a source: quotes produced to a topic at a steady rate (event time follows the wall
// clock, or runs faster with `speed`), Avro-encoded with the Quote schema registered in a registry (or
// plain JSON without one), keyed by symbol, with an idempotent acks=all producer. It reports progress
// once a second and stops cleanly: every quote handed to the producer is acknowledged before stop()
// resolves.
import { KafkaClient } from '../client/kafka-client.js';
import type { ProducerRecord } from '../client/producer.js';
import { RegistryClient } from '../registry/client.js';
import { AvroSerializer } from '../registry/serde.js';
import { MarketSimulator, type DisorderOptions } from './market-simulator.js';
import { QUOTE_SCHEMA, QUOTE_TOPIC, type Quote } from './quote.js';
import type { SymbolInfo } from './symbols.js';

export interface QuoteSourceOptions extends DisorderOptions {
  bootstrapServers: string;
  /** Without a registry, values are JSON. */
  registryUrl?: string | null;
  topic?: string;
  symbols: readonly SymbolInfo[];
  /** Quotes per second. */
  rate: number;
  seed?: number;
  /** Simulated time per real time (1: event time is the wall clock). */
  speed?: number;
  /** Stop after this many quotes (default: run until stop()). */
  limit?: number;
  onProgress?: (p: QuoteSourceProgress) => void;
}

export interface QuoteSourceProgress {
  sent: number;
  acknowledged: number;
  /** Acknowledged per second over the last interval. */
  ratePerSecond: number;
  elapsedMs: number;
}

const TICK_MS = 10;

export class QuoteSource {
  private stopping = false;
  private done: Promise<void> | null = null;
  sent = 0;
  acknowledged = 0;

  constructor(private readonly opts: QuoteSourceOptions) {
    if (!(opts.rate > 0)) throw new Error('rate must be a positive number of quotes per second');
  }

  /** Runs until stop() or the limit; resolves once everything sent is acknowledged. */
  run(): Promise<void> {
    this.done ??= this.loop();
    return this.done;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.done;
  }

  private async loop(): Promise<void> {
    const o = this.opts;
    const topic = o.topic ?? QUOTE_TOPIC;
    const client = new KafkaClient({ bootstrapServers: o.bootstrapServers, clientId: 'kappa-quotes' });
    const producer = client.producer({ acks: -1, idempotent: true, lingerMs: 5 });
    const serializer = o.registryUrl ? new AvroSerializer(new RegistryClient(o.registryUrl), `${topic}-value`, QUOTE_SCHEMA) : null;
    const encode = async (q: Quote): Promise<ProducerRecord> => ({
      key: q.symbol,
      value: serializer ? await serializer.serialize(q) : JSON.stringify(q),
      timestamp: q.latestUpdate,
    });
    const started = Date.now();
    const speed = o.speed ?? 1;
    const sim = new MarketSimulator({ ...o, symbols: o.symbols, startTime: started });
    const pending = new Set<Promise<unknown>>();
    let failure: unknown = null;
    let lastReport = started;
    let lastAcked = 0;
    try {
      if (serializer) await serializer.schemaId();
      while (!this.stopping && failure === null && (o.limit === undefined || this.sent < o.limit)) {
        // Catch up with the schedule: quote i is due at started + i / rate seconds.
        const now = Date.now();
        const due = Math.min(Math.floor(((now - started) / 1000) * o.rate) + 1, o.limit ?? Infinity);
        const records: ProducerRecord[] = [];
        while (this.sent + records.length < due) {
          const i = this.sent + records.length;
          const eventTime = started + Math.round(((i / o.rate) * 1000) * speed);
          for (const q of sim.next(eventTime)) records.push(await encode(q));
          if (records.length === 0) break; // the quote was held back (out of order / late)
          if (records.length >= 5000) break;
        }
        if (records.length > 0) {
          this.sent += records.length;
          const p = producer.send(topic, records).then(
            () => {
              this.acknowledged += records.length;
            },
            (err: unknown) => {
              failure ??= err;
            },
          );
          pending.add(p);
          void p.finally(() => pending.delete(p));
        }
        if (Date.now() - lastReport >= 1000) {
          const t = Date.now();
          o.onProgress?.({ sent: this.sent, acknowledged: this.acknowledged, ratePerSecond: ((this.acknowledged - lastAcked) * 1000) / (t - lastReport), elapsedMs: t - started });
          lastReport = t;
          lastAcked = this.acknowledged;
        }
        if (records.length === 0 || pending.size > 64) await new Promise((r) => setTimeout(r, pending.size > 64 ? 1 : TICK_MS));
      }
      // Held-back quotes are delivered before the end of a bounded run.
      if (failure === null && o.limit !== undefined) {
        const rest = await Promise.all(sim.flush().map(encode));
        if (rest.length > 0) {
          this.sent += rest.length;
          await producer.send(topic, rest);
          this.acknowledged += rest.length;
        }
      }
      await Promise.all(pending);
      await producer.flush();
      if (failure !== null) throw failure;
      const t = Date.now();
      o.onProgress?.({ sent: this.sent, acknowledged: this.acknowledged, ratePerSecond: ((this.acknowledged - lastAcked) * 1000) / Math.max(1, t - lastReport), elapsedMs: t - started });
    } finally {
      await producer.close().catch(() => {});
      await client.close().catch(() => {});
    }
  }
}
