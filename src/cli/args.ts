// argv → a typed command. Only parsing and validation live here (no I/O), so every rule a user
// meets on the command line is unit-testable; main.ts hands the result to the command functions.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { join } from 'node:path';
import type { ProduceOptions } from './commands/produce.js';
import type { ConsumeOptions } from './commands/consume.js';
import type { ResetSpec } from './commands/groups.js';

export class UsageError extends Error {
  override name = 'UsageError';
  constructor(
    message: string,
    /** The command whose help applies, e.g. "topics create". */
    readonly command?: string,
  ) {
    super(message);
  }
}

export interface ClientOptions {
  bootstrapServer: string;
  json: boolean;
}

export type Acks = 0 | 1 | -1;

export const DEFAULT_REGISTRY_PORT = 8081;
export const DEFAULT_QUOTE_RATE = 10;
export const DEFAULT_INGEST_PORT = 8082;
export const DEFAULT_JOBS_PORT = 8083;

export interface ReplaySourceCommand {
  client: ClientOptions;
  topic: string;
  file: string;
  format?: 'csv' | 'jsonl';
  keyField?: string;
  timeField?: string;
  /** null: as fast as possible. */
  speed: number | null;
  mapping: Array<[string, string]>;
  valueSchema?: string;
  registryUrl: string;
}

export interface HttpSourceCommand {
  client: ClientOptions;
  topic: string;
  registryUrl: string | null;
  url: string;
  symbols: string[];
  token?: string;
  intervalMs: number;
}

export interface QuoteSourceCommand {
  client: ClientOptions;
  topic: string;
  /** null: JSON values, no registry. */
  registryUrl: string | null;
  rate: number;
  symbols?: string[];
  top?: number;
  seed?: number;
  speed?: number;
  limit?: number;
  outOfOrder?: number;
  late?: number;
  duplicate?: number;
}
export type Compression = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
export type StartPosition = 'earliest' | 'latest' | { offset: number } | { timestamp: number };

export type Command =
  | { kind: 'help'; text: string }
  | { kind: 'version' }
  | { kind: 'broker'; host: string; port: number; dataDir: string; configFile?: string }
  | { kind: 'up'; host: string; port: number; dataDir: string; registryPort: number; ingestPort: number; quoteRate: number; jobsPort: number; jobs: boolean }
  | { kind: 'registry'; host: string; port: number; bootstrapServer: string; topic: string }
  | { kind: 'source-quotes' } & QuoteSourceCommand
  | { kind: 'source-http' } & HttpSourceCommand
  | { kind: 'source-replay' } & ReplaySourceCommand
  | { kind: 'topics-create'; client: ClientOptions; name: string; partitions?: number; replicationFactor?: number; configs: Record<string, string> }
  | { kind: 'topics-list'; client: ClientOptions }
  | { kind: 'topics-describe'; client: ClientOptions; name: string }
  | { kind: 'topics-delete'; client: ClientOptions; name: string }
  | { kind: 'topics-alter'; client: ClientOptions; name: string; partitions?: number; configs: Record<string, string>; deleteConfigs: string[] }
  | { kind: 'topics-delete-records'; client: ClientOptions; name: string; partition?: number; beforeOffset: number }
  | { kind: 'groups-list'; client: ClientOptions }
  | { kind: 'groups-describe'; client: ClientOptions; group: string }
  | { kind: 'groups-delete'; client: ClientOptions; group: string }
  | { kind: 'groups-reset-offsets'; client: ClientOptions; group: string; topic: string; partitions?: number[]; spec: ResetSpec; execute: boolean }
  | { kind: 'configs-describe'; client: ClientOptions; target: ConfigTarget; all: boolean }
  | { kind: 'configs-alter'; client: ClientOptions; target: ConfigTarget; configs: Record<string, string>; deleteConfigs: string[] }
  | { kind: 'transactions-list'; client: ClientOptions; states: string[]; producerIds: number[] }
  | { kind: 'transactions-describe'; client: ClientOptions; transactionalIds: string[] }
  | { kind: 'transactions-producers'; client: ClientOptions; topic: string; partitions?: number[] }
  | ({ kind: 'produce' } & ProduceOptions)
  | ({ kind: 'consume' } & ConsumeOptions)
  | JobCommand;

export type JobCommand =
  | {
      kind: 'job-run';
      client: ClientOptions;
      /** A job file, or the name of a built-in job. */
      target: string;
      registryUrl: string;
      guarantee: 'exactly_once' | 'at_least_once';
      instanceId?: string;
      commitIntervalMs?: number;
      repartitionPurgeMs?: number;
      metricsPort?: number;
      args: Record<string, string>;
    }
  | { kind: 'job-list'; client: ClientOptions; jobsUrl: string }
  | { kind: 'job-status' | 'job-stop' | 'job-start'; client: ClientOptions; jobsUrl: string; name: string };

/** What `kappa configs` acts on: a topic, a broker by node id, or ("" ) the cluster-wide broker defaults. */
export interface ConfigTarget {
  type: 'topic' | 'broker';
  name: string;
}

/** The transaction states Kafka's coordinator knows (the values of `transactions list --state`). */
export const TRANSACTION_STATES = ['Empty', 'Ongoing', 'PrepareCommit', 'PrepareAbort', 'CompleteCommit', 'CompleteAbort', 'Dead', 'PrepareEpochFence'] as const;

export const DEFAULT_BOOTSTRAP = '127.0.0.1:9092';
export const DEFAULT_PORT = 9092;

