// The registry's REST API: Confluent Schema Registry's routes, JSON shapes, status codes and error
// bodies ({"error_code": 40401, "message": "..."}), content types application/vnd.schemaregistry.v1+json
// and application/json, CORS for browser UIs. A route it does not serve answers 404 with Confluent's
// body (newer clients probe endpoints such as /associations and fall back on 404).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readJsonBody } from './json-body.js';
import { RegistryError, SCHEMA_TYPES, type SchemaInput, type SchemaRegistry } from './registry.js';

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';
const MAX_BODY_BYTES = 16 * 1024 * 1024;

type Handler = (req: { params: string[]; query: URLSearchParams; body: unknown }) => unknown | Promise<unknown>;

interface Route {
  method: string;
  pattern: RegExp;
  handler: Handler;
}

const flag = (q: URLSearchParams, name: string): boolean => q.get(name) === 'true';

function schemaInput(body: unknown): SchemaInput {
  if (!body || typeof body !== 'object' || typeof (body as { schema?: unknown }).schema !== 'string') {
    throw new RegistryError(422, 42201, 'Invalid schema: the body must be a JSON object with a "schema" string');
  }
  return body as SchemaInput;
}

function routes(r: SchemaRegistry): Route[] {
  const subject = '([^/]+)';
  const version = '([^/]+)';
  const route = (method: string, path: string, handler: Handler): Route => ({ method, pattern: new RegExp(`^${path}/?$`), handler });
  return [
    route('GET', '', () => ({})),
    route('GET', '/schemas/types', () => [...SCHEMA_TYPES]),
    route('GET', '/schemas/ids/(\\d+)', ({ params }) => r.schemaById(Number(params[0]))),
    route('GET', '/schemas/ids/(\\d+)/schema', ({ params }) => JSON.parse(r.schemaById(Number(params[0])).schema) as unknown),
    route('GET', '/schemas/ids/(\\d+)/versions', ({ params, query }) => r.versionsOfId(Number(params[0]), flag(query, 'deleted'))),
    route('GET', '/schemas/ids/(\\d+)/subjects', ({ params, query }) => [...new Set(r.versionsOfId(Number(params[0]), flag(query, 'deleted')).map((v) => v.subject))]),
    route('GET', '/subjects', ({ query }) => r.subjects(flag(query, 'deleted'))),
    route('GET', `/subjects/${subject}/versions`, ({ params, query }) => r.versionNumbers(params[0]!, flag(query, 'deleted'))),
    route('POST', `/subjects/${subject}/versions`, async ({ params, body }) => r.register(params[0]!, schemaInput(body))),
    route('GET', `/subjects/${subject}/versions/${version}`, ({ params, query }) => r.version(params[0]!, params[1]!, flag(query, 'deleted'))),
    route('GET', `/subjects/${subject}/versions/${version}/schema`, ({ params }) => JSON.parse(r.version(params[0]!, params[1]!).schema) as unknown),
    route('GET', `/subjects/${subject}/versions/${version}/referencedby`, ({ params }) => {
      const v = r.version(params[0]!, params[1]!);
      return r.store.referencing(v.subject, v.version);
    }),
    route('DELETE', `/subjects/${subject}/versions/${version}`, ({ params, query }) => r.deleteVersion(params[0]!, params[1]!, flag(query, 'permanent'))),
    route('POST', `/subjects/${subject}`, ({ params, body, query }) => r.lookup(params[0]!, schemaInput(body), flag(query, 'deleted'))),
    route('DELETE', `/subjects/${subject}`, ({ params, query }) => r.deleteSubject(params[0]!, flag(query, 'permanent'))),
    route('POST', `/compatibility/subjects/${subject}/versions/${version}`, ({ params, body, query }) => answerCompatibility(r.testCompatibility(params[0]!, params[1]!, schemaInput(body)), query)),
    route('POST', `/compatibility/subjects/${subject}/versions`, ({ params, body, query }) => answerCompatibility(r.testCompatibility(params[0]!, null, schemaInput(body)), query)),
    route('GET', '/config', () => ({ compatibilityLevel: r.store.globalCompatibility })),
    route('PUT', '/config', async ({ body }) => ({ compatibility: await r.setCompatibility(null, (body as { compatibility?: string })?.compatibility ?? '') })),
    route('DELETE', '/config', async () => ({ compatibilityLevel: await r.deleteCompatibility(null) })),
    route('GET', `/config/${subject}`, ({ params, query }) => {
      const level = r.store.subjectCompatibility(params[0]!);
      if (level) return { compatibilityLevel: level };
      if (flag(query, 'defaultToGlobal')) return { compatibilityLevel: r.store.globalCompatibility };
      throw new RegistryError(404, 40408, `Subject '${params[0]}' does not have subject-level compatibility configured`);
    }),
    route('PUT', `/config/${subject}`, async ({ params, body }) => ({ compatibility: await r.setCompatibility(params[0]!, (body as { compatibility?: string })?.compatibility ?? '') })),
    route('DELETE', `/config/${subject}`, async ({ params }) => ({ compatibilityLevel: await r.deleteCompatibility(params[0]!) })),
    route('GET', '/mode', () => ({ mode: r.store.globalMode })),
    route('PUT', '/mode', async ({ body }) => ({ mode: await r.setMode(null, (body as { mode?: string })?.mode ?? '') })),
    route('GET', `/mode/${subject}`, ({ params, query }) => {
      const mode = r.store.subjectModeOf(params[0]!);
      if (mode) return { mode };
      if (flag(query, 'defaultToGlobal')) return { mode: r.store.globalMode };
      throw new RegistryError(404, 40409, `Subject '${params[0]}' does not have subject-level mode configured`);
    }),
    route('PUT', `/mode/${subject}`, async ({ params, body }) => ({ mode: await r.setMode(params[0]!, (body as { mode?: string })?.mode ?? '') })),
  ];
}

