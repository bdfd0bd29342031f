// `kappa topics …`: thin wrappers over the client's Admin that format results for people (tables)
// or programs (--json).
import { KafkaClient } from '../../client/kafka-client.js';
import type { Admin, ConfigChange, ConfigEntry } from '../../client/admin.js';
import { UnsupportedVersionError } from '../../client/errors.js';
import { table, useColour, type Io } from '../output.js';
import type { ClientOptions } from '../args.js';

export async function withAdmin<T>(client: ClientOptions, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const kafka = new KafkaClient({ bootstrapServers: client.bootstrapServer, clientId: 'kappa-cli', retries: 4 });
  try {
    return await fn(kafka.admin());
  } finally {
    await kafka.close();
  }
}

function json(io: Io, value: unknown): void {
  io.stdout.write(JSON.stringify(value) + '\n');
}

export async function topicsCreate(
  opts: { client: ClientOptions; name: string; partitions?: number; replicationFactor?: number; configs: Record<string, string> },
  io: Io,
): Promise<number> {
  const [created] = await withAdmin(opts.client, (admin) =>
    admin.createTopics([{ name: opts.name, partitions: opts.partitions ?? -1, replicationFactor: opts.replicationFactor ?? -1, configs: opts.configs }]),
  );
  if (opts.client.json) json(io, created);
  else io.stdout.write(`Created topic ${opts.name}${created && created.partitions > 0 ? ` with ${created.partitions} partition(s)` : ''}.\n`);
  return 0;
}

export async function topicsList(opts: { client: ClientOptions }, io: Io): Promise<number> {
  const names = await withAdmin(opts.client, (admin) => admin.listTopics());
  if (opts.client.json) json(io, names);
  else io.stdout.write(names.map((n) => `${n}\n`).join(''));
  return 0;
}

export interface TopicDescription {
  name: string;
  topicId: string;
  partitions: Array<{ partition: number; leader: number; replicas: number[]; isr: number[]; earliestOffset: number; latestOffset: number }>;
  /** Null when the broker does not support DescribeConfigs. */
  configs: ConfigEntry[] | null;
}

/** Everything `topics describe` shows, usable from code. */
export async function describeTopic(admin: Admin, name: string): Promise<TopicDescription> {
  const [info] = await admin.describeTopics([name]);
  const [earliest, latest] = await Promise.all([admin.listOffsets(name, 'earliest'), admin.listOffsets(name, 'latest')]);
  let configs: ConfigEntry[] | null = null;
  try {
    configs = await admin.describeConfigs('topic', name);
  } catch (err) {
    if (!(err instanceof UnsupportedVersionError)) throw err;
  }
  return {
    name,
    topicId: info!.topicId,
    partitions: info!.partitions.map((p) => ({
      partition: p.partition,
      leader: p.leader,
      replicas: p.replicas,
      isr: p.isr,
      earliestOffset: earliest.find((o) => o.partition === p.partition)?.offset ?? -1,
      latestOffset: latest.find((o) => o.partition === p.partition)?.offset ?? -1,
    })),
    configs,
  };
}

export async function topicsDescribe(opts: { client: ClientOptions; name: string }, io: Io): Promise<number> {
  const d = await withAdmin(opts.client, (admin) => describeTopic(admin, opts.name));
  if (opts.client.json) {
    json(io, d);
    return 0;
  }
  const colour = useColour(io.stdout, io.env);
  io.stdout.write(`Topic: ${d.name}  Partitions: ${d.partitions.length}${d.topicId && !/^0{8}-/.test(d.topicId) ? `  Id: ${d.topicId}` : ''}\n\n`);
  io.stdout.write(
    table(
      ['PARTITION', 'LEADER', 'REPLICAS', 'ISR', 'EARLIEST', 'LATEST'],
      d.partitions.map((p) => [p.partition, p.leader, p.replicas.join(','), p.isr.join(','), p.earliestOffset, p.latestOffset]),
      colour,
    ),
  );
  if (d.configs === null) {
    io.stdout.write('\n(configs unavailable: the broker does not support DescribeConfigs)\n');
  } else {
    const overrides = d.configs.filter((c) => !c.isDefault);
    io.stdout.write('\n');
    if (overrides.length === 0) io.stdout.write('Configs: all defaults\n');
    else io.stdout.write(table(['CONFIG', 'VALUE'], overrides.map((c) => [c.name, c.isSensitive ? '(sensitive)' : c.value ?? '(null)']), colour));
  }
  return 0;
}

export async function topicsDelete(opts: { client: ClientOptions; name: string }, io: Io): Promise<number> {
  await withAdmin(opts.client, (admin) => admin.deleteTopics([opts.name]));
  if (opts.client.json) json(io, { deleted: opts.name });
  else io.stdout.write(`Deleted topic ${opts.name}.\n`);
  return 0;
}

export async function topicsAlter(
  opts: { client: ClientOptions; name: string; partitions?: number; configs: Record<string, string>; deleteConfigs: string[] },
  io: Io,
): Promise<number> {
  const changes: ConfigChange[] = [
    ...Object.entries(opts.configs).map(([name, value]): ConfigChange => ({ name, op: 'set', value })),
    ...opts.deleteConfigs.map((name): ConfigChange => ({ name, op: 'delete' })),
  ];
  await withAdmin(opts.client, async (admin) => {
    if (opts.partitions !== undefined) await admin.createPartitions(opts.name, opts.partitions);
    if (changes.length > 0) await admin.alterConfigs('topic', opts.name, changes);
  });
  const done = [
    ...(opts.partitions !== undefined ? [`partitions → ${opts.partitions}`] : []),
    ...Object.entries(opts.configs).map(([k, v]) => `${k}=${v}`),
    ...opts.deleteConfigs.map((k) => `${k} removed`),
  ];
  if (opts.client.json) json(io, { topic: opts.name, partitions: opts.partitions ?? null, set: opts.configs, deleted: opts.deleteConfigs });
  else io.stdout.write(`Altered topic ${opts.name}: ${done.join(', ')}.\n`);
  return 0;
}

export async function topicsDeleteRecords(opts: { client: ClientOptions; name: string; partition?: number; beforeOffset: number }, io: Io): Promise<number> {
  const result = await withAdmin(opts.client, async (admin) => {
    const partitions = opts.partition !== undefined ? [opts.partition] : (await admin.describeTopics([opts.name]))[0]!.partitions.map((p) => p.partition);
    return admin.deleteRecords(opts.name, partitions.map((partition) => ({ partition, offset: opts.beforeOffset })));
  });
  if (opts.client.json) json(io, result);
  else io.stdout.write(table(['PARTITION', 'LOW-WATERMARK'], result.map((r) => [r.partition, r.lowWatermark]), useColour(io.stdout, io.env)));
  return 0;
}
