// `kappa broker` and `kappa up`: run the embedded components until SIGINT/SIGTERM, then close
// them cleanly (logs flushed, clean-shutdown marker written) and exit 0.
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { BrokerServer, loadBrokerConfigFile } from '../../broker/server.js';
import type { Io } from '../output.js';

export interface RunBrokerOptions {
  host: string;
  port: number;
  dataDir: string;
  configFile?: string;
}

/** Starts a broker and prints the line tests and scripts parse: `Kappa broker listening on HOST:PORT`. */
export async function startBroker(options: RunBrokerOptions, io: Io): Promise<BrokerServer> {
  const dataDir = resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true });
  const config = options.configFile ? loadBrokerConfigFile(options.configFile) : {};
  const server = await BrokerServer.start({
    host: options.host,
    port: options.port,
    dataDir,
    config,
    log: (line) => io.stderr.write(`[broker] ${line}\n`),
  });
  io.stdout.write(`Kappa broker listening on ${server.host}:${server.port}\n`);
  io.stdout.write(`Data directory: ${dataDir}\n`);
  return server;
}

/** Resolves when SIGINT or SIGTERM arrives (the handlers are removed afterwards). */
export function waitForShutdownSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolvePromise) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolvePromise(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

export async function runBroker(options: RunBrokerOptions, io: Io): Promise<number> {
  const server = await startBroker(options, io);
  const signal = await waitForShutdownSignal();
  io.stderr.write(`${signal}: shutting down\n`);
  await server.close();
  return 0;
}

export interface RunUpOptions extends RunBrokerOptions {
  registryPort: number;
  ingestPort: number;
  /** Quotes per second from the simulator; 0 runs none. */
  quoteRate: number;
  /** The job manager's HTTP port; the lab's jobs run unless `jobs` is false. */
  jobsPort: number;
  jobs: boolean;
}

/**
 * The whole lab on embedded defaults: the broker, the schema registry on it, and the market simulator
 * producing Avro quotes to a 4-partition iextrading topic.
 */
export async function runUp(options: RunUpOptions, io: Io): Promise<number> {
  const server = await startBroker(options, io);
  const bootstrap = `${server.host === '0.0.0.0' ? '127.0.0.1' : server.host}:${server.port}`;
  const { startRegistry } = await import('./registry.js');
  const { startQuoteSource } = await import('./source.js');
  const { KafkaClient } = await import('../../client/kafka-client.js');
  const registry = await startRegistry({ host: options.host, port: options.registryPort, bootstrapServer: bootstrap }, io);
  // REST ingest (Confluent REST Proxy's produce call) for producers that cannot speak Kafka.
  const { RestIngest } = await import('../../sources/rest-ingest.js');
  const ingestClient = new KafkaClient({ bootstrapServers: bootstrap, clientId: 'kappa-rest-ingest' });
  const ingest = new RestIngest({ client: ingestClient, registryUrl: registry.url, log: (l) => io.stderr.write(`[ingest] ${l}\n`) });
  const ingestServer = ingest.server();
  await new Promise<void>((resolve, reject) => {
    ingestServer.once('error', reject);
    ingestServer.listen(options.ingestPort, options.host, () => resolve());
  });
  const ingestUrl = `http://${options.host === '0.0.0.0' ? '127.0.0.1' : options.host}:${(ingestServer.address() as { port: number }).port}`;
  let source: { run(): Promise<void>; stop(): Promise<void> } | null = null;
  let sourceDone: Promise<void> = Promise.resolve();
  if (options.quoteRate > 0) {
    // The lab's topic: four partitions, as in the seed.
    const client = new KafkaClient({ bootstrapServers: bootstrap, clientId: 'kappa-up' });
    try {
      await client.admin().createTopics([{ name: 'iextrading', partitions: 4 }]);
    } catch (err) {
      if ((err as { code?: string }).code !== 'TOPIC_ALREADY_EXISTS') throw err;
    } finally {
      await client.close();
    }
    source = startQuoteSource({ client: { bootstrapServer: bootstrap, json: false }, topic: 'iextrading', registryUrl: registry.url, rate: options.quoteRate, top: 20 }, io);
    sourceDone = source.run().catch((err: unknown) => {
      io.stderr.write(`[simulator] stopped: ${(err as Error).message}\n`);
    });
  }
  let jobs: { manager: import('../../stream/jobs/job-manager.js').JobManager; server: import('node:http').Server; url: string } | null = null;
  if (options.jobs) {
    const { JobManager } = await import('../../stream/jobs/job-manager.js');
    const { fileURLToPath } = await import('node:url');
    const manager = new JobManager({ kappaBin: fileURLToPath(new URL('../../../../bin/kappa.js', import.meta.url)), log: (l) => io.stderr.write(`[jobs] ${l}\n`) });
    const server = manager.server();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.jobsPort, options.host, () => resolve());
    });
    const url = `http://${options.host === '0.0.0.0' ? '127.0.0.1' : options.host}:${(server.address() as { port: number }).port}`;
    const common = ['--bootstrap-server', bootstrap, '--registry', registry.url];
    // Stable instance ids: a job restarted by the manager takes over its tasks and transactions at once.
    for (const name of ['quotes-filter', 'quotes-ohlc', 'price-alerts']) manager.add({ name, args: [name, ...common, '--instance-id', `kappa-up-${name}`] });
    jobs = { manager, server, url };
  }
  io.stdout.write(
    [
      '',
      'Kappa is up. Components:',
      `  broker (Kafka protocol)   bootstrap server ${bootstrap}`,
      `  schema registry           ${registry.url}`,
      `  REST ingest (REST Proxy)  ${ingestUrl}/topics/TOPIC`,
      options.quoteRate > 0 ? `  market simulator          ${options.quoteRate} quotes/s of 20 NASDAQ symbols -> topic iextrading (Avro)` : '  market simulator          off (--rate 0)',
      jobs ? `  stream jobs               quotes-filter, quotes-ohlc, price-alerts (job manager ${jobs.url})` : '  stream jobs               off (--no-jobs)',
      '',
      'Try:',
      `  kappa consume iextrading --bootstrap-server ${bootstrap} --registry ${registry.url}`,
      `  curl ${registry.url}/subjects`,
      ...(jobs ? [`  kappa job list --jobs ${jobs.url}`, `  kappa consume quotes_ohlc_10s --bootstrap-server ${bootstrap}`] : []),
      `  kappa topics create demo --partitions 3 --bootstrap-server ${bootstrap}`,
      `  kcat -b ${bootstrap} -L`,
      '',
      'Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
  const signal = await waitForShutdownSignal();
  io.stderr.write(`${signal}: shutting down\n`);
  if (jobs) {
    await jobs.manager.close();
    jobs.server.close();
  }
  await source?.stop();
  await sourceDone;
  await new Promise<void>((resolve) => {
    ingestServer.close(() => resolve());
    ingestServer.closeAllConnections();
  });
  await ingest.close();
  await ingestClient.close();
  await registry.close();
  await server.close();
  return 0;
}
