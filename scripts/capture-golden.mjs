#!/usr/bin/env node
// Captures real Kafka clients' request frames as golden test fixtures.
//
//   npm run build && node scripts/capture-golden.mjs [client…]     (clients: kcat kafka-python confluent-kafka kafkajs)
//
// For each client it listens on a loopback port, runs that client's recipe against it and saves the first
// frame of every (apiKey, version) to test/fixtures/golden/<client>/<apiKey>-<Name>-v<version>.bin (the frame
// without its 4-byte size prefix). It plays a minimal one-broker cluster (topic `golden`, one partition) with
// responses from the generated writers, so clients go on past bootstrap to produce, fetch and administer.
import { createServer } from 'node:net';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const gen = await import(join(root, 'dist/src/protocol/generated/index.js'));
const { Reader } = await import(join(root, 'dist/src/protocol/reader.js'));
const { Writer } = await import(join(root, 'dist/src/protocol/writer.js'));
const { API_CODECS } = gen;

const TOPIC = 'golden';
const TOPIC_ID = '6b617070-612d-676f-6c64-656e00000001';
const RUN_MS = 12_000;

function isFlexible(apiKey, version) {
  const c = API_CODECS.get(apiKey);
  return c !== undefined && c.flexibleMin >= 0 && version >= c.flexibleMin;
}
const requestHeaderVersion = (k, v) => (isFlexible(k, v) ? 2 : k === 7 && v === 0 ? 0 : 1);
const responseHeaderVersion = (k, v) => (k === 18 ? 0 : isFlexible(k, v) ? 1 : 0);

/** Answers that keep a client moving; anything else gets the all-defaults response (errorCode 0). */
function answer(apiKey, version, req, port) {
  const broker = { nodeId: 0, host: '127.0.0.1', port };
  const partitionsOf = (topics, each) =>
    (topics ?? []).map((t) => ({ ...t, partitions: (t.partitions ?? []).map(each) }));
  switch (apiKey) {
    case 18: // ApiVersions
      return {
        errorCode: 0,
        apiKeys: [...API_CODECS.values()].map((c) => ({ apiKey: c.apiKey, minVersion: c.minVersion, maxVersion: c.maxVersion })),
      };
    case 3: { // Metadata
      const names = req.topics === null || req.topics.length === 0 ? [TOPIC] : req.topics.map((t) => t.name ?? TOPIC);
      return {
        brokers: [broker],
        clusterId: 'golden-cluster',
        controllerId: 0,
        topics: names.map((name) => ({
          errorCode: 0,
          name,
          topicId: TOPIC_ID,
          partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: 0, leaderEpoch: 0, replicaNodes: [0], isrNodes: [0] }],
        })),
      };
    }
    case 0: // Produce
      return {
        responses: req.topicData.map((t) => ({
          name: t.name,
          partitionResponses: t.partitionData.map((p) => ({ index: p.index, errorCode: 0, baseOffset: 0, logAppendTimeMs: -1, logStartOffset: 0 })),
        })),
      };
    case 1: // Fetch
      return {
        sessionId: 0,
        responses: req.topics.map((t) => ({
          topic: t.topic,
          topicId: t.topicId,
          partitions: t.partitions.map((p) => ({ partitionIndex: p.partition, highWatermark: 0, lastStableOffset: 0, logStartOffset: 0, records: Buffer.alloc(0) })),
        })),
      };
    case 2: // ListOffsets
      return { topics: partitionsOf(req.topics, (p) => ({ partitionIndex: p.partitionIndex, timestamp: -1, offset: 0, oldStyleOffsets: [0] })) };
    case 10: // FindCoordinator
      return {
        ...broker,
        coordinators: (req.coordinatorKeys ?? []).map((key) => ({ key, ...broker })),
      };
    case 11: // JoinGroup
      return {
        generationId: 1,
        protocolType: req.protocolType,
        protocolName: req.protocols[0]?.name ?? 'range',
        leader: 'member-1',
        memberId: 'member-1',
        members: [{ memberId: 'member-1', metadata: req.protocols[0]?.metadata ?? Buffer.alloc(0) }],
      };
    case 14: { // SyncGroup
      const w = new Writer();
      w.int16(0);
      gen.writeConsumerProtocolAssignment(w, 0, { assignedPartitions: [{ topic: TOPIC, partitions: [0] }] });
      return { protocolType: req.protocolType, protocolName: req.protocolName, assignment: w.toBuffer() };
    }
    case 9: // OffsetFetch
      return {
        topics: (req.topics ?? []).map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((i) => ({ partitionIndex: i, committedOffset: -1 })) })),
        groups: req.groups.map((g) => ({
          groupId: g.groupId,
          topics: (g.topics ?? []).map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((i) => ({ partitionIndex: i, committedOffset: -1 })) })),
        })),
      };
    case 19: // CreateTopics
      return { topics: req.topics.map((t) => ({ name: t.name, topicId: TOPIC_ID, numPartitions: 1, replicationFactor: 1 })) };
    case 22: // InitProducerId
      return { producerId: 1000, producerEpoch: 0 };
    default:
      return {};
  }
}

