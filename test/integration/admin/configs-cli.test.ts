// `kappa configs describe|alter` against a broker process: dynamic broker configs per node and
// cluster-wide, and topic overrides, with the source of each value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kappaBin, run, startBroker, type Broker } from '../../helpers/broker.js';

function kappa(broker: Broker, args: string[], opts: { okCodes?: number[] } = {}) {
  return run(process.execPath, [kappaBin, ...args, '--bootstrap-server', broker.bootstrap], { ...opts, broker });
}

test('kappa configs: broker, broker defaults and topic configs with their sources', async (t) => {
  const b = await startBroker(t);
  await kappa(b, ['topics', 'create', 'cfg']);
  const describe = async (target: string[], all = false) =>
    JSON.parse((await kappa(b, ['configs', 'describe', ...target, '--json', ...(all ? ['--all'] : [])])).stdout) as { name: string; value: string; sourceName: string; readOnly: boolean }[];

  assert.deepEqual(await describe(['--broker-defaults']), []);
  await kappa(b, ['configs', 'alter', '--broker-defaults', '--config', 'log.retention.ms=7200000']);
  await kappa(b, ['configs', 'alter', '--broker', '0', '--config', 'log.segment.bytes=2000000', '--config', 'log.retention.ms=3600000']);
  const broker = new Map((await describe(['--broker', '0'])).map((e) => [e.name, e]));
  assert.deepEqual([broker.get('log.retention.ms')?.value, broker.get('log.retention.ms')?.sourceName], ['3600000', 'DYNAMIC_BROKER_CONFIG']);
  assert.deepEqual([broker.get('log.segment.bytes')?.value, broker.get('log.segment.bytes')?.sourceName], ['2000000', 'DYNAMIC_BROKER_CONFIG']);
  assert.deepEqual((await describe(['--broker-defaults'])).map((e) => [e.name, e.value, e.sourceName]), [['log.retention.ms', '7200000', 'DYNAMIC_DEFAULT_BROKER_CONFIG']]);

  // The topic follows the broker; deleting the per-broker value falls back to the cluster default.
  let topic = new Map((await describe(['--topic', 'cfg'])).map((e) => [e.name, e]));
  assert.deepEqual([topic.get('retention.ms')?.value, topic.get('retention.ms')?.sourceName], ['3600000', 'DYNAMIC_BROKER_CONFIG']);
  await kappa(b, ['configs', 'alter', '--broker', '0', '--delete-config', 'log.retention.ms']);
  await kappa(b, ['configs', 'alter', '--topic', 'cfg', '--config', 'segment.bytes=1000000']);
  topic = new Map((await describe(['--topic', 'cfg'])).map((e) => [e.name, e]));
  assert.deepEqual([topic.get('retention.ms')?.value, topic.get('retention.ms')?.sourceName], ['7200000', 'DYNAMIC_DEFAULT_BROKER_CONFIG']);
  assert.deepEqual([topic.get('segment.bytes')?.value, topic.get('segment.bytes')?.sourceName], ['1000000', 'TOPIC_CONFIG']);

  const table = (await kappa(b, ['configs', 'describe', '--broker', '0'])).stdout;
  assert.match(table, /CONFIG\s+VALUE\s+SOURCE\s+READ-ONLY/);
  assert.match(table, /log\.segment\.bytes\s+2000000\s+DYNAMIC_BROKER_CONFIG\s+no/);
  assert.match(table, /node\.id\s+0\s+STATIC_BROKER_CONFIG\s+yes/);

  const refused = await kappa(b, ['configs', 'alter', '--broker', '0', '--config', 'node.id=5'], { okCodes: [1] });
  assert.match(refused.stderr, /INVALID_REQUEST.*Cannot update these configs dynamically: node.id/);
});
