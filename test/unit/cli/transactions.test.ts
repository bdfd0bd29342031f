import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCommandLine, UsageError, DEFAULT_BOOTSTRAP } from '../../../src/cli/args.js';
import { formatTopicPartitions, producersTable, transactionsDescribeTable, transactionsListTable } from '../../../src/cli/commands/transactions.js';

const parse = (argv: string[]) => parseCommandLine(argv, {}, '/work/x');
const client = { bootstrapServer: DEFAULT_BOOTSTRAP, json: false };

test('transactions list: repeatable --state (any case, Kafka spelling kept) and --producer-id', () => {
  assert.deepEqual(parse(['transactions', 'list']), { kind: 'transactions-list', client, states: [], producerIds: [] });
  assert.deepEqual(parse(['transactions', 'list', '--state', 'ongoing', '--state', 'CompleteCommit', '--producer-id', '7', '--producer-id', '0', '--json']), {
    kind: 'transactions-list',
    client: { ...client, json: true },
    states: ['Ongoing', 'CompleteCommit'],
    producerIds: [7, 0],
  });
  assert.throws(() => parse(['transactions', 'list', '--state', 'Open']), /--state must be one of Empty, Ongoing/);
  assert.throws(() => parse(['transactions', 'list', '--producer-id', 'x']), /--producer-id must be an integer/);
  assert.throws(() => parse(['transactions', 'list', '--producer-id', '-1']), /at least 0/);
  assert.throws(() => parse(['transactions', 'list', 'extra']), /unexpected argument 'extra'/);
});

test('transactions describe takes one or more ids, producers TOPIC or TOPIC:P,P', () => {
  assert.deepEqual(parse(['transactions', 'describe', 'a', 'b', 'a']), { kind: 'transactions-describe', client, transactionalIds: ['a', 'b'] });
  assert.throws(() => parse(['transactions', 'describe']), /missing transactional id/);
  assert.deepEqual(parse(['transactions', 'producers', 'orders']), { kind: 'transactions-producers', client, topic: 'orders' });
  assert.deepEqual(parse(['transactions', 'producers', 'orders:2,0,2']), { kind: 'transactions-producers', client, topic: 'orders', partitions: [0, 2] });
  assert.throws(() => parse(['transactions', 'producers', 'orders:x']), /TOPIC or TOPIC:P/);
  assert.throws(() => parse(['transactions', 'producers', ':1']), /missing topic name/);
  assert.throws(() => parse(['transactions', 'producers']), /missing topic name/);
  assert.throws(() => parse(['transactions', 'commit', 'x']), (err: Error) => err instanceof UsageError && /unknown transactions action 'commit'/.test(err.message));
});

test('produce --idempotent needs acks all', () => {
  assert.equal((parse(['produce', 't', '--idempotent']) as { idempotent?: boolean }).idempotent, true);
  assert.equal('idempotent' in parse(['produce', 't']), false);
  assert.throws(() => parse(['produce', 't', '--idempotent', '--acks', '1']), /--idempotent needs --acks all/);
});

test('transaction tables: one row per id or producer, "-" where nothing applies', () => {
  assert.equal(formatTopicPartitions([{ topic: 'a', partitions: [0, 2] }, { topic: 'b', partitions: [1] }]), 'a:0,2 b:1');
  assert.equal(formatTopicPartitions([]), '-');
  assert.equal(
    transactionsListTable([{ transactionalId: 'tx-1', producerId: 1000, state: 'Ongoing', coordinatorId: 1 }]),
    'TRANSACTIONAL ID  PRODUCER ID  STATE    COORDINATOR\ntx-1              1000         Ongoing  1\n',
  );
  const described = transactionsDescribeTable(
    [
      { transactionalId: 'open', coordinatorId: 1, state: 'Ongoing', producerId: 5, producerEpoch: 2, timeoutMs: 60000, startTimeMs: Date.UTC(2024, 0, 1), topics: [{ topic: 'in', partitions: [0, 1] }] },
      { transactionalId: 'done', coordinatorId: 1, state: 'CompleteCommit', producerId: 6, producerEpoch: 0, timeoutMs: 60000, startTimeMs: -1, topics: [] },
    ],
    Date.UTC(2024, 0, 1) + 1500,
  );
  const [header, open, done] = described.trimEnd().split('\n');
  assert.match(header!, /^TRANSACTIONAL ID\s+STATE\s+PRODUCER ID\s+EPOCH\s+TIMEOUT MS\s+STARTED\s+DURATION MS\s+PARTITIONS$/);
  assert.match(open!, /^open\s+Ongoing\s+5\s+2\s+60000\s+2024-01-01T00:00:00.000Z\s+1500\s+in:0,1$/);
  assert.match(done!, /^done\s+CompleteCommit\s+6\s+0\s+60000\s+-\s+-\s+-$/);
  const producers = producersTable([
    { topic: 'in', partition: 0, producers: [{ producerId: 5, producerEpoch: 2, lastSequence: 9, lastTimestamp: Date.UTC(2024, 0, 1), coordinatorEpoch: 0, currentTxnStartOffset: 40 }] },
    { topic: 'in', partition: 1, producers: [{ producerId: 7, producerEpoch: 0, lastSequence: 0, lastTimestamp: -1, coordinatorEpoch: -1, currentTxnStartOffset: -1 }] },
    { topic: 'in', partition: 2, producers: [] },
  ]);
  const lines = producers.trimEnd().split('\n');
  assert.equal(lines.length, 3);
  assert.match(lines[1]!, /^in\s+0\s+5\s+2\s+9\s+2024-01-01T00:00:00.000Z\s+0\s+40$/);
  assert.match(lines[2]!, /^in\s+1\s+7\s+0\s+0\s+-\s+-1\s+-$/);
});