/** `$KAPPA_HOME/data`, or `./.kappa/data` relative to the working directory. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  return env.KAPPA_HOME ? join(env.KAPPA_HOME, 'data') : join(cwd, '.kappa', 'data');
}

const CLIENT_OPTIONS_HELP = `  --bootstrap-server HOST:PORT  broker to reach (default ${DEFAULT_BOOTSTRAP})
  --json                        machine-readable output
  -h, --help                    this help`;

export const HELP: Record<string, string> = {
  main: `Usage: kappa <command> [options]

Commands:
  up                     run every embedded component with defaults (broker, registry, ingest, simulator, jobs)
  broker                 run the Kafka-compatible broker
  topics <action>        create | list | describe | delete | alter | delete-records
  groups <action>        list | describe | delete | reset-offsets consumer groups
  configs <action>       describe | alter the configs of a topic or broker (dynamic broker configs)
  transactions <action>  list | describe transactional ids, producers of partitions
  registry               run the schema registry (Confluent-compatible REST API) on a Kafka cluster
  source quotes          produce simulated stock quotes (Avro via the registry) to a topic
  produce TOPIC          write lines from stdin (or --file) as records
  consume TOPIC          print records
  job <action>           run a stream job; list | status | stop | start the jobs kappa up runs

Run "kappa <command> --help" for a command's options.`,
  up: `Usage: kappa up [options]

Runs every embedded component with sensible defaults and prints how to reach them: the broker,
the schema registry, REST ingest, the market simulator producing Avro quotes to the iextrading
topic, and the lab's stream jobs (quotes-filter, quotes-ohlc, price-alerts) under a job manager.

  --host HOST            listen address (default 127.0.0.1)
  --port PORT            broker port (default ${DEFAULT_PORT})
  --registry-port PORT   schema registry port; 0 picks a free one (default ${DEFAULT_REGISTRY_PORT})
  --ingest-port PORT     REST ingest (REST Proxy's POST /topics/T) port (default ${DEFAULT_INGEST_PORT})
  --rate N               simulated quotes per second; 0 runs no simulator (default ${DEFAULT_QUOTE_RATE})
  --jobs-port PORT       the job manager's HTTP API (kappa job list …) (default ${DEFAULT_JOBS_PORT})
  --no-jobs              run no stream jobs
  --data-dir DIR         data directory (default $KAPPA_HOME/data or ./.kappa/data)
  -h, --help             this help`,
  job: `Usage: kappa job run FILE|NAME [options]
       kappa job list|status NAME|stop NAME|start NAME [--jobs URL]

run: runs a stream job in this process until Ctrl-C (committing first) or until its bounded
inputs end. FILE is an ES module (.js, .mjs or .ts) whose default export is a StreamJob or a
function of { bootstrapServers, registryUrl, args } returning one; NAME is a built-in job:
quotes-filter, quotes-ohlc, price-alerts.

  --registry URL            schema registry for the job (default http://127.0.0.1:${DEFAULT_REGISTRY_PORT})
  --guarantee G             exactly_once (default) or at_least_once
  --instance-id ID          stable instance name: static group member and transactional id, so a
                            restarted instance takes over at once
  --commit-interval-ms N    default 100 (exactly_once) / 1000 (at_least_once)
  --repartition-purge-ms N  delete committed records of the job's repartition topics this often
                            (default 30000; 0: never)
  --metrics-port N          serve GET /metrics (JSON) on this port (0: any free port)
  --arg key=value           passed to the job file (repeatable)

list, status, stop, start: the jobs kappa up runs, through its job manager.

  --jobs URL                the job manager (default http://127.0.0.1:${DEFAULT_JOBS_PORT})
${CLIENT_OPTIONS_HELP}`,
  registry: `Usage: kappa registry [options]

Runs the schema registry (Confluent Schema Registry's REST API) with its state in the _schemas topic
of a Kafka cluster (Kappa's broker or any other), until Ctrl-C.

  --bootstrap-server HOST:PORT   the cluster (default ${DEFAULT_BOOTSTRAP})
  --host HOST                    listen address (default 127.0.0.1)
  --port PORT                    port; 0 picks a free one (default ${DEFAULT_REGISTRY_PORT})
  --topic NAME                   the store topic (default _schemas)
  -h, --help                     this help`,
  source: `Usage: kappa source quotes [options]

Produces simulated quotes of NASDAQ symbols (geometric Brownian motion per symbol, sessions with
auctions, spreads) with an idempotent acks=all producer, Avro-encoded via the schema registry, keyed
by symbol, until Ctrl-C or --limit. Shows the rate once a second.

  --rate N                 quotes per second (default 100)
  --symbols A,B,...        these symbols                    --top N   the N most active (default 20)
  --topic NAME             target topic (default iextrading)
  --registry URL           schema registry (default http://127.0.0.1:${DEFAULT_REGISTRY_PORT}); --no-registry: JSON values
  --seed N                 reproducible run (default 42)
  --speed X                event time runs X times faster than the wall clock (default 1)
  --limit N                stop after N quotes
  --out-of-order P         fraction delivered out of order (held back up to 5 s of event time)
  --late P                 fraction delivered late (held back 60 s)
  --duplicates P           fraction delivered twice
  --bootstrap-server HOST:PORT, --json

Usage: kappa source http --url BASE --symbols A,B,... [options]

Polls an IEX-Cloud-style quote API (BASE/stock/market/batch?symbols=…&types=quote, or
BASE/stock/SYMBOL/quote for one symbol) and produces changed quotes like the simulator does.
Backs off on 429/5xx with jitter; bad answers are reported and skipped.

  --token T                API token (sent as ?token=T)
  --interval-ms N          poll interval (default 5000)
  --topic NAME, --registry URL | --no-registry, --bootstrap-server HOST:PORT

Usage: kappa source replay FILE --topic NAME [options]

Replays a CSV file (header row) or JSON lines as records, as fast as possible or at the original pace.

  --format csv|jsonl       default: from the file name (.csv is CSV)
  --key FIELD              record key from this field
  --time-field FIELD       event time (epoch ms or ISO 8601): record timestamps, and the pace
  --speed X                replay at X times the original pace (needs --time-field); default: at once
  --map target=source      rename fields (repeatable; only mapped fields are kept)
  --value-schema FILE      encode values via the registry (--registry URL): FILE.avsc as Avro, a
                           JSON Schema document as JSON; default plain JSON`,
  broker: `Usage: kappa broker [options]

Runs the Kafka-compatible broker until Ctrl-C or SIGTERM.

  --host HOST        listen address (default 127.0.0.1)
  --port PORT        port; 0 picks a free one (default ${DEFAULT_PORT})
  --data-dir DIR     data directory (default $KAPPA_HOME/data or ./.kappa/data)
  --config FILE      server.properties-style file (num.partitions, log.retention.ms, …)
  -h, --help         this help`,
  topics: `Usage: kappa topics <action> [options]

Actions:
  create NAME [--partitions N] [--replication-factor N] [--config k=v …]
  list
  describe NAME        partitions, leaders, configs, earliest/latest offsets
  delete NAME
  alter NAME [--partitions N] [--config k=v …] [--delete-config k …]

Every action takes:
${CLIENT_OPTIONS_HELP}`,
  'topics create': `Usage: kappa topics create NAME [options]

  --partitions N            partition count (default: the broker's num.partitions)
  --replication-factor N    replicas per partition (default: the broker's default)
  --config k=v              topic config, repeatable (e.g. retention.ms=86400000)
${CLIENT_OPTIONS_HELP}`,
  'topics list': `Usage: kappa topics list [options]

${CLIENT_OPTIONS_HELP}`,
  'topics describe': `Usage: kappa topics describe NAME [options]

Shows partitions (leader, replicas, earliest and latest offsets) and the topic's configs.
${CLIENT_OPTIONS_HELP}`,
  'topics delete': `Usage: kappa topics delete NAME [options]

${CLIENT_OPTIONS_HELP}`,
  'topics delete-records': `Usage: kappa topics delete-records NAME --before-offset N [options]

Deletes every record below offset N (moves the log start; -1 = everything up to the end).

  --before-offset N         the new log start offset (-1: the high watermark)
  --partition P             only partition P (default: every partition)
${CLIENT_OPTIONS_HELP}`,
  groups: `Usage: kappa groups <action> [options]

  list                      every consumer group, with its state
  describe GROUP            members, assignments, committed offsets, log-end offsets and lag
  delete GROUP              delete an empty group and its committed offsets
  reset-offsets GROUP       plan (and with --execute, commit) new offsets for an inactive group

Run "kappa groups <action> --help" for an action's options.`,
  'groups list': `Usage: kappa groups list [options]
${CLIENT_OPTIONS_HELP}`,
  'groups describe': `Usage: kappa groups describe GROUP [options]
${CLIENT_OPTIONS_HELP}`,
  'groups delete': `Usage: kappa groups delete GROUP [options]
${CLIENT_OPTIONS_HELP}`,
  'groups reset-offsets': `Usage: kappa groups reset-offsets GROUP --topic TOPIC[:P,P…] (one target) [--execute] [options]

Shows the new offsets (a dry run, as kafka-consumer-groups does); --execute commits them. The group
must have no active members. Targets outside the log are clamped to it.

  --topic TOPIC[:P,…]       the topic, optionally only some partitions
  --to-earliest             the log start
  --to-latest               the log end
  --to-offset N             offset N
  --to-datetime T           the first offset at or after T (ISO 8601 or epoch ms)
  --shift-by N              the committed offset plus N (N may be negative)
  --dry-run                 only show the plan (the default)
  --execute                 commit the new offsets
${CLIENT_OPTIONS_HELP}`,
  configs: `Usage: kappa configs <action> (--broker ID | --broker-defaults | --topic NAME) [options]

  describe                  configs that are not defaults, with their source (--all: every config)
  alter                     --config k=v … / --delete-config k …

--broker ID changes this broker's dynamic configs, --broker-defaults those of every broker (Kafka's
--entity-default); both outrank server.properties and take effect at once, as in kafka-configs.

Run "kappa configs <action> --help" for an action's options.`,
  'configs describe': `Usage: kappa configs describe (--broker ID | --broker-defaults | --topic NAME) [options]

Shows each config's value and source (topic, dynamic broker, dynamic default, static, default).

  --broker ID               a broker by node id
  --broker-defaults         the cluster-wide dynamic broker defaults
  --topic NAME              a topic
  --all                     every config, defaults included
${CLIENT_OPTIONS_HELP}`,
  'configs alter': `Usage: kappa configs alter (--broker ID | --broker-defaults | --topic NAME) [options]

  --broker ID               a broker by node id (its dynamic configs)
  --broker-defaults         the cluster-wide dynamic broker defaults
  --topic NAME              a topic (its overrides)
  --config k=v              set a config, repeatable (e.g. log.retention.ms=3600000)
  --delete-config k         remove a config (back to the next level down), repeatable
${CLIENT_OPTIONS_HELP}`,
  'topics alter': `Usage: kappa topics alter NAME [options]

  --partitions N            raise the partition count to N
  --config k=v              set a topic config, repeatable
  --delete-config k         remove a topic config (back to the default), repeatable
${CLIENT_OPTIONS_HELP}`,
  transactions: `Usage: kappa transactions <action> [options]

  list                      transactional ids with their producer id and state
  describe TXN_ID…          state, producer id and epoch, timeout, start time, partitions
  producers TOPIC[:P,…]     active producers of partitions (idempotent and transactional)

Run "kappa transactions <action> --help" for an action's options.`,
  'transactions list': `Usage: kappa transactions list [options]

  --state S                 only transactions in state S, repeatable (${TRANSACTION_STATES.join(', ')})
  --producer-id N           only transactions of producer id N, repeatable
${CLIENT_OPTIONS_HELP}`,
  'transactions describe': `Usage: kappa transactions describe TXN_ID… [options]

Shows each transactional id's state, producer id and epoch, timeout, when its open transaction
began and which partitions it has written to.
${CLIENT_OPTIONS_HELP}`,
  'transactions producers': `Usage: kappa transactions producers TOPIC[:P,P…] [options]

Shows the producers with state on each partition (every partition unless some are given): producer
id and epoch, last sequence and timestamp, and the first offset of an open transaction.
${CLIENT_OPTIONS_HELP}`,
  produce: `Usage: kappa produce TOPIC [options]

Reads lines from stdin (or --file) and writes one record per line. A summary goes to stderr.

  --file F                  read lines from F instead of stdin
  --key-separator SEP       split each line at the first SEP into key and value
  --header k=v              add a header to every record, repeatable
  --acks 0|1|all            acknowledgement level (default all)
  --compression TYPE        none | gzip | snappy | lz4 | zstd (default none)
  --partition N             write every record to partition N
  --idempotent              a producer id and sequence numbers: retries are never written twice
                            (needs --acks all)
  --value-schema FILE       each line's value is JSON, checked against the schema and written in
                            Confluent's wire format, the schema registered under TOPIC-value:
                            FILE.avsc is Avro (binary body), a JSON Schema document is JSON
  --value-schema-type T     AVRO or JSON, when the file's name and shape do not say
  --registry URL            the schema registry (default http://127.0.0.1:${DEFAULT_REGISTRY_PORT})
${CLIENT_OPTIONS_HELP}`,
  consume: `Usage: kappa consume TOPIC [options]

Prints records, one per line. Starts at the end of each partition unless told otherwise.

  --from-beginning          start at the earliest offset
  --offset N                start at offset N
  --from-time T             start at the first record at or after T (ISO 8601 or epoch ms)
  --partition N             read only partition N (default: all partitions)
  --max-messages N          exit after N records
  --timeout-ms MS           exit after MS without a new record
  --format text|json        json: one object per line with topic, partition, offset,
                            timestamp, key, value, headers (default text)
  --print-key               text format: print "key<TAB>value"
  --registry URL            decode registry-framed (Confluent wire format) Avro values to JSON
                            through this registry (default http://127.0.0.1:${DEFAULT_REGISTRY_PORT})
  --no-registry             print values as they are
${CLIENT_OPTIONS_HELP}`,
};

const clientOptions = {
  'bootstrap-server': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

function parse<O extends NonNullable<ParseArgsConfig['options']>>(command: string, args: string[], options: O) {
  // `--shift-by -5` should mean what it says; node's parser wants `--shift-by=-5` for values that
  // start with a dash, so negative numbers after value options are joined to their option here.
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const name = args[i]!.startsWith('--') ? args[i]!.slice(2) : null;
    const next = args[i + 1];
    if (name !== null && (options as Record<string, { type: string }>)[name]?.type === 'string' && next !== undefined && /^-\d+$/.test(next)) {
      joined.push(`${args[i]}=${next}`);
      i++;
    } else joined.push(args[i]!);
  }
  try {
    return parseArgs({ args: joined, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (err) {
    // node's messages are long and mention internals; keep the first sentence.
    const msg = (err as Error).message.split('. ')[0]!.replace(/^TypeError \[[A-Z_]+\]: /, '');
    throw new UsageError(msg, command);
  }
}

function int(command: string, name: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  if (!/^-?\d+$/.test(text.trim())) throw new UsageError(`--${name} must be an integer, got '${text}'`, command);
  const n = Number(text);
  if (n < min) throw new UsageError(`--${name} must be at least ${min}, got ${n}`, command);
  return n;
}

function port(command: string, text: string | undefined): number {
  const n = int(command, 'port', text, 0) ?? DEFAULT_PORT;
  if (n > 65535) throw new UsageError(`--port must be at most 65535, got ${n}`, command);
  return n;
}

function keyValues(command: string, flag: string, list: string[] | undefined): Array<[string, string]> {
  return (list ?? []).map((item) => {
    const i = item.indexOf('=');
    if (i <= 0) throw new UsageError(`--${flag} expects key=value, got '${item}'`, command);
    return [item.slice(0, i), item.slice(i + 1)];
  });
}

function client(values: { 'bootstrap-server'?: string; json?: boolean }): ClientOptions {
  return { bootstrapServer: values['bootstrap-server'] ?? DEFAULT_BOOTSTRAP, json: values.json ?? false };
}

function onePositional(command: string, positionals: string[], what: string): string {
  if (positionals.length === 0) throw new UsageError(`missing ${what}`, command);
  if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1]}'`, command);
  return positionals[0]!;
}

/** ISO 8601 text or milliseconds since the epoch. */
export function parseTime(text: string, command = 'consume'): number {
  if (/^\d+$/.test(text)) return Number(text);
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new UsageError(`--from-time expects ISO 8601 or epoch milliseconds, got '${text}'`, command);
  return ms;
}

