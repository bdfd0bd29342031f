// Connection behaviour against a scripted peer on a real socket: ApiVersions negotiation and its
// v0 fallback, version choice, pipelining with in-order responses split across TCP chunks, and
// request timeouts.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { API_CODECS } from '../../../src/protocol/generated/index.js';
import { readRequestHeader, type RequestHeader } from '../../../src/protocol/generated/request-header.js';
import { writeResponseHeader } from '../../../src/protocol/generated/response-header.js';
import { requestHeaderVersion, responseHeaderVersion } from '../../../src/protocol/headers.js';
import { Reader } from '../../../src/protocol/reader.js';
import { Writer } from '../../../src/protocol/writer.js';
import { Connection } from '../../../src/client/connection.js';
import { RequestTimeoutError } from '../../../src/client/errors.js';
import { FrameDecoder } from '../../../src/client/frame-decoder.js';

type Handler = (header: RequestHeader, body: any, socket: Socket) => { body: object; version?: number } | null;

function encodeResponse(apiKey: number, version: number, correlationId: number, body: object, bodyVersion = version): Buffer {
  const w = new Writer();
  const at = w.reserveInt32();
  writeResponseHeader(w, responseHeaderVersion(apiKey, version), { correlationId });
  API_CODECS.get(apiKey)!.writeResponse(w, bodyVersion, body);
  w.patchInt32(at, w.length - 4);
  return w.toBuffer();
}

async function peer(t: TestContext, handler: Handler): Promise<{ port: number; seen: RequestHeader[] }> {
  const seen: RequestHeader[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    const decoder = new FrameDecoder();
    socket.on('data', (chunk) => {
      for (const frame of decoder.push(chunk)) {
        const r = new Reader(frame);
        const apiKey = frame.readInt16BE(0);
        const apiVersion = frame.readInt16BE(2);
        // An ApiVersions version the peer does not know has an unparseable body: do not read it.
        const known = apiVersion <= API_CODECS.get(apiKey)!.maxVersion;
        const header = readRequestHeader(r, known ? requestHeaderVersion(apiKey, apiVersion) : 1);
        seen.push(header);
        const body = known && apiVersion >= 0 ? API_CODECS.get(apiKey)!.readRequest(r, apiVersion) : null;
        const answer = handler(header, body, socket);
        if (answer) socket.write(encodeResponse(apiKey, apiVersion, header.correlationId, answer.body, answer.version ?? apiVersion));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return { port: (server.address() as { port: number }).port, seen };
}

const apiKeys = [
  { apiKey: 18, minVersion: 0, maxVersion: 3 },
  { apiKey: 3, minVersion: 0, maxVersion: 8 },
  { apiKey: 0, minVersion: 0, maxVersion: 2 },
];

test('negotiates with ApiVersions v3 and picks the highest common version per API', async (t) => {
  const { port, seen } = await peer(t, (h) => (h.requestApiKey === 18 ? { body: { errorCode: 0, apiKeys } } : null));
  const conn = await Connection.connect({ host: '127.0.0.1', port, clientId: 'test-client' });
  t.after(() => conn.destroy());
  assert.equal(seen[0]!.requestApiVersion, 3);
  assert.equal(seen[0]!.clientId, 'test-client');
  assert.equal(conn.versionFor(3), 8);
  // Produce v0-2 are below what this client speaks (v3+, magic-v2 batches only).
  assert.equal(conn.versionFor(0), -1);
  assert.equal(conn.supports(1), false);
  await assert.rejects(conn.send(1, {}), /supports no version of Fetch/);
});

test('falls back to ApiVersions v0 when the broker answers UNSUPPORTED_VERSION', async (t) => {
  const { port, seen } = await peer(t, (h) => {
    if (h.requestApiKey !== 18) return null;
    if (h.requestApiVersion > 0) return { body: { errorCode: 35, apiKeys: [] }, version: 0 };
    return { body: { errorCode: 0, apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 0 }, { apiKey: 3, minVersion: 0, maxVersion: 5 }] } };
  });
  const conn = await Connection.connect({ host: '127.0.0.1', port });
  t.after(() => conn.destroy());
  assert.deepEqual(seen.map((h) => h.requestApiVersion), [3, 0]);
  assert.equal(conn.versionFor(3), 5);
});

test('pipelined requests resolve in order even when responses arrive in one chunk or byte by byte', async (t) => {
  const held: Buffer[] = [];
  let metadataSeen = 0;
  const { port } = await peer(t, (h, _body, socket) => {
    if (h.requestApiKey === 18) return { body: { errorCode: 0, apiKeys } };
    // Hold three Metadata responses, then release them together, dribbling the last bytes.
    held.push(encodeResponse(3, h.requestApiVersion, h.correlationId, { clusterId: `c${metadataSeen}`, controllerId: metadataSeen, brokers: [], topics: [] }));
    if (++metadataSeen === 3) {
      const all = Buffer.concat(held);
      socket.write(all.subarray(0, all.length - 5));
      for (let i = all.length - 5; i < all.length; i++) setTimeout(() => socket.write(all.subarray(i, i + 1)), 5 * (i - all.length + 6));
    }
    return null;
  });
  const conn = await Connection.connect({ host: '127.0.0.1', port });
  t.after(() => conn.destroy());
  const answers = await Promise.all([0, 1, 2].map(() => conn.send(3, { topics: [] })));
  assert.deepEqual(answers.map((a) => a.controllerId), [0, 1, 2]);
  assert.deepEqual(answers.map((a) => a.clusterId), ['c0', 'c1', 'c2']);
});

test('a request without an answer times out and fails the connection', async (t) => {
  const { port } = await peer(t, (h) => (h.requestApiKey === 18 ? { body: { errorCode: 0, apiKeys } } : null));
  const conn = await Connection.connect({ host: '127.0.0.1', port, requestTimeoutMs: 100 });
  t.after(() => conn.destroy());
  await assert.rejects(conn.send(3, { topics: [] }), RequestTimeoutError);
  assert.equal(conn.closed, true);
});

test('a request with expectResponse false resolves once written', async (t) => {
  const { port, seen } = await peer(t, (h) => (h.requestApiKey === 18 ? { body: { errorCode: 0, apiKeys } } : null));
  const conn = await Connection.connect({ host: '127.0.0.1', port });
  t.after(() => conn.destroy());
  assert.equal(await conn.send(3, { topics: [] }, { expectResponse: false }), undefined);
  assert.equal(conn.inFlightCount, 0);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(seen.at(-1)!.requestApiKey, 3);
});
