// Adapter from a Kafka error code to its name, description and retriability.
// TEMPORARY table until src/protocol/errors.ts lands.
export interface ErrorInfo {
  name: string;
  message: string;
  retriable: boolean;
}

const KNOWN: Record<number, ErrorInfo> = {
  [-1]: { name: 'UNKNOWN_SERVER_ERROR', message: 'The server experienced an unexpected error when processing the request.', retriable: false },
  1: { name: 'OFFSET_OUT_OF_RANGE', message: 'The requested offset is not within the range of offsets maintained by the server.', retriable: false },
  3: { name: 'UNKNOWN_TOPIC_OR_PARTITION', message: 'This server does not host this topic-partition.', retriable: true },
  5: { name: 'LEADER_NOT_AVAILABLE', message: 'There is no leader for this topic-partition as we are in the middle of a leadership election.', retriable: true },
  6: { name: 'NOT_LEADER_OR_FOLLOWER', message: 'For requests intended only for the leader, this error indicates that the broker is not the current leader.', retriable: true },
  7: { name: 'REQUEST_TIMED_OUT', message: 'The request timed out.', retriable: true },
  35: { name: 'UNSUPPORTED_VERSION', message: 'The version of API is not supported.', retriable: false },
  36: { name: 'TOPIC_ALREADY_EXISTS', message: 'Topic with this name already exists.', retriable: false },
};

export function errorInfo(code: number): ErrorInfo {
  return KNOWN[code] ?? { name: `KAFKA_ERROR_${code}`, message: `Kafka error code ${code}.`, retriable: false };
}