function parseTopics(rest: string[]): Command {
  const action = rest[0];
  if (action === undefined || action === '-h' || action === '--help') return { kind: 'help', text: HELP.topics! };
  const command = `topics ${action}`;
  const args = rest.slice(1);
  switch (action) {
    case 'create': {
      const { values, positionals } = parse(command, args, {
        ...clientOptions,
        partitions: { type: 'string' },
        'replication-factor': { type: 'string' },
        config: { type: 'string', multiple: true },
      });
      if (values.help) return { kind: 'help', text: HELP[command]! };
      return {
        kind: 'topics-create',
        client: client(values),
        name: onePositional(command, positionals, 'topic name'),
        partitions: int(command, 'partitions', values.partitions, 1),
        replicationFactor: int(command, 'replication-factor', values['replication-factor'], 1),
        configs: Object.fromEntries(keyValues(command, 'config', values.config)),
      };
    }
    case 'list': {
      const { values, positionals } = parse(command, args, clientOptions);
      if (values.help) return { kind: 'help', text: HELP[command]! };
      if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`, command);
      return { kind: 'topics-list', client: client(values) };
    }
    case 'describe':
    case 'delete': {
      const { values, positionals } = parse(command, args, clientOptions);
      if (values.help) return { kind: 'help', text: HELP[command]! };
      const name = onePositional(command, positionals, 'topic name');
      return action === 'describe' ? { kind: 'topics-describe', client: client(values), name } : { kind: 'topics-delete', client: client(values), name };
    }
    case 'alter': {
      const { values, positionals } = parse(command, args, {
        ...clientOptions,
        partitions: { type: 'string' },
        config: { type: 'string', multiple: true },
        'delete-config': { type: 'string', multiple: true },
      });
      if (values.help) return { kind: 'help', text: HELP[command]! };
      const cmd: Command = {
        kind: 'topics-alter',
        client: client(values),
        name: onePositional(command, positionals, 'topic name'),
        partitions: int(command, 'partitions', values.partitions, 1),
        configs: Object.fromEntries(keyValues(command, 'config', values.config)),
        deleteConfigs: values['delete-config'] ?? [],
      };
      if (cmd.partitions === undefined && Object.keys(cmd.configs).length === 0 && cmd.deleteConfigs.length === 0) {
        throw new UsageError('nothing to change: give --partitions, --config or --delete-config', command);
      }
      return cmd;
    }
    case 'delete-records': {
      const { values, positionals } = parse(command, args, { ...clientOptions, 'before-offset': { type: 'string' }, partition: { type: 'string' } });
      if (values.help) return { kind: 'help', text: HELP[command]! };
      const beforeOffset = int(command, 'before-offset', values['before-offset'], -1);
      if (beforeOffset === undefined) throw new UsageError('missing --before-offset', command);
      const partition = int(command, 'partition', values.partition, 0);
      return { kind: 'topics-delete-records', client: client(values), name: onePositional(command, positionals, 'topic name'), beforeOffset, ...(partition !== undefined ? { partition } : {}) };
    }
    default:
      throw new UsageError(`unknown topics action '${action}' (create, list, describe, delete, alter, delete-records)`, 'topics');
  }
}

function parseGroups(rest: string[]): Command {
  const action = rest[0];
  if (action === undefined || action === '-h' || action === '--help') return { kind: 'help', text: HELP.groups! };
  const command = `groups ${action}`;
  const args = rest.slice(1);
  switch (action) {
    case 'list': {
      const { values, positionals } = parse(command, args, clientOptions);
      if (values.help) return { kind: 'help', text: HELP[command]! };
      if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`, command);
      return { kind: 'groups-list', client: client(values) };
    }
    case 'describe':
    case 'delete': {
      const { values, positionals } = parse(command, args, clientOptions);
      if (values.help) return { kind: 'help', text: HELP[command]! };
      const group = onePositional(command, positionals, 'group id');
      return action === 'describe' ? { kind: 'groups-describe', client: client(values), group } : { kind: 'groups-delete', client: client(values), group };
    }
    case 'reset-offsets': {
      const { values, positionals } = parse(command, args, {
        ...clientOptions,
        topic: { type: 'string' },
        'to-earliest': { type: 'boolean' },
        'to-latest': { type: 'boolean' },
        'to-offset': { type: 'string' },
        'to-datetime': { type: 'string' },
        'shift-by': { type: 'string' },
        'dry-run': { type: 'boolean' },
        execute: { type: 'boolean' },
      });
      if (values.help) return { kind: 'help', text: HELP[command]! };
      const group = onePositional(command, positionals, 'group id');
      if (!values.topic) throw new UsageError('missing --topic', command);
      const [topic, list] = values.topic.split(':', 2) as [string, string | undefined];
      const partitions = list === undefined ? undefined : list.split(',').map((p) => int(command, 'topic', p, 0)!);
      const specs: ResetSpec[] = [];
      if (values['to-earliest']) specs.push({ to: 'earliest' });
      if (values['to-latest']) specs.push({ to: 'latest' });
      if (values['to-offset'] !== undefined) specs.push({ to: 'offset', offset: int(command, 'to-offset', values['to-offset'], 0)! });
      if (values['to-datetime'] !== undefined) specs.push({ to: 'datetime', timestamp: parseTime(values['to-datetime'], command) });
      if (values['shift-by'] !== undefined) specs.push({ shiftBy: int(command, 'shift-by', values['shift-by'], Number.MIN_SAFE_INTEGER)! });
      if (specs.length !== 1) throw new UsageError('give exactly one of --to-earliest, --to-latest, --to-offset, --to-datetime, --shift-by', command);
      if (values.execute && values['dry-run']) throw new UsageError('--dry-run and --execute exclude each other', command);
      return { kind: 'groups-reset-offsets', client: client(values), group, topic, ...(partitions ? { partitions } : {}), spec: specs[0]!, execute: values.execute ?? false };
    }
    default:
      throw new UsageError(`unknown groups action '${action}' (list, describe, delete, reset-offsets)`, 'groups');
  }
}

