// One client connection: length-prefixed framing, request dispatch, and responses written back in
// request order (clients such as kafka-python pipeline requests and match responses by position).
//
// Produce, Fetch and the other data-path requests start in arrival order and may overlap, so a
// producer's pipelined batches share fsyncs; admin requests run alone (after everything before them
// finished, and before anything after them starts), as Kafka's one-request-at-a-time channel would.
import type { Socket } from 'node:net';
import { Reader, ProtocolDecodeError } from '../protocol/reader.js';
import { Writer } from '../protocol/writer.js';
import { readRequestHeader, type RequestHeader } from '../protocol/generated/request-header.js';
import { writeResponseHeader } from '../protocol/generated/response-header.js';
import { API_CODECS } from '../protocol/generated/index.js';
import { requestHeaderVersion, responseHeaderVersion } from '../protocol/headers.js';
import type { Broker } from './broker.js';
import { HANDLERS, type RequestContext } from './handlers/index.js';

/** Requests admitted but not yet answered, beyond which the connection stops reading. */
const MAX_IN_FLIGHT = 64;

interface Slot {
  done: boolean;
  /** Encoded response, or null when the request gets no response (acks=0). */
  chunks: Buffer[] | null;
}

let nextConnectionId = 1;

export class Connection {
  readonly id = nextConnectionId++;
  readonly remote: string;
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;
  private slots: Slot[] = [];
  private inFlight = 0;
  private paused = false;
  private closed = false;
  /** Resolves when every request admitted so far has finished. */
  private allDone: Promise<void> = Promise.resolve();
  /** Set while an exclusive (admin) request is queued or running. */
  private exclusive: Promise<void> | null = null;

  constructor(
    private readonly socket: Socket,
    private readonly broker: Broker,
  ) {
    this.remote = `${socket.remoteAddress}:${socket.remotePort}`;
    socket.setNoDelay(true);
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
  }

