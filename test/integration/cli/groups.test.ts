// `kappa groups …` and `kappa topics delete-records` as a user runs them, against a broker process and
// a consumer group that kcat (librdkafka) joined and committed in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kappaBin, requireTool, run, startBroker, tempDir, type Broker } from '../../helpers/broker.js';

function kappa(broker: Broker, args: string[], opts: { input?: string; okCodes?: number[] } = {}) {
  return run(process.execPath, [kappaBin, ...args, '--bootstrap-server', broker.bootstrap], { ...opts, broker });
}

test('groups list / describe / reset-offsets / delete, and topics delete-records', async (t) => {
  if (!requireTool(t, 'kcat')) return;
  const config = join(tempDir(t), 'server.properties');
  writeFileSync(config, 'group.initial.rebalance.delay.ms=0\n');
  const broker = await startBroker(t, { config });
  await kappa(broker, ['topics', 'create', 'events', '--partitions', '2']);
  // Keys spread the records over both partitions.
  const lines = Array.from({ length: 200 }, (_, i) => `k${i}:v${i}`).join('\n') + '\n';
  await kappa(broker, ['produce', 'events', '--key-separator', ':'], { input: lines });
  const ends = JSON.parse((await kappa(broker, ['topics', 'describe', 'events', '--json'])).stdout).partitions.map((p: { latestOffset: number }) => p.latestOffset);
  assert.equal(ends[0] + ends[1], 200);

  // kcat joins group "billing", reads everything and commits synchronously at the end.
  await run('kcat', ['-b', broker.bootstrap, '-G', 'billing', 'events', '-o', 'beginning', '-c', '200', '-q', '-X', 'enable.auto.commit=true', '-X', 'auto.commit.interval.ms=100'], { timeoutMs: 60_000 });

  const listed = JSON.parse((await kappa(broker, ['groups', 'list', '--json'])).stdout);
  assert.deepEqual(listed.map((g: { groupId: string; state: string }) => [g.groupId, g.state]), [['billing', 'Empty']]);

  const described = JSON.parse((await kappa(broker, ['groups', 'describe', 'billing', '--json'])).stdout);
  assert.equal(described.group.state, 'Empty');
  assert.deepEqual(
    described.offsets.map((o: { partition: number; committedOffset: number; logEndOffset: number; lag: number }) => [o.partition, o.committedOffset, o.logEndOffset, o.lag]),
    [
      [0, ends[0], ends[0], 0],
      [1, ends[1], ends[1], 0],
    ],
  );
  const table = (await kappa(broker, ['groups', 'describe', 'billing'])).stdout;
  assert.match(table, /TOPIC\s+PARTITION\s+COMMITTED\s+LOG-END\s+LAG/);

  // A dry run changes nothing; --execute commits; --shift-by moves from the committed offset.
  const dry = await kappa(broker, ['groups', 'reset-offsets', 'billing', '--topic', 'events', '--to-earliest']);
  assert.match(dry.stdout, /Dry run/);
  const still = JSON.parse((await kappa(broker, ['groups', 'describe', 'billing', '--json'])).stdout);
  assert.deepEqual(still.offsets.map((o: { committedOffset: number }) => o.committedOffset), [ends[0], ends[1]]);

  await kappa(broker, ['groups', 'reset-offsets', 'billing', '--topic', 'events:1', '--to-offset', '5', '--execute']);
  await kappa(broker, ['groups', 'reset-offsets', 'billing', '--topic', 'events:0', '--shift-by=-3', '--execute']);
  const moved = JSON.parse((await kappa(broker, ['groups', 'describe', 'billing', '--json'])).stdout);
  assert.deepEqual(moved.offsets.map((o: { partition: number; committedOffset: number; lag: number }) => [o.partition, o.committedOffset, o.lag]), [
    [0, ends[0] - 3, 3],
    [1, 5, ends[1] - 5],
  ]);

  // A new kcat member of the group resumes from the reset offsets: exactly the 3 + (ends[1] - 5) records.
  const resumed = await run('kcat', ['-b', broker.bootstrap, '-G', 'billing', 'events', '-c', String(3 + ends[1] - 5), '-q', '-f', '%p:%o\n'], { timeoutMs: 60_000 });
  const seen = resumed.stdout.trim().split('\n').sort();
  const expected = [...Array.from({ length: 3 }, (_, i) => `0:${ends[0] - 3 + i}`), ...Array.from({ length: ends[1] - 5 }, (_, i) => `1:${5 + i}`)].sort();
  assert.deepEqual(seen, expected);

  // delete-records moves the log start of every partition.
  const deleted = JSON.parse((await kappa(broker, ['topics', 'delete-records', 'events', '--before-offset', '2', '--json'])).stdout);
  assert.deepEqual(deleted, [
    { partition: 0, lowWatermark: 2 },
    { partition: 1, lowWatermark: 2 },
  ]);

  // Deleting the (now empty) group removes it and its offsets.
  await kappa(broker, ['groups', 'delete', 'billing']);
  assert.deepEqual(JSON.parse((await kappa(broker, ['groups', 'list', '--json'])).stdout), []);
  const gone = await kappa(broker, ['groups', 'delete', 'billing'], { okCodes: [1] });
  assert.match(gone.stderr, /GROUP_ID_NOT_FOUND/);
});