const targetOptions = {
  broker: { type: 'string' },
  'broker-defaults': { type: 'boolean' },
  topic: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

function configTarget(command: string, values: { broker?: string; 'broker-defaults'?: boolean; topic?: string }): ConfigTarget {
  const targets: ConfigTarget[] = [];
  if (values.broker !== undefined) targets.push({ type: 'broker', name: String(int(command, 'broker', values.broker, 0)) });
  if (values['broker-defaults']) targets.push({ type: 'broker', name: '' });
  if (values.topic !== undefined) targets.push({ type: 'topic', name: values.topic });
  if (targets.length !== 1) throw new UsageError('give exactly one of --broker ID, --broker-defaults, --topic NAME', command);
  return targets[0]!;
}

function parseConfigs(rest: string[]): Command {
  const action = rest[0];
  if (action === undefined || action === '-h' || action === '--help') return { kind: 'help', text: HELP.configs! };
  const command = `configs ${action}`;
  const args = rest.slice(1);
  switch (action) {
    case 'describe': {
      const { values, positionals } = parse(command, args, { ...clientOptions, ...targetOptions, all: { type: 'boolean' } });
      if (values.help) return { kind: 'help', text: HELP[command]! };
      if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`, command);
      return { kind: 'configs-describe', client: client(values), target: configTarget(command, values), all: values.all ?? false };
    }
    case 'alter': {
      const { values, positionals } = parse(command, args, {
        ...clientOptions,
        ...targetOptions,
        config: { type: 'string', multiple: true },
        'delete-config': { type: 'string', multiple: true },
      });
      if (values.help) return { kind: 'help', text: HELP[command]! };
      if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`, command);
      const configs = Object.fromEntries(keyValues(command, 'config', values.config));
      const deleteConfigs = values['delete-config'] ?? [];
      if (Object.keys(configs).length === 0 && deleteConfigs.length === 0) throw new UsageError('nothing to change: give --config or --delete-config', command);
      return { kind: 'configs-alter', client: client(values), target: configTarget(command, values), configs, deleteConfigs };
    }
    default:
      throw new UsageError(`unknown configs action '${action}' (describe, alter)`, 'configs');
  }
}

