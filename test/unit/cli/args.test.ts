import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCommandLine, parseTime, UsageError, DEFAULT_BOOTSTRAP, HELP } from '../../../src/cli/args.js';

const env = {};
const cwd = '/work/x';
const parse = (argv: string[]) => parseCommandLine(argv, env, cwd);

test('no arguments and --help print the main help', () => {
  assert.deepEqual(parseCommandLine([], env, cwd), { kind: 'help', text: HELP.main });
  assert.deepEqual(parseCommandLine(['--help'], env, cwd), { kind: 'help', text: HELP.main });
});

test('every command has its own --help', () => {
  for (const argv of [['up'], ['broker'], ['topics'], ['topics', 'create'], ['topics', 'list'], ['topics', 'describe'], ['topics', 'delete'], ['topics', 'alter'], ['topics', 'delete-records'], ['groups'], ['groups', 'list'], ['groups', 'describe'], ['groups', 'delete'], ['groups', 'reset-offsets'], ['configs'], ['configs', 'describe'], ['configs', 'alter'], ['transactions'], ['transactions', 'list'], ['transactions', 'describe'], ['transactions', 'producers'], ['produce'], ['consume']]) {
    const cmd = parseCommandLine([...argv, '--help'], env, cwd);
    assert.equal(cmd.kind, 'help', argv.join(' '));
    assert.match((cmd as { text: string }).text, /^Usage: kappa /);
  }
});

test('broker: defaults, port 0, config file, data dir from KAPPA_HOME', () => {
  assert.deepEqual(parseCommandLine(['broker'], env, cwd), { kind: 'broker', host: '127.0.0.1', port: 9092, dataDir: '/work/x/.kappa/data' });
  assert.deepEqual(parseCommandLine(['broker', '--port', '0', '--data-dir', 'tmp', '--config', 'server.properties', '--host', '0.0.0.0'], env, cwd), {
    kind: 'broker',
    host: '0.0.0.0',
    port: 0,
    dataDir: 'tmp',
    configFile: 'server.properties',
  });
  assert.equal((parseCommandLine(['up'], { KAPPA_HOME: '/srv/kappa' }, cwd) as { dataDir: string }).dataDir, '/srv/kappa/data');
  assert.throws(() => parseCommandLine(['broker', '--port', '70000'], env, cwd), /at most 65535/);
  assert.throws(() => parseCommandLine(['broker', '--port', 'abc'], env, cwd), UsageError);
  assert.throws(() => parseCommandLine(['up', '--config', 'x'], env, cwd), UsageError);
});

test('topics create collects repeated --config and checks numbers', () => {
  assert.deepEqual(parseCommandLine(['topics', 'create', 'orders', '--partitions', '3', '--replication-factor', '1', '--config', 'retention.ms=1000', '--config', 'cleanup.policy=compact', '--json'], env, cwd), {
    kind: 'topics-create',
    client: { bootstrapServer: DEFAULT_BOOTSTRAP, json: true },
    name: 'orders',
    partitions: 3,
    replicationFactor: 1,
    configs: { 'retention.ms': '1000', 'cleanup.policy': 'compact' },
  });
  assert.throws(() => parseCommandLine(['topics', 'create', 'x', '--partitions', '0'], env, cwd), /at least 1/);
  assert.throws(() => parseCommandLine(['topics', 'create', 'x', '--config', 'novalue'], env, cwd), /key=value/);
  assert.throws(() => parseCommandLine(['topics', 'create'], env, cwd), /missing topic name/);
  assert.throws(() => parseCommandLine(['topics', 'create', 'a', 'b'], env, cwd), /unexpected argument 'b'/);
});

test('topics list / describe / delete / alter', () => {
  assert.deepEqual(parseCommandLine(['topics', 'list', '--bootstrap-server', 'h:1'], env, cwd), { kind: 'topics-list', client: { bootstrapServer: 'h:1', json: false } });
  assert.equal(parseCommandLine(['topics', 'describe', 't'], env, cwd).kind, 'topics-describe');
  assert.equal(parseCommandLine(['topics', 'delete', 't'], env, cwd).kind, 'topics-delete');
  assert.deepEqual(parseCommandLine(['topics', 'alter', 't', '--partitions', '4', '--config', 'a=b', '--delete-config', 'c', '--delete-config', 'd'], env, cwd), {
    kind: 'topics-alter',
    client: { bootstrapServer: DEFAULT_BOOTSTRAP, json: false },
    name: 't',
    partitions: 4,
    configs: { a: 'b' },
    deleteConfigs: ['c', 'd'],
  });
  assert.throws(() => parseCommandLine(['topics', 'alter', 't'], env, cwd), /nothing to change/);
  assert.throws(() => parseCommandLine(['topics', 'rename', 't'], env, cwd), /unknown topics action 'rename'/);
});