  get isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.buffered = [];
    this.socket.destroy();
    this.broker.connectionClosed(this);
  }

  private onData(chunk: Buffer): void {
    this.buffered.push(chunk);
    this.bufferedBytes += chunk.length;
    this.drainFrames();
  }

  private drainFrames(): void {
    while (!this.closed && !this.paused && this.bufferedBytes >= 4) {
      const size = this.peekInt32();
      if (size < 0 || size > this.broker.config.socketRequestMaxBytes) {
        // Kafka closes the connection on an invalid frame size: nothing after it can be trusted.
        this.broker.logOnce(`frame-size:${size < 0 ? 'negative' : 'oversized'}`, `closing ${this.remote}: request frame size ${size} is ${size < 0 ? 'negative' : `over socket.request.max.bytes (${this.broker.config.socketRequestMaxBytes})`}`);
        this.close();
        return;
      }
      if (this.bufferedBytes < 4 + size) return;
      const frame = this.take(4 + size).subarray(4);
      this.onFrame(frame);
    }
  }

  private peekInt32(): number {
    const first = this.buffered[0]!;
    if (first.length >= 4) return first.readInt32BE(0);
    return Buffer.concat(this.buffered, 4).readInt32BE(0);
  }

  /** Removes n bytes from the front of the buffered input, copying only when a frame spans chunks. */
  private take(n: number): Buffer {
    const first = this.buffered[0]!;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.buffered.shift();
      else this.buffered[0] = first.subarray(n);
    } else {
      out = Buffer.allocUnsafe(n);
      let filled = 0;
      while (filled < n) {
        const c = this.buffered[0]!;
        const want = n - filled;
        if (c.length <= want) {
          c.copy(out, filled);
          filled += c.length;
          this.buffered.shift();
        } else {
          c.copy(out, filled, 0, want);
          filled += want;
          this.buffered[0] = c.subarray(want);
        }
      }
    }
    this.bufferedBytes -= n;
    return out;
  }

  private onFrame(frame: Buffer): void {
    if (frame.length < 8) {
      this.broker.logOnce('frame-short', `closing ${this.remote}: request frame of ${frame.length} bytes is too short for a header`);
      this.close();
      return;
    }
    const apiKey = frame.readInt16BE(0);
    const apiVersion = frame.readInt16BE(2);
    const correlationId = frame.readInt32BE(4);
    const handler = HANDLERS.get(apiKey);
    const codec = API_CODECS.get(apiKey);

    // ApiVersions with a version we do not know: answer v0 with UNSUPPORTED_VERSION and our ranges,
    // so the client can retry with a version we support (KIP-511).
    if (apiKey === 18 && handler && (apiVersion < handler.minVersion || apiVersion > handler.maxVersion)) {
      const slot = this.admit();
      this.finish(slot, this.encodeResponse(18, 0, correlationId, this.broker.apiVersionsResponse(35)));
      return;
    }
    if (!handler || !codec) {
      this.broker.logOnce(`unknown-api:${apiKey}`, `closing ${this.remote}: unsupported API key ${apiKey} (${codec?.name ?? 'unknown'}) v${apiVersion}`);
      this.close();
      return;
    }
    if (apiVersion < handler.minVersion || apiVersion > handler.maxVersion) {
      this.broker.logOnce(`unsupported-version:${apiKey}:${apiVersion}`, `closing ${this.remote}: ${codec.name} v${apiVersion} is outside the supported range ${handler.minVersion}-${handler.maxVersion}`);
      this.close();
      return;
    }

    let header: RequestHeader;
    let request: unknown;
    try {
      const r = new Reader(frame);
      header = readRequestHeader(r, requestHeaderVersion(apiKey, apiVersion));
      request = codec.readRequest(r, apiVersion);
    } catch (err) {
      const why = err instanceof ProtocolDecodeError ? err.message : String(err);
      this.broker.logOnce(`malformed:${apiKey}:${apiVersion}`, `closing ${this.remote}: malformed ${codec.name} v${apiVersion} request: ${why}`);
      this.close();
      return;
    }

    const slot = this.admit();
    const ctx: RequestContext = { broker: this.broker, connection: this, header, apiVersion };
    const run = async (): Promise<void> => {
      try {
        const response = await handler.handle(ctx, request);
        this.finish(slot, response === null ? null : this.encodeResponse(apiKey, apiVersion, correlationId, response));
      } catch (err) {
        this.broker.log(`error handling ${codec.name} v${apiVersion} from ${this.remote}: ${(err as Error).stack ?? String(err)}`);
        this.close();
      }
    };

    if (handler.exclusive) {
      const before = this.allDone;
      const done = before.then(run);
      this.exclusive = done;
      this.allDone = done;
      void done.then(() => {
        if (this.exclusive === done) this.exclusive = null;
      });
    } else if (this.exclusive) {
      const done = this.exclusive.then(run);
      this.allDone = Promise.all([this.allDone, done]).then(() => undefined);
    } else {
      // Start synchronously, so appends from pipelined produce requests keep their arrival order.
      const done = run();
      this.allDone = Promise.all([this.allDone, done]).then(() => undefined);
    }
  }

  private admit(): Slot {
    const slot: Slot = { done: false, chunks: null };
    this.slots.push(slot);
    this.inFlight++;
    if (this.inFlight >= MAX_IN_FLIGHT && !this.paused) {
      this.paused = true;
      this.socket.pause();
    }
    return slot;
  }

  private finish(slot: Slot, chunks: Buffer[] | null): void {
    slot.done = true;
    slot.chunks = chunks;
    if (this.closed) return;
    let wrote = false;
    while (this.slots.length > 0 && this.slots[0]!.done) {
      const s = this.slots.shift()!;
      this.inFlight--;
      if (s.chunks) {
        if (!wrote) this.socket.cork();
        wrote = true;
        for (const c of s.chunks) this.socket.write(c);
      }
    }
    if (wrote) this.socket.uncork();
    if (this.paused && this.inFlight < MAX_IN_FLIGHT / 2) {
      this.paused = false;
      this.socket.resume();
      this.drainFrames();
    }
  }

  private encodeResponse(apiKey: number, apiVersion: number, correlationId: number, body: unknown): Buffer[] {
    const w = new Writer(256);
    const sizeAt = w.reserveInt32();
    writeResponseHeader(w, responseHeaderVersion(apiKey, apiVersion), { correlationId });
    API_CODECS.get(apiKey)!.writeResponse(w, apiVersion, body);
    w.patchInt32(sizeAt, w.length - 4);
    return w.toChunks();
  }
}
