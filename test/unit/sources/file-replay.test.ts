// File replay: CSV with quoting and numbers, JSON lines, field mapping, time fields in epoch ms or ISO
// text, bad lines named, and pacing: original gaps divided by the speed factor.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { csvFields, readRecords, replay } from '../../../src/sources/file-replay.js';
import { tempDir } from '../broker/log/batch-helper.js';

async function all(path: string, opts = {}) {
  const out = [];
  for await (const r of readRecords(path, opts)) out.push(r);
  return out;
}

test('CSV: header, quoting, numbers, mapping, time field', async (t) => {
  const path = join(tempDir(t), 'quotes.csv');
  writeFileSync(path, 'symbol,name,price,time\nAAPL,"Apple, Inc.",230.5,2026-11-25T14:30:00Z\r\nMSFT,"Microsoft ""MS""",420,1795617000000\n\n');
  const rows = await all(path, { timeField: 'time', mapping: [['symbol', 'symbol'], ['companyName', 'name'], ['latestPrice', 'price']] });
  assert.deepEqual(rows.map((r) => r.value), [
    { symbol: 'AAPL', companyName: 'Apple, Inc.', latestPrice: 230.5 },
    { symbol: 'MSFT', companyName: 'Microsoft "MS"', latestPrice: 420 },
  ]);
  assert.deepEqual(rows.map((r) => r.timestamp), [Date.UTC(2026, 10, 25, 14, 30), 1795617000000]);
  assert.deepEqual(csvFields('a,"b,c",,"d""e"'), ['a', 'b,c', '', 'd"e']);
});

test('JSON lines; a bad line or time is named', async (t) => {
  const dir = tempDir(t);
  const good = join(dir, 'q.jsonl');
  writeFileSync(good, '{"symbol":"A","t":1}\n{"symbol":"B","t":2}\n');
  assert.deepEqual((await all(good, { timeField: 't' })).map((r) => [r.value['symbol'], r.timestamp]), [['A', 1], ['B', 2]]);
  const bad = join(dir, 'bad.jsonl');
  writeFileSync(bad, '{"symbol":"A","t":1}\n[1,2]\n');
  await assert.rejects(all(bad), /line 2: not a JSON object/);
  const badTime = join(dir, 'bad-time.jsonl');
  writeFileSync(badTime, '{"symbol":"A","t":"soon"}\n');
  await assert.rejects(all(badTime, { timeField: 't' }), /line 1: t is not a time/);
});

test('pacing follows the original gaps divided by the speed; without a speed it does not wait', async (t) => {
  const path = join(tempDir(t), 'paced.jsonl');
  // 0, 1 s and 2 s of event time.
  writeFileSync(path, [0, 1000, 2000].map((ms) => JSON.stringify({ t: 1_700_000_000_000 + ms })).join('\n') + '\n');
  const at: number[] = [];
  const started = Date.now();
  assert.equal(await replay(path, { timeField: 't', speed: 10 }, async () => void at.push(Date.now() - started)), 3);
  assert.ok(at[1]! >= 90 && at[1]! < 400, `second record after ~100 ms (${at[1]})`);
  assert.ok(at[2]! >= 190 && at[2]! < 600, `third after ~200 ms (${at[2]})`);
  const fastStart = Date.now();
  await replay(path, { timeField: 't', speed: null }, async () => {});
  assert.ok(Date.now() - fastStart < 150, 'as fast as possible');
});
