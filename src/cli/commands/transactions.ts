// `kappa transactions …`: transactional ids and producer state as kafka-transactions.sh shows them —
// list (with state / producer id filters), describe (state, producer, timeout, open partitions) and
// producers (the active producers of partitions, with their open transactions' first offsets).
import type { PartitionProducers, TransactionDescription, TransactionListing } from '../../client/admin.js';
import { table, useColour, type Io } from '../output.js';
import type { ClientOptions } from '../args.js';
import { withAdmin } from './topics.js';

function json(io: Io, value: unknown): void {
  io.stdout.write(JSON.stringify(value) + '\n');
}

/** "orders:0,1 payments:3", or "-" for none. */
export function formatTopicPartitions(topics: { topic: string; partitions: number[] }[]): string {
  return topics.map((t) => `${t.topic}:${t.partitions.join(',')}`).join(' ') || '-';
}

export function transactionsListTable(rows: TransactionListing[], colour = false): string {
  return table(['TRANSACTIONAL ID', 'PRODUCER ID', 'STATE', 'COORDINATOR'], rows.map((t) => [t.transactionalId, t.producerId, t.state, t.coordinatorId]), colour);
}

/** One row per transactional id; the duration counts from `now` for an open transaction. */
export function transactionsDescribeTable(rows: TransactionDescription[], now: number, colour = false): string {
  return table(
    ['TRANSACTIONAL ID', 'STATE', 'PRODUCER ID', 'EPOCH', 'TIMEOUT MS', 'STARTED', 'DURATION MS', 'PARTITIONS'],
    rows.map((d) => [
      d.transactionalId,
      d.state,
      d.producerId,
      d.producerEpoch,
      d.timeoutMs,
      d.startTimeMs >= 0 ? new Date(d.startTimeMs).toISOString() : '-',
      d.startTimeMs >= 0 ? Math.max(0, now - d.startTimeMs) : '-',
      formatTopicPartitions(d.topics),
    ]),
    colour,
  );
}

export function producersTable(rows: PartitionProducers[], colour = false): string {
  return table(
    ['TOPIC', 'PARTITION', 'PRODUCER ID', 'EPOCH', 'LAST SEQUENCE', 'LAST TIMESTAMP', 'COORDINATOR EPOCH', 'TXN START OFFSET'],
    rows.flatMap((p) =>
      p.producers.map((s) => [
        p.topic,
        p.partition,
        s.producerId,
        s.producerEpoch,
        s.lastSequence,
        s.lastTimestamp >= 0 ? new Date(s.lastTimestamp).toISOString() : '-',
        s.coordinatorEpoch,
        s.currentTxnStartOffset >= 0 ? s.currentTxnStartOffset : '-',
      ]),
    ),
    colour,
  );
}

export async function transactionsList(opts: { client: ClientOptions; states: string[]; producerIds: number[] }, io: Io): Promise<number> {
  const rows = await withAdmin(opts.client, (admin) => admin.listTransactions({ states: opts.states, producerIds: opts.producerIds }));
  if (opts.client.json) json(io, rows);
  else io.stdout.write(transactionsListTable(rows, useColour(io.stdout, io.env)));
  return 0;
}

export async function transactionsDescribe(opts: { client: ClientOptions; transactionalIds: string[] }, io: Io): Promise<number> {
  const rows = await withAdmin(opts.client, (admin) => admin.describeTransactions(opts.transactionalIds));
  if (opts.client.json) json(io, rows);
  else io.stdout.write(transactionsDescribeTable(rows, Date.now(), useColour(io.stdout, io.env)));
  return 0;
}

export async function transactionsProducers(opts: { client: ClientOptions; topic: string; partitions?: number[] }, io: Io): Promise<number> {
  const rows = await withAdmin(opts.client, (admin) => admin.describeProducers([{ topic: opts.topic, ...(opts.partitions ? { partitions: opts.partitions } : {}) }]));
  if (opts.client.json) json(io, rows);
  else if (rows.every((p) => p.producers.length === 0)) io.stdout.write(`No active producers on ${opts.topic}${opts.partitions ? `:${opts.partitions.join(',')}` : ''}.\n`);
  else io.stdout.write(producersTable(rows, useColour(io.stdout, io.env)));
  return 0;
}
