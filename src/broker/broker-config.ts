// Broker-level settings, read from server.properties-style keys (the names Kafka documents), so an
// operator's existing knowledge and files carry over. Topic-level defaults (log.*) are handed to the
// log manager unchanged; this module owns only what the network and request layers need.
import { readFileSync } from 'node:fs';
import type { LogConfig } from './log/log-config.js';
import { brokerLogDefaults } from './log/topic-configs.js';

export interface BrokerConfig {
  nodeId: number;
  autoCreateTopicsEnable: boolean;
  numPartitions: number;
  defaultReplicationFactor: number;
  /** socket.request.max.bytes: larger frames close the connection. */
  socketRequestMaxBytes: number;
  /** Topic defaults from log.* keys (log.retention.ms, log.segment.bytes, …). */
  logDefaults: Partial<LogConfig>;
  /** Every key the operator set, as given (for DescribeConfigs). */
  raw: Record<string, string>;
}

export const BROKER_DEFAULTS: Readonly<Record<string, string>> = {
  'node.id': '0',
  'auto.create.topics.enable': 'true',
  'num.partitions': '1',
  'default.replication.factor': '1',
  'socket.request.max.bytes': '104857600',
};

export class BrokerConfigError extends Error {
  override name = 'BrokerConfigError';
}

function int(raw: Record<string, string>, key: string, min: number): number {
  const text = raw[key] ?? BROKER_DEFAULTS[key]!;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) throw new BrokerConfigError(`${key} must be an integer >= ${min}, got '${text}'`);
  return value;
}

function bool(raw: Record<string, string>, key: string): boolean {
  const text = (raw[key] ?? BROKER_DEFAULTS[key]!).trim().toLowerCase();
  if (text !== 'true' && text !== 'false') throw new BrokerConfigError(`${key} must be true or false, got '${text}'`);
  return text === 'true';
}

export function parseBrokerConfig(raw: Record<string, string> = {}): BrokerConfig {
  const nodeId = raw['node.id'] !== undefined ? int(raw, 'node.id', 0) : raw['broker.id'] !== undefined ? int(raw, 'broker.id', 0) : 0;
  const { defaults: logDefaults, errors } = brokerLogDefaults(raw);
  if (errors.length > 0) throw new BrokerConfigError(errors.join('; '));
  return {
    logDefaults,
    nodeId,
    autoCreateTopicsEnable: bool(raw, 'auto.create.topics.enable'),
    numPartitions: int(raw, 'num.partitions', 1),
    defaultReplicationFactor: int(raw, 'default.replication.factor', 1),
    socketRequestMaxBytes: int(raw, 'socket.request.max.bytes', 1),
    raw: { ...raw },
  };
}

/** Parses Java .properties text: `key=value` or `key: value`, `#`/`!` comments, `\` continuations. */
export function parseProperties(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    while (line.endsWith('\\') && i + 1 < lines.length) line = line.slice(0, -1) + lines[++i]!.trim();
    const m = /^([^=:\s]+)\s*[=:\s]\s*(.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!;
    else out[line] = '';
  }
  return out;
}

export function loadBrokerConfigFile(path: string): Record<string, string> {
  return parseProperties(readFileSync(path, 'utf8'));
}
