// A client of any Confluent-compatible schema registry (Kappa's or Confluent's) over its REST API,
// with the caches serialisers need: schema by id (immutable, cached forever) and id by subject+schema.
import { RegistryError } from './registry.js';

export interface RegisteredSchema {
  id: number;
  schema: string;
  schemaType: string;
}

export class RegistryClient {
  private readonly byId = new Map<number, Promise<RegisteredSchema>>();
  private readonly idBySubjectSchema = new Map<string, Promise<number>>();

  constructor(readonly url: string) {
    this.url = url.replace(/\/+$/, '');
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(this.url + path, {
      method,
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json', accept: 'application/vnd.schemaregistry.v1+json, application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = text === '' ? null : JSON.parse(text);
    } catch {
      throw new RegistryError(res.status, res.status, `${method} ${path}: not JSON: ${text.slice(0, 200)}`);
    }
    if (!res.ok) {
      const e = json as { error_code?: number; message?: string } | null;
      throw new RegistryError(res.status, e?.error_code ?? res.status, e?.message ?? `${method} ${path}: HTTP ${res.status}`);
    }
    return json as T;
  }

  /** Registers (or finds) a schema under a subject; returns its global id. */
  register(subject: string, schema: string, schemaType = 'AVRO'): Promise<number> {
    const key = `${subject}\u0000${schemaType}\u0000${schema}`;
    let p = this.idBySubjectSchema.get(key);
    if (!p) {
      const body: Record<string, unknown> = { schema };
      if (schemaType !== 'AVRO') body['schemaType'] = schemaType;
      p = this.call<{ id: number }>('POST', `/subjects/${encodeURIComponent(subject)}/versions`, body).then((r) => r.id);
      p.catch(() => this.idBySubjectSchema.delete(key));
      this.idBySubjectSchema.set(key, p);
    }
    return p;
  }

  schemaById(id: number): Promise<RegisteredSchema> {
    let p = this.byId.get(id);
    if (!p) {
      p = this.call<{ schema: string; schemaType?: string }>('GET', `/schemas/ids/${id}`).then((r) => ({ id, schema: r.schema, schemaType: r.schemaType ?? 'AVRO' }));
      p.catch(() => this.byId.delete(id));
      this.byId.set(id, p);
    }
    return p;
  }

  latest(subject: string): Promise<{ id: number; version: number; schema: string }> {
    return this.call('GET', `/subjects/${encodeURIComponent(subject)}/versions/latest`);
  }
}
