// The job metrics endpoint samples its own counters, so the first reader already gets a rate.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { metricsServer } from '../../../src/stream/jobs/metrics-server.js';
import type { JobMetrics } from '../../../src/stream/runtime/metrics.js';

test('GET /metrics answers counters and per-operator rates sampled once a second', async () => {
  const t0 = Date.now();
  // 500 records in per second of (real) time, seen through a counter the job would keep.
  const read = (): JobMetrics => {
    const at = Date.now();
    const n = Math.round(((at - t0) / 1000) * 500);
    return { applicationId: 'app', at, operators: [{ name: 'op', recordsIn: n, recordsOut: n * 2, lateDropped: 0, watermark: null }], tasks: [] };
  };
  const server = metricsServer(read, () => 'running');
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
    await new Promise((r) => setTimeout(r, 2300));
    const view = (await (await fetch(url)).json()) as { state: string; operators: Array<{ recordsIn: number }>; rates: Record<string, { recordsInPerSec: number; recordsOutPerSec: number }> };
    assert.equal(view.state, 'running');
    assert.ok(view.operators[0]!.recordsIn >= 1000);
    const rate = view.rates.op!;
    assert.ok(Math.abs(rate.recordsInPerSec - 500) <= 50, `in/s ${rate.recordsInPerSec}`);
    assert.ok(Math.abs(rate.recordsOutPerSec - 1000) <= 100, `out/s ${rate.recordsOutPerSec}`);
    const missing = await fetch(url.replace('/metrics', '/nope'));
    assert.equal(missing.status, 404);
  } finally {
    await new Promise((r) => server.close(r));
  }
});
