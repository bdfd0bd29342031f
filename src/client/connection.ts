// One TCP connection to one broker: framing, correlation ids, pipelined requests answered in
// order, per-request timeouts and ApiVersions negotiation.
//
// Kafka answers requests on a connection strictly in the order they were sent, so in-flight
// requests sit in a FIFO and each response must carry the correlation id at its head. A request
// timeout closes the connection (as the Java client does): a late answer could otherwise be
// matched to the wrong request.
import { connect as netConnect, type Socket } from 'node:net';
import { API_CODECS } from '../protocol/generated/index.js';
import { writeRequestHeader } from '../protocol/generated/request-header.js';
import { requestHeaderVersion, responseHeaderVersion } from '../protocol/headers.js';
import { Reader } from '../protocol/reader.js';
import { Writer } from '../protocol/writer.js';
import { ConnectionError, KafkaClientError, RequestTimeoutError, UnsupportedVersionError, kafkaError } from './errors.js';
import { FrameDecoder } from './frame-decoder.js';
import { ApiKeys, pickVersion, type VersionRange } from './versions.js';

export interface ConnectionOptions {
  host: string;
  port: number;
  clientId?: string;
  connectTimeoutMs?: number;
  /** Default time a request may wait for its response; a timeout closes the connection. */
  requestTimeoutMs?: number;
}

export interface RequestOptions {
  /** Use this version instead of the negotiated one. */
  version?: number;
  /** Overrides the connection's request timeout (Fetch adds its long-poll wait to it). */
  timeoutMs?: number;
  /** False for requests the broker never answers (Produce with acks=0). */
  expectResponse?: boolean;
}

interface InFlight {
  correlationId: number;
  apiKey: number;
  version: number;
  resolve: (value: any) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout | undefined;
}

const UNSUPPORTED_VERSION = 35;
const CLIENT_SOFTWARE_NAME = 'kappa';
const CLIENT_SOFTWARE_VERSION = '0.1.0';

export class Connection {
  /** The broker's advertised version range per API key, after negotiation. */
  readonly brokerVersions = new Map<number, VersionRange>();
  private readonly chosen = new Map<number, number>();
  private readonly inFlight: InFlight[] = [];
  private readonly decoder = new FrameDecoder();
  private nextCorrelationId = 1;
  private closedError: Error | undefined;
  private readonly closeWaiters: Array<() => void> = [];

