// The broker process's front door: opens the data directory, then accepts Kafka-protocol
// connections. `BrokerServer.start` is what `kappa broker` and `kappa up` call, and what tests use
// in-process.
import { createServer, type Server, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { Broker } from './broker.js';
import { parseBrokerConfig, parseProperties } from './broker-config.js';
import { Connection } from './connection.js';
import { LogManager } from './log/log-manager.js';

export { loadBrokerConfigFile } from './broker-config.js';

export interface BrokerOptions {
  host: string;
  port: number;
  dataDir: string;
  /** server.properties-style keys (num.partitions, log.retention.ms, …). */
  config?: Record<string, string>;
  /** The host clients are told to connect to; defaults to the listen host (127.0.0.1 for 0.0.0.0). */
  advertisedHost?: string;
  log?: (line: string) => void;
}

/** Kafka keeps the cluster id in meta.properties; so do we, so it survives restarts. */
async function loadOrCreateClusterId(dataDir: string, nodeId: number): Promise<string> {
  const path = join(dataDir, 'meta.properties');
  try {
    const props = parseProperties(await readFile(path, 'utf8'));
    if (props['cluster.id']) return props['cluster.id'];
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const clusterId = randomBytes(16).toString('base64url');
  const text = `# Written by Kappa on first start.\nversion=1\ncluster.id=${clusterId}\nnode.id=${nodeId}\n`;
  await writeFile(`${path}.tmp`, text);
  await rename(`${path}.tmp`, path);
  return clusterId;
}

export class BrokerServer {
  private constructor(
    private readonly server: Server,
    readonly broker: Broker,
    readonly host: string,
    readonly port: number,
  ) {}

  static async start(options: BrokerOptions): Promise<BrokerServer> {
    const log = options.log ?? ((line: string) => console.error(`[kappa broker] ${line}`));
    const config = parseBrokerConfig(options.config ?? {});
    await mkdir(options.dataDir, { recursive: true });
    const clusterId = await loadOrCreateClusterId(options.dataDir, config.nodeId);
    const started = Date.now();
    const logs = await LogManager.open(options.dataDir, config.logDefaults, { log });
    const partitions = logs.topics().reduce((n, t) => n + t.partitions.length, 0);
    log(`opened ${logs.topics().length} topic(s), ${partitions} partition(s) in ${Date.now() - started} ms from ${options.dataDir}`);

    const server = createServer({ noDelay: true });
    const identity = { clusterId, host: '', port: 0 };
    const broker = new Broker(config, logs, identity, log);
    await broker.loadTransactions();
    server.on('connection', (socket: Socket) => {
      const c = new Connection(socket, broker);
      broker.connectionOpened(c);
    });
    // A listen error (port in use) must surface as a rejected start, not a crash.
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => log(`server error: ${err.message}`));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : options.port;
    // librdkafka may resolve "localhost" to ::1; advertise a literal IPv4 address by default.
    const listenHost = options.host === '0.0.0.0' || options.host === '::' || options.host === 'localhost' ? '127.0.0.1' : options.host;
    identity.host = options.advertisedHost ?? listenHost;
    identity.port = port;
    logs.start();
    // Loads in the background, as Kafka's coordinator does: group requests answer COORDINATOR_LOAD_IN_PROGRESS until done.
    // Transactions load after the groups: completing a decided transaction settles the groups' pending offsets.
    broker
      .loadGroups()
      .catch((err: unknown) => log(`loading consumer groups failed: ${(err as Error).stack ?? String(err)}`))
      .then(() => broker.transactions.load())
      .then(() => broker.transactions.start())
      .catch((err: unknown) => log(`loading transactions failed: ${(err as Error).stack ?? String(err)}`));
    return new BrokerServer(server, broker, options.host, port);
  }

  /** Stops accepting, drops connections, and closes every log cleanly (flush + clean-shutdown marker). */
  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.broker.closeAllConnections();
    });
    this.broker.stopGroups();
    await this.broker.logs.close();
  }
}