/** "TOPIC" or "TOPIC:P,P…" (the partitions listed, each at least 0). */
function topicPartitions(command: string, text: string, flag: string): { topic: string; partitions?: number[] } {
  const i = text.lastIndexOf(':');
  if (i < 0) return { topic: text };
  const topic = text.slice(0, i);
  if (topic === '') throw new UsageError(`missing topic name in '${text}'`, command);
  const partitions = text
    .slice(i + 1)
    .split(',')
    .map((p) => {
      if (!/^\d+$/.test(p.trim())) throw new UsageError(`${flag} expects TOPIC or TOPIC:P,P…, got '${text}'`, command);
      return Number(p);
    });
  return { topic, partitions: [...new Set(partitions)].sort((a, b) => a - b) };
}

function parseTransactions(rest: string[]): Command {
  const action = rest[0];
  if (action === undefined || action === '-h' || action === '--help') return { kind: 'help', text: HELP.transactions! };
  const command = `transactions ${action}`;
  const args = rest.slice(1);
  switch (action) {
    case 'list': {
      const { values, positionals } = parse(command, args, { ...clientOptions, state: { type: 'string', multiple: true }, 'producer-id': { type: 'string', multiple: true } });
      if (values.help) return { kind: 'help', text: HELP[command]! };
      if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`, command);
      const states = (values.state ?? []).map((s) => {
        const known = TRANSACTION_STATES.find((k) => k.toLowerCase() === s.toLowerCase());
        if (!known) throw new UsageError(`--state must be one of ${TRANSACTION_STATES.join(', ')}, got '${s}'`, command);
        return known;
      });
      const producerIds = (values['producer-id'] ?? []).map((p) => int(command, 'producer-id', p, 0)!);
      return { kind: 'transactions-list', client: client(values), states, producerIds };
    }
    case 'describe': {
      const { values, positionals } = parse(command, args, clientOptions);
      if (values.help) return { kind: 'help', text: HELP[command]! };
      if (positionals.length === 0) throw new UsageError('missing transactional id', command);
      return { kind: 'transactions-describe', client: client(values), transactionalIds: [...new Set(positionals)] };
    }
    case 'producers': {
      const { values, positionals } = parse(command, args, clientOptions);
      if (values.help) return { kind: 'help', text: HELP[command]! };
      const { topic, partitions } = topicPartitions(command, onePositional(command, positionals, 'topic name'), 'producers');
      return { kind: 'transactions-producers', client: client(values), topic, ...(partitions ? { partitions } : {}) };
    }
    default:
      throw new UsageError(`unknown transactions action '${action}' (list, describe, producers)`, 'transactions');
  }
}

/** A number between 0 and max (rates, probabilities). */
function fraction(command: string, name: string, text: string | undefined, max: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text.trim());
  if (text.trim() === '' || !Number.isFinite(n) || n < 0 || n > max) throw new UsageError(`--${name} must be a number between 0 and ${max}, got '${text}'`, command);
  return n;
}

function parseReplaySource(rest: string[]): Command {
  const name = 'source';
  const { values, positionals } = parse(name, rest, {
    ...clientOptions,
    topic: { type: 'string' },
    format: { type: 'string' },
    key: { type: 'string' },
    'time-field': { type: 'string' },
    speed: { type: 'string' },
    map: { type: 'string', multiple: true },
    'value-schema': { type: 'string' },
    registry: { type: 'string' },
  });
  if (values.help) return { kind: 'help', text: HELP.source! };
  const file = onePositional(name, positionals, 'file to replay');
  if (!values.topic) throw new UsageError('--topic is required', name);
  if (values.format !== undefined && values.format !== 'csv' && values.format !== 'jsonl') throw new UsageError(`--format must be csv or jsonl, got '${values.format}'`, name);
  const speed = fraction(name, 'speed', values.speed, 1e9) ?? null;
  if (speed !== null && !values['time-field']) throw new UsageError('--speed needs --time-field (the original pace comes from it)', name);
  if (speed === 0) throw new UsageError('--speed must be more than 0', name);
  const cmd: Command = {
    kind: 'source-replay', client: client(values), topic: values.topic, file, speed,
    mapping: keyValues(name, 'map', values.map), registryUrl: values.registry ?? `http://127.0.0.1:${DEFAULT_REGISTRY_PORT}`,
  };
  if (values.format !== undefined) cmd.format = values.format as 'csv' | 'jsonl';
  if (values.key !== undefined) cmd.keyField = values.key;
  if (values['time-field'] !== undefined) cmd.timeField = values['time-field'];
  if (values['value-schema'] !== undefined) cmd.valueSchema = values['value-schema'];
  return cmd;
}

function parseHttpSource(rest: string[]): Command {
  const name = 'source';
  const { values, positionals } = parse(name, rest, {
    ...clientOptions,
    url: { type: 'string' },
    symbols: { type: 'string' },
    token: { type: 'string' },
    'interval-ms': { type: 'string' },
    topic: { type: 'string' },
    registry: { type: 'string' },
    'no-registry': { type: 'boolean' },
  });
  if (values.help) return { kind: 'help', text: HELP.source! };
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`, name);
  if (!values.url) throw new UsageError('--url is required (the quote API base URL, e.g. https://cloud.iexapis.com/stable)', name);
  const symbols = (values.symbols ?? '').split(',').map((x) => x.trim().toUpperCase()).filter((x) => x !== '');
  if (symbols.length === 0) throw new UsageError('--symbols is required (A,B,…)', name);
  if (values.registry !== undefined && values['no-registry']) throw new UsageError('--registry and --no-registry cannot be combined', name);
  return {
    kind: 'source-http',
    client: client(values),
    topic: values.topic ?? 'iextrading',
    registryUrl: values['no-registry'] ? null : values.registry ?? `http://127.0.0.1:${DEFAULT_REGISTRY_PORT}`,
    url: values.url,
    symbols,
    ...(values.token !== undefined ? { token: values.token } : {}),
    intervalMs: int(name, 'interval-ms', values['interval-ms'], 100) ?? 5000,
  };
}

