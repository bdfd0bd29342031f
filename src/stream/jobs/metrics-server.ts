// A job's metrics over HTTP as JSON, for the console and `kappa job status`: GET /metrics answers
// the current counters plus per-operator rates over the last second. The server samples the counters
// itself once a second, so the first reader already sees a rate and several readers see the same one.
import { createServer, type Server } from 'node:http';
import type { JobMetrics } from '../runtime/metrics.js';

export interface MetricsView extends JobMetrics {
  state: string;
  uptimeMs: number;
  rates: Record<string, { recordsInPerSec: number; recordsOutPerSec: number }>;
}

/** `sample` reads the counters rates are computed from (default `read`); it runs every second, so keep it cheap. */
export function metricsServer(read: () => JobMetrics | null, state: () => string, sample: () => JobMetrics | null = read): Server {
  const started = Date.now();
  let previous: JobMetrics | null = null;
  let rates: MetricsView['rates'] = {};
  const tick = () => {
    const now = sample();
    if (!now) return;
    if (previous && now.at > previous.at) rates = ratesBetween(previous, now);
    previous = now;
  };
  const sampler = setInterval(tick, 1000);
  sampler.unref();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    res.setHeader('content-type', 'application/json');
    res.setHeader('access-control-allow-origin', '*');
    if (req.method !== 'GET' || (url.pathname !== '/metrics' && url.pathname !== '/')) {
      res.statusCode = 404;
      res.end(JSON.stringify({ error_code: 404, message: `no route ${req.method} ${url.pathname}: try GET /metrics` }));
      return;
    }
    const now = read();
    const view = { ...(now ?? { applicationId: '', at: Date.now(), operators: [], tasks: [] }), state: state(), uptimeMs: Date.now() - started, rates };
    res.end(JSON.stringify(view));
  });
  server.on('close', () => clearInterval(sampler));
  return server;
}

function ratesBetween(before: JobMetrics, now: JobMetrics): MetricsView['rates'] {
  const secs = (now.at - before.at) / 1000;
  const rates: MetricsView['rates'] = {};
  for (const op of now.operators) {
    const prev = before.operators.find((o) => o.name === op.name);
    rates[op.name] = {
      recordsInPerSec: Math.round((op.recordsIn - (prev?.recordsIn ?? 0)) / secs),
      recordsOutPerSec: Math.round((op.recordsOut - (prev?.recordsOut ?? 0)) / secs),
    };
  }
  return rates;
}
