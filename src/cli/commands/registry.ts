// `kappa registry`: the schema registry's REST API over a `_schemas` topic of any Kafka cluster.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRegistryServer } from '../../registry/http-server.js';
import { KafkaRegistryLog } from '../../registry/kafka-log.js';
import { SchemaRegistry } from '../../registry/registry.js';
import { SchemaStore } from '../../registry/schema-store.js';
import type { Io } from '../output.js';
import { waitForShutdownSignal } from './broker.js';

export interface RunningRegistry {
  url: string;
  close(): Promise<void>;
}

export async function startRegistry(opts: { host: string; port: number; bootstrapServer: string; topic?: string }, io: Io): Promise<RunningRegistry> {
  const store = new SchemaStore();
  const log = (line: string) => io.stderr.write(`[registry] ${line}\n`);
  const kafkaLog = await KafkaRegistryLog.open(store, { bootstrapServers: opts.bootstrapServer, ...(opts.topic ? { topic: opts.topic } : {}), log });
  const server: Server = createRegistryServer(new SchemaRegistry(store, kafkaLog), log);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port, opts.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await kafkaLog.close();
    throw err;
  }
  const url = `http://${opts.host === '0.0.0.0' ? '127.0.0.1' : opts.host}:${(server.address() as AddressInfo).port}`;
  io.stdout.write(`Kappa schema registry listening on ${url}\n`);
  return {
    url,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await kafkaLog.close();
    },
  };
}

export async function runRegistry(opts: { host: string; port: number; bootstrapServer: string; topic: string }, io: Io): Promise<number> {
  const registry = await startRegistry(opts, io);
  const signal = await waitForShutdownSignal();
  io.stderr.write(`${signal}: shutting down\n`);
  await registry.close();
  return 0;
}