function parseSource(args: string[]): Command {
  const [kind, ...rest] = args;
  if (kind === undefined || kind === '-h' || kind === '--help') return { kind: 'help', text: HELP.source! };
  if (kind === 'http') return parseHttpSource(rest);
  if (kind === 'replay') return parseReplaySource(rest);
  if (kind !== 'quotes') throw new UsageError(`unknown source '${kind}' (quotes, http, replay)`, 'source');
  const name = 'source';
  const { values, positionals } = parse(name, rest, {
    ...clientOptions,
    rate: { type: 'string' },
    symbols: { type: 'string' },
    top: { type: 'string' },
    topic: { type: 'string' },
    registry: { type: 'string' },
    'no-registry': { type: 'boolean' },
    seed: { type: 'string' },
    speed: { type: 'string' },
    limit: { type: 'string' },
    'out-of-order': { type: 'string' },
    late: { type: 'string' },
    duplicates: { type: 'string' },
  });
  if (values.help) return { kind: 'help', text: HELP.source! };
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`, name);
  if (values.symbols !== undefined && values.top !== undefined) throw new UsageError('--symbols and --top cannot be combined', name);
  if (values.registry !== undefined && values['no-registry']) throw new UsageError('--registry and --no-registry cannot be combined', name);
  const rate = fraction(name, 'rate', values.rate, Infinity) ?? 100;
  if (rate <= 0) throw new UsageError('--rate must be more than 0', name);
  const cmd: Command = {
    kind: 'source-quotes',
    client: client(values),
    topic: values.topic ?? 'iextrading',
    registryUrl: values['no-registry'] ? null : values.registry ?? `http://127.0.0.1:${DEFAULT_REGISTRY_PORT}`,
    rate,
  };
  if (values.symbols !== undefined) cmd.symbols = values.symbols.split(',').map((x) => x.trim()).filter((x) => x !== '');
  const top = int(name, 'top', values.top, 1);
  const seed = int(name, 'seed', values.seed, 0);
  const limit = int(name, 'limit', values.limit, 1);
  const speed = fraction(name, 'speed', values.speed, 1e6);
  const outOfOrder = fraction(name, 'out-of-order', values['out-of-order'], 1);
  const late = fraction(name, 'late', values.late, 1);
  const duplicate = fraction(name, 'duplicates', values.duplicates, 1);
  if (top !== undefined) cmd.top = top;
  if (seed !== undefined) cmd.seed = seed;
  if (limit !== undefined) cmd.limit = limit;
  if (speed !== undefined) cmd.speed = speed;
  if (outOfOrder !== undefined) cmd.outOfOrder = outOfOrder;
  if (late !== undefined) cmd.late = late;
  if (duplicate !== undefined) cmd.duplicate = duplicate;
  return cmd;
}