test('produce: acks, compression, headers split at the first =, key separator', () => {
  assert.deepEqual(parseCommandLine(['produce', 'foo', '--acks', '1', '--compression', 'zstd', '--header', 'a=1', '--header', 'b=x=y', '--key-separator', ':', '--partition', '2', '--file', 'in.txt'], env, cwd), {
    kind: 'produce',
    client: { bootstrapServer: DEFAULT_BOOTSTRAP, json: false },
    topic: 'foo',
    file: 'in.txt',
    keySeparator: ':',
    headers: [
      ['a', '1'],
      ['b', 'x=y'],
    ],
    acks: 1,
    compression: 'zstd',
    partition: 2,
  });
  const defaults = parseCommandLine(['produce', 'foo'], env, cwd) as { acks: number; compression: string; headers: unknown[] };
  assert.equal(defaults.acks, -1);
  assert.equal(defaults.compression, 'none');
  assert.deepEqual(defaults.headers, []);
  assert.equal((parseCommandLine(['produce', 'foo', '--acks', 'all'], env, cwd) as { acks: number }).acks, -1);
  assert.equal((parseCommandLine(['produce', 'foo', '--acks', '0'], env, cwd) as { acks: number }).acks, 0);
  assert.throws(() => parseCommandLine(['produce', 'foo', '--acks', '2'], env, cwd), /--acks must be 0, 1 or all/);
  assert.throws(() => parseCommandLine(['produce', 'foo', '--compression', 'brotli'], env, cwd), /--compression/);
  assert.throws(() => parseCommandLine(['produce', 'foo', '--key-separator', ''], env, cwd), /must not be empty/);
  assert.throws(() => parseCommandLine(['produce'], env, cwd), /missing topic name/);
});

test('consume: start positions, limits, formats', () => {
  const base = { kind: 'consume', client: { bootstrapServer: DEFAULT_BOOTSTRAP, json: false }, topic: 't', format: 'text', printKey: false, registryUrl: 'http://127.0.0.1:8081' };
  assert.deepEqual(parseCommandLine(['consume', 't'], env, cwd), { ...base, start: 'latest' });
  assert.deepEqual(parseCommandLine(['consume', 't', '--from-beginning', '--max-messages', '100'], env, cwd), { ...base, start: 'earliest', maxMessages: 100 });
  assert.deepEqual(parseCommandLine(['consume', 't', '--offset', '5', '--partition', '1', '--timeout-ms', '2000', '--format', 'json', '--print-key'], env, cwd), {
    ...base,
    start: { offset: 5 },
    partition: 1,
    timeoutMs: 2000,
    format: 'json',
    printKey: true,
  });
  assert.deepEqual((parseCommandLine(['consume', 't', '--from-time', '2024-01-02T03:04:05Z'], env, cwd) as { start: unknown }).start, { timestamp: Date.UTC(2024, 0, 2, 3, 4, 5) });
  assert.deepEqual((parseCommandLine(['consume', 't', '--from-time', '1700000000000'], env, cwd) as { start: unknown }).start, { timestamp: 1700000000000 });
  assert.equal((parseCommandLine(['consume', 't', '--json'], env, cwd) as { format: string }).format, 'json');
  assert.throws(() => parseCommandLine(['consume', 't', '--from-beginning', '--from-time', '1'], env, cwd), /cannot be combined/);
  assert.throws(() => parseCommandLine(['consume', 't', '--format', 'xml'], env, cwd), /--format must be text or json/);
  assert.throws(() => parseCommandLine(['consume', 't', '--max-messages', '0'], env, cwd), /at least 1/);
  assert.equal((parseCommandLine(['consume', 't', '--no-registry'], env, cwd) as { registryUrl: unknown }).registryUrl, null);
  assert.equal((parseCommandLine(['consume', 't', '--registry', 'http://r:1'], env, cwd) as { registryUrl: unknown }).registryUrl, 'http://r:1');
});