  private constructor(
    private readonly socket: Socket,
    readonly host: string,
    readonly port: number,
    private readonly clientId: string,
    private readonly requestTimeoutMs: number,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.fail(new ConnectionError(`connection to ${this.address} failed: ${err.message}`, { cause: err })));
    socket.on('close', () => {
      this.fail(new ConnectionError(`connection to ${this.address} closed`));
      for (const w of this.closeWaiters.splice(0)) w();
    });
  }

  get address(): string {
    return `${this.host}:${this.port}`;
  }

  get closed(): boolean {
    return this.closedError !== undefined;
  }

  get inFlightCount(): number {
    return this.inFlight.length;
  }

  /** Opens the socket and negotiates API versions. */
  static async connect(options: ConnectionOptions): Promise<Connection> {
    const { host, port } = options;
    const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = netConnect({ host, port });
      const timer = setTimeout(() => {
        s.destroy();
        reject(new ConnectionError(`connecting to ${host}:${port} timed out after ${connectTimeoutMs} ms`));
      }, connectTimeoutMs);
      s.once('connect', () => {
        clearTimeout(timer);
        s.removeAllListeners('error');
        resolve(s);
      });
      s.once('error', (err) => {
        clearTimeout(timer);
        reject(new ConnectionError(`cannot connect to ${host}:${port}: ${err.message}`, { cause: err }));
      });
    });
    const conn = new Connection(socket, host, port, options.clientId ?? 'kappa', options.requestTimeoutMs ?? 30_000);
    try {
      await conn.negotiate();
    } catch (err) {
      conn.destroy();
      throw err;
    }
    return conn;
  }

  /** ApiVersions v3 first; a broker that does not know v3 answers error 35 in a v0 body, then v0. */
  private async negotiate(): Promise<void> {
    const body = { clientSoftwareName: CLIENT_SOFTWARE_NAME, clientSoftwareVersion: CLIENT_SOFTWARE_VERSION };
    let res = await this.send(ApiKeys.ApiVersions, body, { version: 3 });
    if (res.errorCode === UNSUPPORTED_VERSION) res = await this.send(ApiKeys.ApiVersions, {}, { version: 0 });
    if (res.errorCode !== 0) throw kafkaError(res.errorCode, 'ApiVersions');
    for (const k of res.apiKeys as Array<{ apiKey: number; minVersion: number; maxVersion: number }>) {
      this.brokerVersions.set(k.apiKey, { minVersion: k.minVersion, maxVersion: k.maxVersion });
    }
  }

  /** The version this connection uses for an API, or -1 when none is common to both sides. */
  versionFor(apiKey: number): number {
    let v = this.chosen.get(apiKey);
    if (v === undefined) {
      v = pickVersion(apiKey, this.brokerVersions.get(apiKey));
      this.chosen.set(apiKey, v);
    }
    return v;
  }

  supports(apiKey: number): boolean {
    return this.versionFor(apiKey) >= 0;
  }

  /**
   * Sends one request; resolves with the decoded response body (or undefined when no response is
   * expected, once the bytes are handed to the socket).
   */
  send<T = any>(apiKey: number, body: object, options: RequestOptions = {}): Promise<T> {
    if (this.closedError) return Promise.reject(this.closedError);
    const codec = API_CODECS.get(apiKey);
    const version = options.version ?? this.versionFor(apiKey);
    if (codec === undefined || version < 0) {
      const name = codec?.name ?? `api ${apiKey}`;
      return Promise.reject(new UnsupportedVersionError(`${this.address} supports no version of ${name} this client speaks`));
    }
    const correlationId = this.nextCorrelationId;
    this.nextCorrelationId = (this.nextCorrelationId + 1) & 0x7fffffff;

    const w = new Writer();
    const sizeAt = w.reserveInt32();
    writeRequestHeader(w, requestHeaderVersion(apiKey, version), {
      requestApiKey: apiKey,
      requestApiVersion: version,
      correlationId,
      clientId: this.clientId,
    });
    codec.writeRequest(w, version, body);
    w.patchInt32(sizeAt, w.length - 4);
    const chunks = w.toChunks();

    const expectResponse = options.expectResponse ?? true;
    return new Promise<T>((resolve, reject) => {
      if (!expectResponse) {
        this.writeChunks(chunks, (err) => (err ? reject(new ConnectionError(`write to ${this.address} failed: ${err.message}`, { cause: err })) : resolve(undefined as T)));
        return;
      }
      const entry: InFlight = { correlationId, apiKey, version, resolve, reject, timer: undefined };
      const timeoutMs = options.timeoutMs ?? this.requestTimeoutMs;
      if (timeoutMs > 0) {
        entry.timer = setTimeout(() => {
          this.fail(new RequestTimeoutError(`${codec.name} v${version} to ${this.address} got no response within ${timeoutMs} ms`));
          this.socket.destroy();
        }, timeoutMs);
      }
      this.inFlight.push(entry);
      this.writeChunks(chunks);
    });
  }

  private writeChunks(chunks: Buffer[], done?: (err?: Error | null) => void): void {
    if (chunks.length === 1) {
      this.socket.write(chunks[0]!, done);
      return;
    }
    this.socket.cork();
    for (let i = 0; i < chunks.length; i++) this.socket.write(chunks[i]!, i === chunks.length - 1 ? done : undefined);
    this.socket.uncork();
  }

  private onData(chunk: Buffer): void {
    let frames: Buffer[];
    try {
      frames = this.decoder.push(chunk);
    } catch (err) {
      this.fail(new KafkaClientError('PROTOCOL_ERROR', `bad frame from ${this.address}: ${(err as Error).message}`));
      this.socket.destroy();
      return;
    }
    for (const frame of frames) this.onFrame(frame);
  }

  private onFrame(frame: Buffer): void {
    const entry = this.inFlight.shift();
    const r = new Reader(frame);
    if (entry === undefined) {
      this.fail(new KafkaClientError('PROTOCOL_ERROR', `unexpected response from ${this.address} with nothing in flight`));
      this.socket.destroy();
      return;
    }
    if (entry.timer) clearTimeout(entry.timer);
    try {
      const correlationId = r.int32();
      if (correlationId !== entry.correlationId) {
        throw new KafkaClientError('PROTOCOL_ERROR', `response correlation id ${correlationId} from ${this.address}, expected ${entry.correlationId}`);
      }
      if (responseHeaderVersion(entry.apiKey, entry.version) >= 1) r.taggedFields();
      // A broker that does not know the ApiVersions version asked for answers in the v0 body.
      let version = entry.version;
      if (entry.apiKey === ApiKeys.ApiVersions && version > 0 && frame.length >= 6 && frame.readInt16BE(4) === UNSUPPORTED_VERSION) version = 0;
      entry.resolve(API_CODECS.get(entry.apiKey)!.readResponse(r, version));
    } catch (err) {
      const e = err instanceof KafkaClientError ? err : new KafkaClientError('PROTOCOL_ERROR', `cannot decode response from ${this.address}: ${(err as Error).message}`, { cause: err });
      entry.reject(e);
      this.fail(e);
      this.socket.destroy();
    }
  }

  private fail(err: Error): void {
    if (!this.closedError) this.closedError = err;
    for (const entry of this.inFlight.splice(0)) {
      if (entry.timer) clearTimeout(entry.timer);
      entry.reject(err);
    }
  }

  /** Closes after in-flight requests have been answered (or failed). */
  async close(): Promise<void> {
    if (this.socket.destroyed) return;
    const closed = new Promise<void>((resolve) => this.closeWaiters.push(resolve));
    if (this.inFlight.length > 0) {
      await Promise.allSettled(this.inFlight.map((e) => new Promise<void>((res) => {
        const { resolve, reject } = e;
        e.resolve = (v) => { resolve(v); res(); };
        e.reject = (err) => { reject(err); res(); };
      })));
    }
    if (!this.closedError) this.closedError = new ConnectionError(`connection to ${this.address} closed`);
    this.socket.end();
    const timer = setTimeout(() => this.socket.destroy(), 1000);
    await closed;
    clearTimeout(timer);
  }

  destroy(): void {
    this.fail(new ConnectionError(`connection to ${this.address} closed`));
    this.socket.destroy();
  }
}