function answerCompatibility(result: { isCompatible: boolean; messages: string[] }, query: URLSearchParams): unknown {
  return flag(query, 'verbose') ? { is_compatible: result.isCompatible, messages: result.messages } : { is_compatible: result.isCompatible };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': CONTENT_TYPE, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<unknown> {
  return readJsonBody(req, MAX_BODY_BYTES, {
    tooLarge: () => new RegistryError(413, 413, 'Request body too large'),
    malformed: () => new RegistryError(422, 42201, 'Unrecognized request body: not JSON'),
  });
}

export function createRegistryServer(registry: SchemaRegistry, log: (line: string) => void = () => {}): Server {
  const table = routes(registry);
  return createServer((req, res) => {
    // CORS: browser UIs on other origins (the console) call the registry directly.
    res.setHeader('access-control-allow-origin', req.headers.origin ?? '*');
    res.setHeader('access-control-allow-methods', 'GET, POST, PUT, DELETE, OPTIONS');
    res.setHeader('access-control-allow-headers', req.headers['access-control-request-headers'] ?? 'content-type, accept, authorization');
    if (req.method === 'OPTIONS') {
      res.writeHead(204);
      res.end();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://registry');
    const path = url.pathname.replace(/\/+$/, '');
    let params: string[] = [];
    const match = table.find((r) => {
      if (r.method !== req.method) return false;
      const m = r.pattern.exec(path);
      if (!m) return false;
      params = m.slice(1).map((p) => decodeURIComponent(p));
      return true;
    });
    if (!match) {
      send(res, 404, { error_code: 404, message: 'HTTP 404 Not Found' });
      return;
    }
    void (async () => {
      try {
        const body = req.method === 'POST' || req.method === 'PUT' ? await readBody(req) : undefined;
        send(res, 200, await match.handler({ params, query: url.searchParams, body }));
      } catch (err) {
        if (err instanceof RegistryError) send(res, err.status, { error_code: err.errorCode, message: err.message });
        else {
          log(`registry: ${req.method} ${path} failed: ${(err as Error)?.stack ?? String(err)}`);
          send(res, 500, { error_code: 50001, message: `Error in the backend data store: ${(err as Error)?.message}` });
        }
      }
    })();
  });
}
