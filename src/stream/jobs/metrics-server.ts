// A job's metrics over HTTP as JSON, for the console and `kappa job status`: GET /metrics answers
// the current counters plus per-operator rates over the time since the previous answer (at least one
// second apart, so several readers do not make the rates jumpy).
import { createServer, type Server } from 'node:http';
import type { JobMetrics } from '../runtime/metrics.js';

export interface MetricsView extends JobMetrics {
  state: string;
  uptimeMs: number;
  rates: Record<string, { recordsInPerSec: number; recordsOutPerSec: number }>;
}

export function metricsServer(read: () => JobMetrics | null, state: () => string): Server {
  const started = Date.now();
  let previous: JobMetrics | null = null;
  let rates: MetricsView['rates'] = {};
  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    res.setHeader('content-type', 'application/json');
    res.setHeader('access-control-allow-origin', '*');
    if (req.method !== 'GET' || (url.pathname !== '/metrics' && url.pathname !== '/')) {
      res.statusCode = 404;
      res.end(JSON.stringify({ error_code: 404, message: `no route ${req.method} ${url.pathname}: try GET /metrics` }));
      return;
    }
    const now = read();
    if (now && (!previous || now.at - previous.at >= 1000)) {
      if (previous) {
        const secs = (now.at - previous.at) / 1000;
        rates = {};
        for (const op of now.operators) {
          const before = previous.operators.find((o) => o.name === op.name);
          rates[op.name] = {
            recordsInPerSec: Math.round((op.recordsIn - (before?.recordsIn ?? 0)) / secs),
            recordsOutPerSec: Math.round((op.recordsOut - (before?.recordsOut ?? 0)) / secs),
          };
        }
      }
      previous = now;
    }
    const view = { ...(now ?? { applicationId: '', at: Date.now(), operators: [], tasks: [] }), state: state(), uptimeMs: Date.now() - started, rates };
    res.end(JSON.stringify(view));
  });
}
