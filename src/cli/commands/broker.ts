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

export async function runUp(options: RunBrokerOptions, io: Io): Promise<number> {
  const server = await startBroker(options, io);
  const bootstrap = `${server.host === '0.0.0.0' ? '127.0.0.1' : server.host}:${server.port}`;
  io.stdout.write(
    [
      '',
      'Kappa is up. Components:',
      `  broker (Kafka protocol)   bootstrap server ${bootstrap}`,
      '',
      'Try:',
      `  kappa topics create demo --partitions 3 --bootstrap-server ${bootstrap}`,
      `  seq 10 | kappa produce demo --bootstrap-server ${bootstrap}`,
      `  kappa consume demo --from-beginning --bootstrap-server ${bootstrap}`,
      `  kcat -b ${bootstrap} -L`,
      '',
      'Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
  const signal = await waitForShutdownSignal();
  io.stderr.write(`${signal}: shutting down\n`);
  await server.close();
  return 0;
}