function parseJob(args: string[]): Command {
  const [action, ...rest] = args;
  const name = 'job';
  if (action === undefined || action === '-h' || action === '--help') return { kind: 'help', text: HELP.job! };
  if (action === 'run') {
    const { values, positionals } = parse(name, rest, {
      ...clientOptions,
      registry: { type: 'string' },
      guarantee: { type: 'string' },
      'instance-id': { type: 'string' },
      'commit-interval-ms': { type: 'string' },
      'repartition-purge-ms': { type: 'string' },
      'metrics-port': { type: 'string' },
      arg: { type: 'string', multiple: true },
    });
    if (values.help) return { kind: 'help', text: HELP.job! };
    const guarantee = values.guarantee ?? 'exactly_once';
    if (guarantee !== 'exactly_once' && guarantee !== 'at_least_once') throw new UsageError(`--guarantee must be exactly_once or at_least_once, got '${guarantee}'`, name);
    const metricsPort = int(name, 'metrics-port', values['metrics-port'], 0);
    if (metricsPort !== undefined && metricsPort > 65535) throw new UsageError(`--metrics-port must be at most 65535, got ${metricsPort}`, name);
    const commitIntervalMs = int(name, 'commit-interval-ms', values['commit-interval-ms'], 1);
    const repartitionPurgeMs = int(name, 'repartition-purge-ms', values['repartition-purge-ms'], 0);
    return {
      kind: 'job-run',
      client: client(values),
      target: onePositional(name, positionals, 'job file or name'),
      registryUrl: values.registry ?? `http://127.0.0.1:${DEFAULT_REGISTRY_PORT}`,
      guarantee,
      ...(values['instance-id'] !== undefined ? { instanceId: values['instance-id'] } : {}),
      ...(commitIntervalMs !== undefined ? { commitIntervalMs } : {}),
      ...(repartitionPurgeMs !== undefined ? { repartitionPurgeMs } : {}),
      ...(metricsPort !== undefined ? { metricsPort } : {}),
      args: Object.fromEntries(keyValues(name, 'arg', values.arg)),
    };
  }
  if (!['list', 'status', 'stop', 'start'].includes(action)) throw new UsageError(`unknown job action '${action}' (run, list, status, stop, start)`, name);
  const { values, positionals } = parse(name, rest, { ...clientOptions, jobs: { type: 'string' } });
  if (values.help) return { kind: 'help', text: HELP.job! };
  const jobsUrl = values.jobs ?? `http://127.0.0.1:${DEFAULT_JOBS_PORT}`;
  if (action === 'list') {
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`, name);
    return { kind: 'job-list', client: client(values), jobsUrl };
  }
  return { kind: `job-${action}` as 'job-status' | 'job-stop' | 'job-start', client: client(values), jobsUrl, name: onePositional(name, positionals, 'job name') };
}

export function parseCommandLine(argv: string[], env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Command {
  const [name, ...rest] = argv;
  switch (name) {
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      return { kind: 'help', text: HELP.main! };
    case '-v':
    case '--version':
      return { kind: 'version' };
    case 'broker':
    case 'up': {
      const { values, positionals } = parse(name, rest, {
        host: { type: 'string' },
        port: { type: 'string' },
        'data-dir': { type: 'string' },
        ...(name === 'broker' ? { config: { type: 'string' } } : { 'registry-port': { type: 'string' }, 'ingest-port': { type: 'string' }, rate: { type: 'string' }, 'jobs-port': { type: 'string' }, 'no-jobs': { type: 'boolean' } }),
      } as const);
      if (values.help) return { kind: 'help', text: HELP[name]! };
      if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`, name);
      const common = { host: (values.host as string | undefined) ?? '127.0.0.1', port: port(name, values.port as string | undefined), dataDir: (values['data-dir'] as string | undefined) ?? defaultDataDir(env, cwd) };
      if (name === 'up') {
        const v = values as { 'registry-port'?: string; 'ingest-port'?: string; rate?: string; 'jobs-port'?: string; 'no-jobs'?: boolean };
        const jobsPort = int(name, 'jobs-port', v['jobs-port'], 0) ?? DEFAULT_JOBS_PORT;
        if (jobsPort > 65535) throw new UsageError(`--jobs-port must be at most 65535, got ${jobsPort}`, name);
        const registryPort = int(name, 'registry-port', v['registry-port'], 0) ?? DEFAULT_REGISTRY_PORT;
        if (registryPort > 65535) throw new UsageError(`--registry-port must be at most 65535, got ${registryPort}`, name);
        const ingestPort = int(name, 'ingest-port', v['ingest-port'], 0) ?? DEFAULT_INGEST_PORT;
        if (ingestPort > 65535) throw new UsageError(`--ingest-port must be at most 65535, got ${ingestPort}`, name);
        return { kind: 'up', ...common, registryPort, ingestPort, quoteRate: fraction(name, 'rate', v.rate, Infinity) ?? DEFAULT_QUOTE_RATE, jobsPort, jobs: !v['no-jobs'] };
      }
      const configFile = (values as { config?: string }).config;
      return configFile === undefined ? { kind: 'broker', ...common } : { kind: 'broker', ...common, configFile };
    }
    case 'topics':
      return parseTopics(rest);
    case 'groups':
      return parseGroups(rest);
    case 'configs':
      return parseConfigs(rest);
    case 'transactions':
      return parseTransactions(rest);
    case 'registry': {
      const { values, positionals } = parse(name, rest, {
        'bootstrap-server': { type: 'string' },
        host: { type: 'string' },
        port: { type: 'string' },
        topic: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      });
      if (values.help) return { kind: 'help', text: HELP.registry! };
      if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`, name);
      const p = int(name, 'port', values.port, 0) ?? DEFAULT_REGISTRY_PORT;
      if (p > 65535) throw new UsageError(`--port must be at most 65535, got ${p}`, name);
      return { kind: 'registry', host: values.host ?? '127.0.0.1', port: p, bootstrapServer: values['bootstrap-server'] ?? DEFAULT_BOOTSTRAP, topic: values.topic ?? '_schemas' };
    }
    case 'source':
      return parseSource(rest);
    case 'job':
      return parseJob(rest);
    case 'produce': {
      const { values, positionals } = parse(name, rest, {
        ...clientOptions,
        file: { type: 'string' },
        'key-separator': { type: 'string' },
        header: { type: 'string', multiple: true },
        acks: { type: 'string' },
        compression: { type: 'string' },
        partition: { type: 'string' },
        idempotent: { type: 'boolean' },
        'value-schema': { type: 'string' },
        'value-schema-type': { type: 'string' },
        registry: { type: 'string' },
      });
      if (values.help) return { kind: 'help', text: HELP.produce! };
      const schemaType = values['value-schema-type']?.toUpperCase();
      if (schemaType !== undefined && schemaType !== 'AVRO' && schemaType !== 'JSON') throw new UsageError(`--value-schema-type must be AVRO or JSON, got '${values['value-schema-type']}'`, name);
      if (schemaType !== undefined && values['value-schema'] === undefined) throw new UsageError('--value-schema-type needs --value-schema', name);
      if (values.registry !== undefined && values['value-schema'] === undefined) throw new UsageError('--registry needs --value-schema', name);
      const acksText = values.acks ?? 'all';
      const acks: Acks | undefined = acksText === 'all' || acksText === '-1' ? -1 : acksText === '1' ? 1 : acksText === '0' ? 0 : undefined;
      if (acks === undefined) throw new UsageError(`--acks must be 0, 1 or all, got '${acksText}'`, name);
      const compression = (values.compression ?? 'none') as Compression;
      if (!['none', 'gzip', 'snappy', 'lz4', 'zstd'].includes(compression)) {
        throw new UsageError(`--compression must be none, gzip, snappy, lz4 or zstd, got '${compression}'`, name);
      }
      if (values['key-separator'] === '') throw new UsageError('--key-separator must not be empty', name);
      if (values.idempotent && acks !== -1) throw new UsageError('--idempotent needs --acks all', name);
      return {
        kind: 'produce',
        client: client(values),
        topic: onePositional(name, positionals, 'topic name'),
        ...(values.file !== undefined ? { file: values.file } : {}),
        ...(values['key-separator'] !== undefined ? { keySeparator: values['key-separator'] } : {}),
        headers: keyValues(name, 'header', values.header),
        acks,
        compression,
        ...(values.partition !== undefined ? { partition: int(name, 'partition', values.partition, 0)! } : {}),
        ...(values.idempotent ? { idempotent: true } : {}),
        ...(values['value-schema'] !== undefined ? { valueSchema: values['value-schema'], registryUrl: values.registry ?? `http://127.0.0.1:${DEFAULT_REGISTRY_PORT}` } : {}),
        ...(schemaType !== undefined ? { valueSchemaType: schemaType as 'AVRO' | 'JSON' } : {}),
      };
    }
    case 'consume': {
      const { values, positionals } = parse(name, rest, {
        ...clientOptions,
        'from-beginning': { type: 'boolean' },
        offset: { type: 'string' },
        'from-time': { type: 'string' },
        partition: { type: 'string' },
        'max-messages': { type: 'string' },
        'timeout-ms': { type: 'string' },
        format: { type: 'string' },
        'print-key': { type: 'boolean' },
        registry: { type: 'string' },
        'no-registry': { type: 'boolean' },
      });
      if (values.help) return { kind: 'help', text: HELP.consume! };
      if (values.registry !== undefined && values['no-registry']) throw new UsageError('--registry and --no-registry cannot be combined', name);
      const starts = [values['from-beginning'] ? '--from-beginning' : '', values.offset !== undefined ? '--offset' : '', values['from-time'] !== undefined ? '--from-time' : ''].filter(Boolean);
      if (starts.length > 1) throw new UsageError(`${starts.join(' and ')} cannot be combined`, name);
      const start: StartPosition = values['from-beginning']
        ? 'earliest'
        : values.offset !== undefined
          ? { offset: int(name, 'offset', values.offset, 0)! }
          : values['from-time'] !== undefined
            ? { timestamp: parseTime(values['from-time'], name) }
            : 'latest';
      const format = values.format ?? (values.json ? 'json' : 'text');
      if (format !== 'text' && format !== 'json') throw new UsageError(`--format must be text or json, got '${format}'`, name);
      const cmd: Command = {
        kind: 'consume',
        client: client(values),
        topic: onePositional(name, positionals, 'topic name'),
        start,
        format,
        printKey: values['print-key'] ?? false,
        registryUrl: values['no-registry'] ? null : values.registry ?? `http://127.0.0.1:${DEFAULT_REGISTRY_PORT}`,
      };
      const partition = int(name, 'partition', values.partition, 0);
      const maxMessages = int(name, 'max-messages', values['max-messages'], 1);
      const timeoutMs = int(name, 'timeout-ms', values['timeout-ms'], 0);
      if (partition !== undefined) cmd.partition = partition;
      if (maxMessages !== undefined) cmd.maxMessages = maxMessages;
      if (timeoutMs !== undefined) cmd.timeoutMs = timeoutMs;
      return cmd;
    }
    default:
      throw new UsageError(`unknown command '${name}'`);
  }
}