test('up, registry and source quotes: defaults and checks', () => {
  const up = parseCommandLine(['up'], env, cwd) as { registryPort: number; ingestPort: number; quoteRate: number };
  assert.deepEqual([up.registryPort, up.ingestPort, up.quoteRate], [8081, 8082, 10]);
  const up0 = parseCommandLine(['up', '--registry-port', '0', '--rate', '0'], env, cwd) as { registryPort: number; quoteRate: number };
  assert.deepEqual([up0.registryPort, up0.quoteRate], [0, 0]);
  assert.throws(() => parseCommandLine(['up', '--rate', 'fast'], env, cwd), /--rate must be a number/);
  assert.deepEqual(parseCommandLine(['registry', '--port', '0', '--bootstrap-server', 'h:1'], env, cwd), { kind: 'registry', host: '127.0.0.1', port: 0, bootstrapServer: 'h:1', topic: '_schemas' });
  assert.deepEqual(parseCommandLine(['source', 'quotes', '--rate', '500', '--symbols', 'AAPL,msft', '--seed', '7', '--limit', '100', '--duplicates', '0.1', '--no-registry'], env, cwd), {
    kind: 'source-quotes', client: { bootstrapServer: DEFAULT_BOOTSTRAP, json: false }, topic: 'iextrading', registryUrl: null, rate: 500,
    symbols: ['AAPL', 'msft'], seed: 7, limit: 100, duplicate: 0.1,
  });
  assert.throws(() => parseCommandLine(['source', 'quotes', '--symbols', 'A', '--top', '3'], env, cwd), /cannot be combined/);
  assert.throws(() => parseCommandLine(['source', 'quotes', '--late', '2'], env, cwd), /between 0 and 1/);
  assert.throws(() => parseCommandLine(['source', 'trades'], env, cwd), /unknown source/);
  assert.deepEqual(parseCommandLine(['source', 'http', '--url', 'https://api.example/v1', '--symbols', 'aapl, msft', '--token', 'pk', '--interval-ms', '2000'], env, cwd), {
    kind: 'source-http', client: { bootstrapServer: DEFAULT_BOOTSTRAP, json: false }, topic: 'iextrading', registryUrl: 'http://127.0.0.1:8081',
    url: 'https://api.example/v1', symbols: ['AAPL', 'MSFT'], token: 'pk', intervalMs: 2000,
  });
  assert.throws(() => parseCommandLine(['source', 'http', '--symbols', 'A'], env, cwd), /--url is required/);
  assert.throws(() => parseCommandLine(['source', 'http', '--url', 'http://x'], env, cwd), /--symbols is required/);
  assert.deepEqual(parseCommandLine(['source', 'replay', 'f.csv', '--topic', 't', '--key', 'k', '--time-field', 'ts', '--speed', '2', '--map', 'a=b'], env, cwd), {
    kind: 'source-replay', client: { bootstrapServer: DEFAULT_BOOTSTRAP, json: false }, topic: 't', file: 'f.csv', speed: 2, mapping: [['a', 'b']],
    registryUrl: 'http://127.0.0.1:8081', keyField: 'k', timeField: 'ts',
  });
  assert.throws(() => parseCommandLine(['source', 'replay', 'f.csv', '--topic', 't', '--speed', '2'], env, cwd), /--speed needs --time-field/);
  assert.throws(() => parseCommandLine(['source', 'replay', 'f.csv'], env, cwd), /--topic is required/);
  for (const argv of [['registry'], ['source'], ['source', 'quotes']]) assert.equal(parseCommandLine([...argv, '--help'], env, cwd).kind, 'help');
});

test('parseTime accepts ISO 8601 and epoch milliseconds, rejects the rest', () => {
  assert.equal(parseTime('0'), 0);
  assert.equal(parseTime('2024-05-01T00:00:00.000+02:00'), Date.UTC(2024, 3, 30, 22));
  assert.throws(() => parseTime('yesterday'), UsageError);
});

test('unknown commands and options are usage errors naming the command', () => {
  assert.throws(() => parseCommandLine(['frobnicate'], env, cwd), /unknown command 'frobnicate'/);
  try {
    parseCommandLine(['consume', 't', '--nope'], env, cwd);
    assert.fail('expected a UsageError');
  } catch (err) {
    assert.ok(err instanceof UsageError);
    assert.equal(err.command, 'consume');
    assert.match(err.message, /--nope/);
  }
});