function capture(client, recipe) {
  const dir = join(root, 'test/fixtures/golden', client);
  mkdirSync(dir, { recursive: true });
  const saved = [];
  return new Promise((resolve) => {
    const server = createServer((socket) => {
      let pending = Buffer.alloc(0);
      socket.on('error', () => {});
      socket.on('data', (chunk) => {
        pending = Buffer.concat([pending, chunk]);
        while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
          const frame = pending.subarray(4, 4 + pending.readInt32BE(0));
          pending = pending.subarray(4 + frame.length);
          handle(frame, socket);
        }
      });
    });
    const handle = (frame, socket) => {
      const apiKey = frame.readInt16BE(0);
      const version = frame.readInt16BE(2);
      const codec = API_CODECS.get(apiKey);
      const name = codec?.name ?? 'Unknown';
      const file = join(dir, `${apiKey}-${name}-v${version}.bin`);
      if (!saved.includes(file)) {
        saved.push(file);
        if (!existsSync(file)) writeFileSync(file, frame);
      }
      if (!codec) return socket.destroy();
      const r = new Reader(frame);
      const header = gen.readRequestHeader(r, requestHeaderVersion(apiKey, version));
      let req;
      try {
        req = codec.readRequest(r, version);
      } catch (err) {
        console.error(`${client}: cannot decode ${name} v${version}: ${err.message}`);
        return socket.destroy();
      }
      const w = new Writer();
      const at = w.reserveInt32();
      gen.writeResponseHeader(w, responseHeaderVersion(apiKey, version), { correlationId: header.correlationId });
      codec.writeResponse(w, version, answer(apiKey, version, req, server.address().port));
      w.patchInt32(at, w.length - 4);
      for (const c of w.toChunks()) socket.write(c);
    };
    server.listen(0, '127.0.0.1', () => {
      const port = server.address().port;
      const [cmd, ...args] = recipe(port);
      const child = spawn(cmd, args, { cwd: root, stdio: ['pipe', 'inherit', 'inherit'] });
      child.stdin.end('golden-value\n');
      const timer = setTimeout(() => child.kill('SIGKILL'), RUN_MS);
      child.on('exit', () => {
        clearTimeout(timer);
        server.close();
        // Connections the client left open would keep close() waiting.
        server.unref();
        console.log(`${client}: ${saved.length} frames: ${saved.map((f) => f.split('/').pop()).join(' ')}`);
        resolve();
      });
    });
  });
}

const py = (code) => (port) => ['/usr/bin/python3', '-c', code.replaceAll('PORT', String(port))];

const RECIPES = {
  kcat: [
    (port) => ['kcat', '-b', `127.0.0.1:${port}`, '-L'],
    (port) => ['kcat', '-b', `127.0.0.1:${port}`, '-P', '-t', TOPIC, '-k', 'key'],
    (port) => ['kcat', '-b', `127.0.0.1:${port}`, '-C', '-t', TOPIC, '-o', 'beginning', '-c', '1', '-e'],
  ],
  'kafka-python': [
    py(`
from kafka import KafkaProducer, KafkaConsumer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic
a = KafkaAdminClient(bootstrap_servers='127.0.0.1:PORT', request_timeout_ms=3000)
a.create_topics([NewTopic('golden', 1, 1)])
p = KafkaProducer(bootstrap_servers='127.0.0.1:PORT', request_timeout_ms=3000)
p.send('golden', key=b'key', value=b'golden-value').get(timeout=5)
p.close()
c = KafkaConsumer(bootstrap_servers='127.0.0.1:PORT', group_id='golden-group', auto_offset_reset='earliest', consumer_timeout_ms=3000)
c.subscribe(['golden'])
for _ in range(3): c.poll(timeout_ms=700)
c.close()
`),
  ],
  'confluent-kafka': [
    py(`
from confluent_kafka import Producer, Consumer
from confluent_kafka.admin import AdminClient, NewTopic
conf = {'bootstrap.servers': '127.0.0.1:PORT'}
admin = AdminClient(conf)  # kept referenced: a collected handle aborts the request
for f in admin.create_topics([NewTopic('golden', 1, 1)], request_timeout=3).values():
    try: f.result(timeout=5)
    except Exception as e: print('create_topics', e)
p = Producer(conf)
p.produce('golden', key=b'key', value=b'golden-value')
p.flush(5)
c = Consumer({**conf, 'group.id': 'golden-group', 'auto.offset.reset': 'earliest'})
c.subscribe(['golden'])
for _ in range(6): c.poll(0.5)
c.close()
`),
  ],
  kafkajs: [
    (port) => [process.execPath, '--input-type=module', '-e', `
import { Kafka, logLevel } from 'kafkajs';
const kafka = new Kafka({ brokers: ['127.0.0.1:${port}'], logLevel: logLevel.NOTHING, retry: { retries: 1 } });
const admin = kafka.admin();
await admin.connect();
await admin.createTopics({ topics: [{ topic: '${TOPIC}', numPartitions: 1 }] }).catch((e) => console.log('createTopics', e.message));
await admin.disconnect();
const producer = kafka.producer();
await producer.connect();
await producer.send({ topic: '${TOPIC}', messages: [{ key: 'key', value: 'golden-value' }] });
await producer.disconnect();
const consumer = kafka.consumer({ groupId: 'golden-group' });
await consumer.connect();
await consumer.subscribe({ topic: '${TOPIC}', fromBeginning: true });
await consumer.run({ eachMessage: async () => {} });
await new Promise((r) => setTimeout(r, 4000));
await consumer.disconnect();
process.exit(0);
`],
  ],
};

const wanted = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(RECIPES);
for (const client of wanted) {
  if (!RECIPES[client]) throw new Error(`unknown client ${client}`);
  for (const recipe of RECIPES[client]) await capture(client, recipe);
}
process.exit(0);
