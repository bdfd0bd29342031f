// Errors the client raises. Kafka error codes from responses become KafkaProtocolError, named and
// described by the protocol's error catalogue; transport trouble is ConnectionError or
// RequestTimeoutError. `retriable` tells the retry loops which ones are worth another attempt.
import { errorMessage, errorName, isRetriable as isRetriableCode } from '../protocol/errors.js';

export class KafkaClientError extends Error {
  override name = 'KafkaClientError';
  constructor(
    /** Stable code: a Kafka error name (NOT_LEADER_OR_FOLLOWER) or a client one (CONNECTION_ERROR). */
    readonly code: string,
    message: string,
    options?: { cause?: unknown; retriable?: boolean },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.retriable = options?.retriable ?? false;
  }
  readonly retriable: boolean;
}

export class KafkaProtocolError extends KafkaClientError {
  override name = 'KafkaProtocolError';
  constructor(
    readonly errorCode: number,
    message: string,
    retriable: boolean,
    readonly brokerMessage: string | null = null,
  ) {
    super(errorName(errorCode), message, { retriable });
  }
}

export class ConnectionError extends KafkaClientError {
  override name = 'ConnectionError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('CONNECTION_ERROR', message, { cause: options?.cause, retriable: true });
  }
}

export class RequestTimeoutError extends KafkaClientError {
  override name = 'RequestTimeoutError';
  constructor(message: string) {
    super('REQUEST_TIMED_OUT', message, { retriable: true });
  }
}

export class UnsupportedVersionError extends KafkaClientError {
  override name = 'UnsupportedVersionError';
  constructor(message: string) {
    super('UNSUPPORTED_VERSION', message);
  }
}

/**
 * A KafkaProtocolError for an error code, with where it happened (`context`, e.g. "topic foo
 * partition 0") and the broker's own message when the response carries one.
 */
export function kafkaError(errorCode: number, context: string, brokerMessage?: string | null): KafkaProtocolError {
  const detail = brokerMessage || errorMessage(errorCode);
  return new KafkaProtocolError(errorCode, `${errorName(errorCode)} (${errorCode}) on ${context}: ${detail}`, isRetriableCode(errorCode), brokerMessage ?? null);
}

export function isRetriable(err: unknown): boolean {
  return err instanceof KafkaClientError && err.retriable;
}