test('groups: list / describe / delete, and reset-offsets with exactly one target', () => {
  assert.deepEqual(parse(['groups', 'list', '--json']), { kind: 'groups-list', client: { bootstrapServer: DEFAULT_BOOTSTRAP, json: true } });
  assert.deepEqual(parse(['groups', 'describe', 'g1']), { kind: 'groups-describe', client: { bootstrapServer: DEFAULT_BOOTSTRAP, json: false }, group: 'g1' });
  assert.equal((parse(['groups', 'delete', 'g1']) as { kind: string }).kind, 'groups-delete');
  assert.deepEqual(parse(['groups', 'reset-offsets', 'g1', '--topic', 'orders:0,2', '--to-offset', '42']), {
    kind: 'groups-reset-offsets',
    client: { bootstrapServer: DEFAULT_BOOTSTRAP, json: false },
    group: 'g1',
    topic: 'orders',
    partitions: [0, 2],
    spec: { to: 'offset', offset: 42 },
    execute: false,
  });
  const shifted = parse(['groups', 'reset-offsets', 'g1', '--topic', 'orders', '--shift-by=-5', '--execute']) as { spec: unknown; execute: boolean; partitions?: number[] };
  assert.deepEqual([shifted.spec, shifted.execute, shifted.partitions], [{ shiftBy: -5 }, true, undefined]);
  // A negative number may also follow the option as its own argument.
  assert.deepEqual((parse(['groups', 'reset-offsets', 'g1', '--topic', 'orders', '--shift-by', '-5']) as { spec: unknown }).spec, { shiftBy: -5 });
  const dated = parse(['groups', 'reset-offsets', 'g1', '--topic', 'orders', '--to-datetime', '2026-01-01T00:00:00Z']) as { spec: unknown };
  assert.deepEqual(dated.spec, { to: 'datetime', timestamp: Date.parse('2026-01-01T00:00:00Z') });
  assert.throws(() => parse(['groups', 'reset-offsets', 'g1', '--topic', 'orders']), /exactly one/);
  assert.throws(() => parse(['groups', 'reset-offsets', 'g1', '--topic', 'orders', '--to-earliest', '--to-latest']), /exactly one/);
  assert.throws(() => parse(['groups', 'reset-offsets', 'g1', '--to-earliest']), /missing --topic/);
  assert.throws(() => parse(['groups', 'reset-offsets', 'g1', '--topic', 't', '--to-latest', '--dry-run', '--execute']), /exclude/);
  assert.throws(() => parse(['groups', 'frobnicate']), UsageError);
});

test('topics delete-records: --before-offset required, -1 allowed, optional partition', () => {
  assert.deepEqual(parse(['topics', 'delete-records', 't', '--before-offset', '-1']), {
    kind: 'topics-delete-records',
    client: { bootstrapServer: DEFAULT_BOOTSTRAP, json: false },
    name: 't',
    beforeOffset: -1,
  });
  assert.equal((parse(['topics', 'delete-records', 't', '--before-offset', '9', '--partition', '2']) as { partition: number }).partition, 2);
  assert.throws(() => parse(['topics', 'delete-records', 't']), /missing --before-offset/);
});

test('configs describe / alter: exactly one target, something to change', () => {
  const c = { bootstrapServer: DEFAULT_BOOTSTRAP, json: false };
  assert.deepEqual(parse(['configs', 'describe', '--broker', '0']), { kind: 'configs-describe', client: c, target: { type: 'broker', name: '0' }, all: false });
  assert.deepEqual(parse(['configs', 'describe', '--broker-defaults', '--all']), { kind: 'configs-describe', client: c, target: { type: 'broker', name: '' }, all: true });
  assert.deepEqual(parse(['configs', 'alter', '--topic', 't', '--config', 'retention.ms=1000', '--delete-config', 'segment.bytes']), {
    kind: 'configs-alter', client: c, target: { type: 'topic', name: 't' }, configs: { 'retention.ms': '1000' }, deleteConfigs: ['segment.bytes'],
  });
  assert.throws(() => parse(['configs', 'describe']), /exactly one of --broker ID, --broker-defaults, --topic NAME/);
  assert.throws(() => parse(['configs', 'describe', '--broker', '0', '--topic', 't']), /exactly one/);
  assert.throws(() => parse(['configs', 'describe', '--broker', 'one']), /--broker must be an integer/);
  assert.throws(() => parse(['configs', 'alter', '--broker', '0']), /nothing to change/);
  assert.throws(() => parse(['configs', 'alter', '--broker', '0', '--config', 'novalue']), /expects key=value/);
  assert.throws(() => parse(['configs', 'frobnicate']), UsageError);
  assert.equal((parse(['configs', 'alter', '--help']) as { kind: string }).kind, 'help');
});
