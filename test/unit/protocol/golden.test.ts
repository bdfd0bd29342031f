// Request frames captured from real clients (scripts/capture-golden.mjs: kcat/librdkafka,
// confluent-kafka-python, kafka-python, kafkajs) decode with the generated readers, consuming every byte,
// and re-encode to the very same bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { API_CODECS, readRequestHeader, writeRequestHeader } from '../../../src/protocol/generated/index.js';
import { Reader } from '../../../src/protocol/reader.js';
import { Writer } from '../../../src/protocol/writer.js';

// Compiled to dist/test/unit/protocol; the fixtures stay in the source tree.
const GOLDEN = fileURLToPath(new URL('../../../../test/fixtures/golden/', import.meta.url));

/** The header-version rule, restated here from the protocol guide rather than imported. */
function requestHeaderVersion(apiKey: number, version: number): number {
  const codec = API_CODECS.get(apiKey)!;
  if (codec.flexibleMin >= 0 && version >= codec.flexibleMin) return 2;
  return apiKey === 7 && version === 0 ? 0 : 1;
}

interface Frame {
  client: string;
  file: string;
  bytes: Buffer;
}

const frames: Frame[] = readdirSync(GOLDEN).flatMap((client) =>
  readdirSync(GOLDEN + client)
    .filter((f) => f.endsWith('.bin'))
    .sort()
    .map((file) => ({ client, file, bytes: readFileSync(`${GOLDEN}${client}/${file}`) })),
);

function decodeFrame(bytes: Buffer) {
  const r = new Reader(bytes);
  const apiKey = bytes.readInt16BE(0);
  const version = bytes.readInt16BE(2);
  const codec = API_CODECS.get(apiKey);
  assert.ok(codec, `known api ${apiKey}`);
  const headerVersion = requestHeaderVersion(apiKey, version);
  const header = readRequestHeader(r, headerVersion);
  const body = codec.readRequest(r, version);
  return { r, apiKey, version, codec, headerVersion, header, body };
}

test('captured frames cover every client and the main APIs', () => {
  const clients = new Set(frames.map((f) => f.client));
  for (const c of ['kcat', 'confluent-kafka', 'kafka-python', 'kafkajs']) assert.ok(clients.has(c), `frames from ${c}`);
  for (const c of clients) {
    const names = frames.filter((f) => f.client === c).map((f) => f.file);
    for (const api of ['ApiVersions', 'Metadata', 'Produce', 'Fetch']) assert.ok(names.some((n) => n.includes(`-${api}-`)), `${c} sent ${api}`);
  }
});

for (const { client, file, bytes } of frames) {
  test(`${client}/${file} decodes exactly and re-encodes byte-identically`, () => {
    const { r, apiKey, version, codec, headerVersion, header, body } = decodeFrame(bytes);
    assert.equal(file, `${apiKey}-${codec.name}-v${version}.bin`);
    assert.equal(r.offset, bytes.length, 'every byte consumed');
    assert.equal(header.requestApiKey, apiKey);
    assert.equal(header.requestApiVersion, version);
    const w = new Writer();
    writeRequestHeader(w, headerVersion, header);
    codec.writeRequest(w, version, body);
    assert.deepStrictEqual(w.toBuffer(), bytes);
  });
}

test('captured requests carry what the clients were asked to send', () => {
  for (const { client, file, bytes } of frames) {
    const { header, body } = decodeFrame(bytes);
    assert.equal(typeof header.clientId, 'string', `${client}/${file} has a client id`);
    if (file.includes('-Produce-')) {
      const [topic] = body.topicData;
      assert.equal(topic.name, 'golden');
      const records: Buffer = topic.partitionData[0].records;
      // A v2 record batch: magic byte at offset 16, and the batch length field covers the rest.
      assert.equal(records[16], 2, `${client} produces magic v2 batches`);
      assert.equal(records.readInt32BE(8), records.length - 12);
      assert.ok(records.includes(Buffer.from('golden-value')) || records.readInt16BE(21) !== 0, `${client}'s batch holds the value (or is compressed)`);
    }
    if (file.includes('-Fetch-')) {
      const [topic] = body.topics;
      assert.equal(topic.topic, 'golden');
      assert.equal(topic.partitions[0].partition, 0);
    }
    if (file.includes('-ApiVersions-v3')) {
      assert.ok(body.clientSoftwareName.length > 0, `${client} names its software`);
    }
  }
});
