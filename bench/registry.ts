// npm run bench:registry — the schema registry and the quote feed, end to end on one machine:
//  1. registry lookups/s over HTTP with keep-alive (GET /schemas/ids/{id}, the serializers' hot call,
//     and POST /subjects/{s} lookups, which parse and normalise the schema), 16 requests in flight;
//  2. registrations/s (each a new version under BACKWARD: compatibility check + acks=all write to
//     _schemas read back);
//  3. the market simulator through `kappa source quotes` (Avro via the registry, idempotent acks=all
//     producer) at an unbounded rate: quotes/s acknowledged.
// A broker and a registry run as child processes on fresh data dirs.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kappaBin as kappa, startBroker } from './broker-process.js';
import { Agent, request } from 'node:http';


function start(args: string[], ready: RegExp): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  const child = spawn(process.execPath, [kappa, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = ready.exec(out);
      if (m) resolve({ child, match: m });
    });
    child.once('exit', (code) => reject(new Error(`kappa ${args[0]} exited ${code}: ${out}`)));
  });
}

// A keep-alive agent: the client side of 16 requests in flight stays cheap (undici's fetch costs ~3x here).
const agent = new Agent({ keepAlive: true, maxSockets: 16 });

function call(url: string, method: string, body?: unknown): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers = { 'content-type': 'application/vnd.schemaregistry.v1+json', ...(payload ? { 'content-length': String(Buffer.byteLength(payload)) } : {}) };
    const req = request(url, { method, agent, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

async function rate(label: string, total: number, inFlight: number, one: (i: number) => Promise<void>): Promise<number> {
  const started = process.hrtime.bigint();
  let next = 0;
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (next < total) await one(next++);
  }));
  const secs = Number(process.hrtime.bigint() - started) / 1e9;
  const r = total / secs;
  console.log(`  ${label}: ${Math.round(r).toLocaleString('en-US')}/s (${total} in ${secs.toFixed(2)} s)`);
  return r;
}

const schema = (fields: number) => JSON.stringify({ type: 'record', name: 'Bench', fields: Array.from({ length: fields }, (_, i) => ({ name: `f${i}`, type: 'double', default: 0 })) });

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kappa-bench-registry-'));
  const children: ChildProcess[] = [];
  let brokerStop: (() => Promise<void>) | null = null;
  try {
    const broker = await startBroker(join(dir, 'data'));
    const bootstrap = broker.bootstrap;
    brokerStop = broker.stop;
    const registry = await start(['registry', '--port', '0', '--bootstrap-server', bootstrap], /listening on (http:\/\/\S+)/);
    children.push(registry.child);
    const url = registry.match[1]!;
    console.log(`broker ${bootstrap}, registry ${url}`);

    const registrations = await rate('registrations (new versions, BACKWARD checks, acks=all)', 200, 1, async (i) => {
      const r = await call(`${url}/subjects/bench-value/versions`, 'POST', { schema: schema(i + 1) });
      if (r.status !== 200) throw new Error(`register: ${r.status} ${r.text}`);
    });
    const byId = await rate('GET /schemas/ids/{id}', 50_000, 16, async (i) => {
      const r = await call(`${url}/schemas/ids/${(i % 200) + 1}`, 'GET');
      if (r.status !== 200) throw new Error(`get: ${r.status}`);
    });
    const lookups = await rate('POST /subjects/{s} (lookup)', 10_000, 16, async (i) => {
      const r = await call(`${url}/subjects/bench-value`, 'POST', { schema: schema((i % 200) + 1) });
      if (r.status !== 200) throw new Error(`lookup: ${r.status} ${r.text}`);
    });

    const quotes = 200_000;
    const started = Date.now();
    const feed = spawn(process.execPath, [kappa, 'source', 'quotes', '--rate', '10000000', '--limit', String(quotes), '--top', '100', '--registry', url, '--bootstrap-server', bootstrap, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const code = await new Promise<number | null>((resolve) => feed.once('exit', resolve));
    if (code !== 0) throw new Error(`kappa source quotes exited ${code}`);
    const feedRate = quotes / ((Date.now() - started) / 1000);
    console.log(`  simulator -> Avro -> idempotent acks=all producer: ${Math.round(feedRate).toLocaleString('en-US')} quotes/s (${quotes}, process start included)`);

    console.log('\n| what | per second |\n|---|---|');
    console.log(`| registrations (new version, compatibility check, acks=all) | ${Math.round(registrations).toLocaleString('en-US')} |`);
    console.log(`| GET /schemas/ids/{id} (16 in flight) | ${Math.round(byId).toLocaleString('en-US')} |`);
    console.log(`| POST /subjects/{s} lookup (16 in flight) | ${Math.round(lookups).toLocaleString('en-US')} |`);
    console.log(`| kappa source quotes (Avro, idempotent acks=all) | ${Math.round(feedRate).toLocaleString('en-US')} |`);
  } finally {
    agent.destroy();
    for (const c of children.reverse()) c.kill('SIGTERM');
    await brokerStop?.();
    await new Promise((r) => setTimeout(r, 500));
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
