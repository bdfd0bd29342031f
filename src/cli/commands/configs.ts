// `kappa configs …`: a topic's or a broker's configs as kafka-configs shows and changes them. On a
// broker (by node id) or on the cluster-wide broker defaults these are Kafka's dynamic broker configs.
import type { ConfigChange, ConfigEntry } from '../../client/admin.js';
import { table, useColour, type Io } from '../output.js';
import type { ClientOptions, ConfigTarget } from '../args.js';
import { withAdmin } from './topics.js';

/** Kafka's ConfigSource names, as kafka-configs prints them. */
export const CONFIG_SOURCE_NAMES: Readonly<Record<number, string>> = {
  0: 'UNKNOWN', 1: 'TOPIC_CONFIG', 2: 'DYNAMIC_BROKER_CONFIG', 3: 'DYNAMIC_DEFAULT_BROKER_CONFIG', 4: 'STATIC_BROKER_CONFIG', 5: 'DEFAULT_CONFIG',
};

const describeTarget = (t: ConfigTarget): string => (t.type === 'topic' ? `topic ${t.name}` : t.name === '' ? 'the cluster-wide broker defaults' : `broker ${t.name}`);

export async function configsDescribe(opts: { client: ClientOptions; target: ConfigTarget; all: boolean }, io: Io): Promise<number> {
  const entries = await withAdmin(opts.client, (admin) => admin.describeConfigs(opts.target.type, opts.target.name));
  const shown = opts.all ? entries : entries.filter((e) => !e.isDefault);
  if (opts.client.json) {
    io.stdout.write(JSON.stringify(shown.map((e: ConfigEntry) => ({ ...e, sourceName: CONFIG_SOURCE_NAMES[e.source] ?? String(e.source) }))) + '\n');
    return 0;
  }
  if (shown.length === 0) {
    io.stdout.write(`No configs other than defaults for ${describeTarget(opts.target)}.\n`);
    return 0;
  }
  io.stdout.write(
    table(
      ['CONFIG', 'VALUE', 'SOURCE', 'READ-ONLY'],
      shown.map((e) => [e.name, e.isSensitive ? '(sensitive)' : e.value ?? '(null)', CONFIG_SOURCE_NAMES[e.source] ?? String(e.source), e.readOnly ? 'yes' : 'no']),
      useColour(io.stdout, io.env),
    ),
  );
  return 0;
}

export async function configsAlter(opts: { client: ClientOptions; target: ConfigTarget; configs: Record<string, string>; deleteConfigs: string[] }, io: Io): Promise<number> {
  const changes: ConfigChange[] = [
    ...Object.entries(opts.configs).map(([name, value]): ConfigChange => ({ name, op: 'set', value })),
    ...opts.deleteConfigs.map((name): ConfigChange => ({ name, op: 'delete' })),
  ];
  await withAdmin(opts.client, (admin) => admin.alterConfigs(opts.target.type, opts.target.name, changes));
  if (opts.client.json) {
    io.stdout.write(JSON.stringify({ type: opts.target.type, name: opts.target.name, set: opts.configs, deleted: opts.deleteConfigs }) + '\n');
    return 0;
  }
  const done = [...Object.entries(opts.configs).map(([k, v]) => `${k}=${v}`), ...opts.deleteConfigs.map((k) => `${k} removed`)];
  io.stdout.write(`Altered ${describeTarget(opts.target)}: ${done.join(', ')}.\n`);
  return 0;
}
