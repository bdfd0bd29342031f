// Small pieces several handlers share: mapping thrown errors to Kafka error codes, and the
// authorized-operations bitfields (no authorizer runs here, so everything is allowed).
import { LogError } from '../log/log-error.js';
import type { Broker } from '../broker.js';

export const UNKNOWN_SERVER_ERROR = -1;
export const NONE = 0;
/** Kafka's "authorized operations not requested" sentinel (Integer.MIN_VALUE). */
export const OPERATIONS_NOT_REQUESTED = -2147483648;
/** READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS (AclOperation codes 3–8, 10, 11). */
export const ALL_TOPIC_OPERATIONS = [3, 4, 5, 6, 7, 8, 10, 11].reduce((bits, op) => bits | (1 << op), 0);

/** The Kafka error code for a failure; unexpected ones are logged, since they are our bugs. */
export function errorCodeOf(broker: Broker, err: unknown, what: string): number {
  if (err instanceof LogError) return err.errorCode;
  broker.log(`unexpected error while ${what}: ${(err as Error)?.stack ?? String(err)}`);
  return UNKNOWN_SERVER_ERROR;
}

export function errorMessageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
