// A RegistryLog that applies records at once, for tests and for a registry that needs no durability.
import type { RegistryLog } from './registry.js';
import type { RegistryRecord, SchemaStore } from './schema-store.js';

export class MemoryRegistryLog implements RegistryLog {
  readonly records: RegistryRecord[] = [];
  constructor(private readonly store: SchemaStore) {}
  async append(records: RegistryRecord[]): Promise<void> {
    for (const r of records) {
      this.records.push(r);
      this.store.apply(r);
    }
  }
}
