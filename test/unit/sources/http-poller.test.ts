// The quote poller against a local HTTP server playing an IEX-Cloud-style API: batch and single
// endpoints, the token, mapping to the Avro Quote, unchanged quotes dropped, 429/5xx backed off with
// jitter (and Retry-After honoured), malformed answers and quotes reported without stopping.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import avro from 'avsc';
import { QuotePoller } from '../../../src/sources/http-poller.js';
import { QUOTE_SCHEMA, type Quote } from '../../../src/sources/quote.js';

type Reply = (req: IncomingMessage, res: ServerResponse) => void;

async function api(t: TestContext, replies: Reply[]): Promise<{ url: string; requests: string[] }> {
  const requests: string[] = [];
  let i = 0;
  const server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const reply = replies[Math.min(i++, replies.length - 1)]!;
    reply(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, requests };
}

const quote = (symbol: string, price: number, update: number) => ({
  symbol, companyName: `${symbol} Inc.`, primaryExchange: 'NASDAQ', calculationPrice: 'tops', latestPrice: price, latestUpdate: update,
  latestVolume: 100, volume: 1000, iexBidPrice: price - 0.01, iexAskPrice: price + 0.01, previousClose: price - 1, change: 1, isUSMarketOpen: true,
});
const json = (body: unknown, status = 200, headers: Record<string, string> = {}): Reply => (_req, res) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
};

test('batch endpoint: quotes mapped to the Avro Quote, unchanged ones dropped, token sent', async (t) => {
  const batch1 = { AAPL: { quote: quote('AAPL', 230, 1000) }, MSFT: { quote: quote('MSFT', 420, 1000) } };
  const batch2 = { AAPL: { quote: quote('AAPL', 230, 1000) }, MSFT: { quote: quote('MSFT', 421, 2000) } };
  const { url, requests } = await api(t, [json(batch1), json(batch2)]);
  const delivered: Quote[] = [];
  const poller = new QuotePoller({ baseUrl: url, symbols: ['AAPL', 'MSFT'], token: 'pk_test', intervalMs: 10, onQuotes: async (q) => void delivered.push(...q) });
  assert.equal((await poller.pollOnce()).quotes.length, 2);
  assert.equal((await poller.pollOnce()).quotes.length, 1, 'AAPL did not change');
  assert.deepEqual(delivered.map((q) => [q.symbol, q.latestPrice]), [['AAPL', 230], ['MSFT', 420], ['MSFT', 421]]);
  assert.equal(requests[0], '/v1/stock/market/batch?symbols=AAPL,MSFT&types=quote&token=pk_test');
  // Every delivered quote is a valid Avro Quote (nullable fields the API left out are null).
  const type = avro.Type.forSchema(QUOTE_SCHEMA as unknown as avro.Schema);
  for (const q of delivered) assert.ok(type.isValid(q), JSON.stringify(q));
  assert.equal(delivered[0]!.open, null);
});

test('single symbol endpoint', async (t) => {
  const { url, requests } = await api(t, [json(quote('NVDA', 180, 5))]);
  const poller = new QuotePoller({ baseUrl: url, symbols: ['NVDA'], intervalMs: 10, onQuotes: async () => {} });
  assert.deepEqual((await poller.pollOnce()).quotes.map((q) => q.symbol), ['NVDA']);
  assert.equal(requests[0], '/v1/stock/NVDA/quote');
});

test('429 and 5xx back off exponentially with jitter, Retry-After wins, success resets', async (t) => {
  const { url } = await api(t, [json('slow down', 429), json('oops', 503), json('oops', 500), json('later', 429, { 'retry-after': '7' }), json({ A: { quote: quote('A', 1, 1) } }), json('oops', 500)]);
  const problems: string[] = [];
  const random = () => 0.5; // jitter factor 1.0
  const poller = new QuotePoller({ baseUrl: url, symbols: ['A', 'B'], intervalMs: 50, backoffMs: 100, maxBackoffMs: 300, random, onQuotes: async () => {}, onProblem: (m) => problems.push(m) });
  const delays: number[] = [];
  for (let i = 0; i < 6; i++) delays.push((await poller.pollOnce()).nextDelayMs);
  assert.deepEqual(delays, [100, 200, 300, 7000, 50, 100], 'doubling to the cap; Retry-After; reset after a success');
  assert.equal(problems.filter((p) => /backing off/.test(p)).length, 5);
  // Jitter spreads the delay over ±50 %.
  const spread = new QuotePoller({ baseUrl: url, symbols: ['A', 'B'], intervalMs: 50, backoffMs: 1000, random: () => 0, onQuotes: async () => {} });
  assert.equal((spread as unknown as { backoff(r: null): number }).backoff(null), 500);
});

test('malformed answers and quotes are reported and skipped; polling goes on', async (t) => {
  const { url } = await api(t, [
    json('{not json'),
    json({ A: { quote: { symbol: 'A', latestUpdate: 1 } }, B: { quote: quote('B', 2, 1) } }),
    json('forbidden', 403),
    json({ A: { quote: quote('A', 1, 2) } }),
  ]);
  const problems: string[] = [];
  const delivered: string[] = [];
  const poller = new QuotePoller({ baseUrl: url, symbols: ['A', 'B'], intervalMs: 5, onQuotes: async (q) => void delivered.push(...q.map((x) => x.symbol)), onProblem: (m) => problems.push(m) });
  const done = poller.run();
  const deadline = Date.now() + 5000;
  while (delivered.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  poller.stop();
  await done;
  assert.deepEqual(delivered, ['B', 'A']);
  assert.ok(problems.some((p) => /malformed response/.test(p)), problems.join('; '));
  assert.ok(problems.some((p) => /A: no latestPrice/.test(p)), problems.join('; '));
  assert.ok(problems.some((p) => /HTTP 403/.test(p)), problems.join('; '));
});
