// The lab from the command line: `kappa registry` on a broker, `kappa source quotes` producing Avro
// quotes through it, `kappa consume` decoding them to JSON, Confluent's JS client decoding the raw
// bytes kcat reads; and `kappa up` bringing up broker, registry and simulator together, then stopping
// cleanly on SIGTERM.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { test, type TestContext } from 'node:test';
import { SchemaRegistry as ConfluentClient } from '@kafkajs/confluent-schema-registry';
import { kappaBin, requireTool, run, startBroker, tempDir, type Broker } from '../../helpers/broker.js';

/** Starts a long-running kappa command and resolves with the first match of `ready` in its stdout. */
async function startKappa(t: TestContext, args: string[], ready: RegExp, timeoutMs = 30_000): Promise<{ proc: ChildProcess; match: RegExpExecArray; output: () => string }> {
  const proc = spawn(process.execPath, [kappaBin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.setEncoding('utf8');
  proc.stderr!.setEncoding('utf8');
  proc.stderr!.on('data', (c: string) => (out += c));
  t.after(() => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  });
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${ready} within ${timeoutMs} ms:\n${out}`)), timeoutMs);
    proc.stdout!.on('data', (c: string) => {
      out += c;
      const m = ready.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    });
    proc.once('exit', (code) => reject(new Error(`kappa ${args.join(' ')} exited (${code}) before ready:\n${out}`)));
  });
  return { proc, match, output: () => out };
}

function kappa(b: Broker, args: string[], timeoutMs = 60_000) {
  return run(process.execPath, [kappaBin, ...args, '--bootstrap-server', b.bootstrap], { broker: b, timeoutMs });
}

test('kappa registry + kappa source quotes + kappa consume: Avro quotes end to end', { timeout: 120_000 }, async (t) => {
  if (!requireTool(t, 'kcat')) return;
  const b = await startBroker(t);
  const registry = await startKappa(t, ['registry', '--port', '0', '--bootstrap-server', b.bootstrap], /listening on (http:\/\/\S+)/);
  const url = registry.match[1]!;
  await kappa(b, ['topics', 'create', 'iextrading', '--partitions', '4']);

  const started = Date.now();
  const produced = await kappa(b, ['source', 'quotes', '--rate', '1000', '--limit', '1000', '--top', '5', '--seed', '1', '--registry', url]);
  const elapsed = Date.now() - started;
  assert.match(produced.stderr, /done: 1000 quotes to iextrading/);
  assert.ok(elapsed >= 900, `1,000 quotes at 1,000/s take about a second (${elapsed} ms)`);

  const subjects = (await (await fetch(`${url}/subjects`)).json()) as string[];
  assert.deepEqual(subjects, ['iextrading-value']);

  const consumed = await kappa(b, ['consume', 'iextrading', '--from-beginning', '--max-messages', '1000', '--format', 'json', '--registry', url]);
  const records = consumed.stdout.trim().split('\n').map((l) => JSON.parse(l) as { key: string; partition: number; value: { symbol: string; latestPrice: number; latestUpdate: number } });
  assert.equal(records.length, 1000);
  const symbols = new Set(records.map((r) => r.value.symbol));
  assert.deepEqual([...symbols].sort(), ['AAPL', 'AMZN', 'META', 'MSFT', 'NVDA']);
  for (const r of records) {
    assert.equal(r.key, r.value.symbol, 'keyed by symbol');
    assert.ok(r.value.latestPrice > 0);
  }
  // One symbol, one partition (keyed), in event-time order within it.
  const bySymbol = new Map<string, Set<number>>();
  for (const r of records) bySymbol.set(r.key, (bySymbol.get(r.key) ?? new Set()).add(r.partition));
  for (const [s, parts] of bySymbol) assert.equal(parts.size, 1, `${s} on one partition`);

  // The raw bytes, as kcat reads them, are Confluent's wire format: Confluent's client decodes them.
  const { stdout } = await run('kcat', ['-C', '-b', b.bootstrap, '-t', 'iextrading', '-p', '0', '-o', 'beginning', '-c', '1', '-e', '-q', '-f', '%S\\n'], { broker: b });
  assert.ok(Number(stdout.trim()) > 5);
  const client = new ConfluentClient({ host: url });
  const { KafkaClient } = await import('../../../src/client/kafka-client.js');
  const kc = new KafkaClient({ bootstrapServers: b.bootstrap });
  const consumer = kc.consumer({ maxWaitMs: 100 });
  consumer.assign([{ topic: 'iextrading', partition: 0, offset: 'earliest' }]);
  let raw: Buffer | null = null;
  for await (const batch of consumer.batches()) {
    if (batch.records.length > 0) {
      raw = Buffer.from(batch.records[0]!.value!);
      break;
    }
  }
  await consumer.close();
  await kc.close();
  const decoded = (await client.decode(raw!)) as { symbol: string };
  assert.ok(symbols.has(decoded.symbol));

  registry.proc.kill('SIGTERM');
  const [code] = await once(registry.proc, 'exit');
  assert.equal(code, 0, registry.output());
});

test('kappa up: broker, registry and simulator together; SIGTERM stops them cleanly', { timeout: 120_000 }, async (t) => {
  const dataDir = tempDir(t);
  const up = await startKappa(t, ['up', '--port', '0', '--registry-port', '0', '--ingest-port', '0', '--rate', '200', '--data-dir', dataDir], /Ctrl-C stops everything/);
  const out = up.output();
  const bootstrap = /bootstrap server (\S+)/.exec(out)![1]!;
  const url = /schema registry\s+(http:\/\/\S+)/.exec(out)![1]!;
  // Quotes flow: wait for the first ones.
  let records: { value: { symbol: string } }[] = [];
  const deadline = Date.now() + 20_000;
  while (records.length < 50 && Date.now() < deadline) {
    const r = await run(process.execPath, [kappaBin, 'consume', 'iextrading', '--from-beginning', '--max-messages', '50', '--timeout-ms', '3000', '--format', 'json', '--registry', url, '--bootstrap-server', bootstrap]);
    records = r.stdout.trim() === '' ? [] : r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { value: { symbol: string } });
  }
  assert.equal(records.length, 50, up.output());
  assert.ok(records.every((r) => typeof r.value.symbol === 'string'), 'decoded Avro quotes');
  const described = await run(process.execPath, [kappaBin, 'topics', 'describe', 'iextrading', '--json', '--bootstrap-server', bootstrap]);
  assert.equal((JSON.parse(described.stdout) as { partitions: unknown[] }).partitions.length, 4);
  assert.deepEqual(await (await fetch(`${url}/subjects`)).json(), ['iextrading-value']);
  // REST ingest: a REST Proxy produce call lands in the topic.
  const ingest = /REST ingest \(REST Proxy\)\s+(http:\/\/\S+)\/topics\/TOPIC/.exec(out)![1]!;
  const posted = await fetch(`${ingest}/topics/iextrading`, { method: 'POST', headers: { 'content-type': 'application/vnd.kafka.json.v2+json' }, body: JSON.stringify({ records: [{ key: 'REST', value: { via: 'rest' } }] }) });
  assert.equal(posted.status, 200);
  assert.equal(((await posted.json()) as { offsets: { error_code: unknown }[] }).offsets[0]!.error_code, null);

  up.proc.kill('SIGTERM');
  const [code] = await once(up.proc, 'exit');
  assert.equal(code, 0, up.output());
});

test('kappa produce --value-schema turns JSON lines into Avro; kappa consume turns them back', { timeout: 120_000 }, async (t) => {
  const b = await startBroker(t);
  const registry = await startKappa(t, ['registry', '--port', '0', '--bootstrap-server', b.bootstrap], /listening on (http:\/\/\S+)/);
  const url = registry.match[1]!;
  const dir = tempDir(t);
  const schemaFile = `${dir}/trade.avsc`;
  const { writeFileSync } = await import('node:fs');
  writeFileSync(schemaFile, JSON.stringify({ type: 'record', name: 'Trade', fields: [{ name: 'symbol', type: 'string' }, { name: 'price', type: 'double' }, { name: 'size', type: ['null', 'long'], default: null }] }));
  const lines = ['{"symbol":"AAPL","price":230.5,"size":100}', '{"symbol":"MSFT","price":420.25,"size":null}'];
  const produced = await run(process.execPath, [kappaBin, 'produce', 'trades', '--value-schema', schemaFile, '--registry', url, '--bootstrap-server', b.bootstrap], { input: lines.join('\n') + '\n', broker: b });
  assert.match(produced.stderr, /Produced 2 record\(s\) to trades/);
  assert.deepEqual(await (await fetch(`${url}/subjects`)).json(), ['trades-value']);
  const consumed = await kappa(b, ['consume', 'trades', '--from-beginning', '--max-messages', '2', '--registry', url]);
  assert.deepEqual(consumed.stdout.trim().split('\n').map((l) => JSON.parse(l) as unknown), lines.map((l) => JSON.parse(l) as unknown));
  // Without the registry the same records are Confluent-framed bytes: magic 0 and the schema id.
  const raw = await kappa(b, ['consume', 'trades', '--from-beginning', '--max-messages', '1', '--no-registry', '--format', 'json']);
  assert.equal((JSON.parse(raw.stdout) as { value: string }).value.charCodeAt(0), 0);
  // A line that does not match the schema names the line and the field; nothing after it is sent.
  const bad = await run(process.execPath, [kappaBin, 'produce', 'trades', '--value-schema', schemaFile, '--registry', url, '--bootstrap-server', b.bootstrap], { input: '{"symbol":"X","price":"cheap"}\n', broker: b, okCodes: [1] });
  assert.match(bad.stderr, /line 1: value does not match the trades-value schema at price/);
  registry.proc.kill('SIGTERM');
  await once(registry.proc, 'exit');
});

test('kappa source http polls a quote API and produces the quotes that changed', { timeout: 120_000 }, async (t) => {
  const b = await startBroker(t);
  const { createServer } = await import('node:http');
  let n = 0;
  // Prices change every other poll; the first answer is a 503 the source must back off from.
  const server = createServer((req, res) => {
    n++;
    if (n === 1) {
      res.writeHead(503).end('busy');
      return;
    }
    const step = Math.floor(n / 2);
    const q = (symbol: string, base: number) => ({ symbol, latestPrice: base + step, latestUpdate: 1_700_000_000_000 + step, volume: step });
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ AAPL: { quote: q('AAPL', 230) }, MSFT: { quote: q('MSFT', 420) } }));
    void req;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  await kappa(b, ['topics', 'create', 'polled', '--partitions', '1']);
  const proc = spawn(process.execPath, [kappaBin, 'source', 'http', '--url', url, '--symbols', 'AAPL,MSFT', '--interval-ms', '100', '--topic', 'polled', '--no-registry', '--bootstrap-server', b.bootstrap], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  proc.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
  t.after(() => {
    if (proc.exitCode === null) proc.kill('SIGKILL');
  });
  const deadline = Date.now() + 20_000;
  while (!/, (\d{2,}) in all/.test(err) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  proc.kill('SIGTERM');
  const [code] = await once(proc, 'exit');
  assert.equal(code, 0, err);
  assert.match(err, /HTTP 503: backing off/);
  const produced = Number(/done: (\d+) quotes to polled/.exec(err)?.[1]);
  const consumed = await kappa(b, ['consume', 'polled', '--from-beginning', '--max-messages', String(produced), '--no-registry']);
  const quotes = consumed.stdout.trim().split('\n').map((l) => JSON.parse(l) as { symbol: string; latestPrice: number; latestUpdate: number });
  assert.equal(quotes.length, produced);
  // Unchanged answers were dropped: each (symbol, update) once.
  const seen = new Set(quotes.map((q) => `${q.symbol}@${q.latestUpdate}`));
  assert.equal(seen.size, quotes.length);
  assert.ok(produced >= 10, `${produced} quotes`);
  assert.ok(n > produced / 2, `polled ${n} times`);
});

test('kappa source replay: a CSV with mapped fields, keys and event times; paced by --speed', { timeout: 120_000 }, async (t) => {
  const b = await startBroker(t);
  const dir = tempDir(t);
  const { writeFileSync } = await import('node:fs');
  const csv = `${dir}/trades.csv`;
  const base = Date.UTC(2026, 10, 25, 14, 30);
  writeFileSync(csv, 'ticker,px,ts\n' + Array.from({ length: 5 }, (_, i) => `${i % 2 ? 'MSFT' : 'AAPL'},${100 + i},${new Date(base + i * 500).toISOString()}`).join('\n') + '\n');
  await kappa(b, ['topics', 'create', 'replayed', '--partitions', '1']);
  const started = Date.now();
  const out = await kappa(b, ['source', 'replay', csv, '--topic', 'replayed', '--key', 'symbol', '--time-field', 'ts', '--map', 'symbol=ticker', '--map', 'latestPrice=px', '--speed', '10']);
  const elapsed = Date.now() - started;
  assert.match(out.stderr, /Replayed 5 record\(s\)/);
  // 2 s of event time at 10x: about 200 ms of pacing on top of start-up.
  assert.ok(elapsed >= 200, `paced (${elapsed} ms)`);
  const consumed = await kappa(b, ['consume', 'replayed', '--from-beginning', '--max-messages', '5', '--format', 'json', '--no-registry']);
  const records = consumed.stdout.trim().split('\n').map((l) => JSON.parse(l) as { key: string; value: string; timestamp: number });
  assert.deepEqual(records.map((r) => [r.key, JSON.parse(r.value) as unknown, r.timestamp]), Array.from({ length: 5 }, (_, i) => {
    const symbol = i % 2 ? 'MSFT' : 'AAPL';
    return [symbol, { symbol, latestPrice: 100 + i }, base + i * 500];
  }));
});
