// Errors the log raises; `code` is the Kafka error name and `errorCode` its number, so protocol
// handlers can put them straight into per-partition responses.
export const LOG_ERROR_CODES = {
  OFFSET_OUT_OF_RANGE: 1,
  CORRUPT_MESSAGE: 2,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  MESSAGE_TOO_LARGE: 10,
  INVALID_TOPIC_EXCEPTION: 17,
  TOPIC_ALREADY_EXISTS: 36,
  INVALID_PARTITIONS: 37,
  INVALID_REQUEST: 42,
  INVALID_CONFIG: 40,
  OUT_OF_ORDER_SEQUENCE_NUMBER: 45,
  DUPLICATE_SEQUENCE_NUMBER: 46,
  INVALID_PRODUCER_EPOCH: 47,
  INVALID_TXN_STATE: 48,
  TRANSACTION_COORDINATOR_FENCED: 52,
  KAFKA_STORAGE_ERROR: 56,
  UNKNOWN_PRODUCER_ID: 59,
} as const;

export type LogErrorName = keyof typeof LOG_ERROR_CODES;

export class LogError extends Error {
  readonly errorCode: number;
  constructor(readonly code: LogErrorName, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LogError';
    this.errorCode = LOG_ERROR_CODES[code];
  }
}
