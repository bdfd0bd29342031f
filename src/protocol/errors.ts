// Kafka's protocol error codes: the numbers brokers put in errorCode fields. Codes and names are
// Kafka's (they are part of the wire protocol and never change); `retriable` follows Kafka's own
// classification (its exception extends RetriableException); the messages are ours.

type Entry = readonly [code: number, retriable: boolean, message: string];

const CATALOGUE = {
  UNKNOWN_SERVER_ERROR: [-1, false, 'The broker hit an unexpected error while handling the request.'],
  NONE: [0, false, 'No error.'],
  OFFSET_OUT_OF_RANGE: [1, false, 'The requested offset is outside the range the partition holds.'],
  CORRUPT_MESSAGE: [2, true, 'A record batch failed its CRC check, has an impossible size, or is otherwise malformed.'],
  UNKNOWN_TOPIC_OR_PARTITION: [3, true, 'This broker does not host the topic-partition.'],
  INVALID_FETCH_SIZE: [4, false, 'The fetch size in the request is not valid.'],
  LEADER_NOT_AVAILABLE: [5, true, 'The partition has no leader right now (an election is under way).'],
  NOT_LEADER_OR_FOLLOWER: [6, true, 'This broker is not the leader (or not a replica) of the partition.'],
  REQUEST_TIMED_OUT: [7, true, 'The request did not complete in time.'],
  BROKER_NOT_AVAILABLE: [8, false, 'The broker is not available.'],
  REPLICA_NOT_AVAILABLE: [9, true, 'The replica for the topic-partition is not available.'],
  MESSAGE_TOO_LARGE: [10, false, 'A record batch is larger than the broker accepts (max.message.bytes).'],
  STALE_CONTROLLER_EPOCH: [11, false, 'The request carried an outdated controller epoch.'],
  OFFSET_METADATA_TOO_LARGE: [12, false, 'The metadata attached to the committed offset is too long.'],
  NETWORK_EXCEPTION: [13, true, 'The connection closed before a response arrived.'],
  COORDINATOR_LOAD_IN_PROGRESS: [14, true, 'The coordinator is still loading its state.'],
  COORDINATOR_NOT_AVAILABLE: [15, true, 'The coordinator is not available.'],
  NOT_COORDINATOR: [16, true, 'This broker is not the coordinator for the group or transaction.'],
  INVALID_TOPIC_EXCEPTION: [17, false, 'The topic name is invalid or the operation is not allowed on it.'],
  RECORD_LIST_TOO_LARGE: [18, false, 'The records for a partition exceed the log segment size.'],
  NOT_ENOUGH_REPLICAS: [19, true, 'Fewer in-sync replicas than min.insync.replicas: the write was refused.'],
  NOT_ENOUGH_REPLICAS_AFTER_APPEND: [20, true, 'The write was appended, but to fewer in-sync replicas than required.'],
  INVALID_REQUIRED_ACKS: [21, false, 'The acks value of the produce request is not valid.'],
  ILLEGAL_GENERATION: [22, false, 'The group generation in the request is not the current one.'],
  INCONSISTENT_GROUP_PROTOCOL: [23, false, "The member's protocols do not match the group's (or are empty)."],
  INVALID_GROUP_ID: [24, false, 'The group id is not valid.'],
  UNKNOWN_MEMBER_ID: [25, false, 'The coordinator does not know this member id.'],
  INVALID_SESSION_TIMEOUT: [26, false, 'The session timeout is outside the range the broker allows.'],
  REBALANCE_IN_PROGRESS: [27, false, 'The group is rebalancing; the member must rejoin.'],
  INVALID_COMMIT_OFFSET_SIZE: [28, false, 'The offset commit data has an invalid size.'],
  TOPIC_AUTHORIZATION_FAILED: [29, false, 'Not authorized to access the topic.'],
  GROUP_AUTHORIZATION_FAILED: [30, false, 'Not authorized to access the group.'],
  CLUSTER_AUTHORIZATION_FAILED: [31, false, 'Not authorized to perform this cluster operation.'],
  INVALID_TIMESTAMP: [32, false, 'A record timestamp is outside the acceptable range.'],
  UNSUPPORTED_SASL_MECHANISM: [33, false, 'The broker does not offer the requested SASL mechanism.'],
  ILLEGAL_SASL_STATE: [34, false, 'The request is not allowed in the current SASL state.'],
  UNSUPPORTED_VERSION: [35, false, 'The broker does not support this API version.'],
  TOPIC_ALREADY_EXISTS: [36, false, 'A topic with this name already exists.'],
  INVALID_PARTITIONS: [37, false, 'The partition count is not valid.'],
  INVALID_REPLICATION_FACTOR: [38, false, 'The replication factor is below 1 or above the number of brokers.'],
  INVALID_REPLICA_ASSIGNMENT: [39, false, 'The replica assignment is not valid.'],
  INVALID_CONFIG: [40, false, 'A configuration value is not valid.'],
  NOT_CONTROLLER: [41, true, 'This broker is not the active controller.'],
  INVALID_REQUEST: [42, false, 'The request is malformed or not valid for this broker.'],
  UNSUPPORTED_FOR_MESSAGE_FORMAT: [43, false, "The request needs a newer record format than the partition's."],
  POLICY_VIOLATION: [44, false, 'The request violates a configured policy.'],
  OUT_OF_ORDER_SEQUENCE_NUMBER: [45, false, 'The producer sequence number is not the one the broker expected next.'],
  DUPLICATE_SEQUENCE_NUMBER: [46, false, 'The broker already has a batch with this producer sequence number.'],
  INVALID_PRODUCER_EPOCH: [47, false, 'The producer epoch is older than the current one.'],
  INVALID_TXN_STATE: [48, false, 'The transactional operation is not allowed in the current state.'],
  INVALID_PRODUCER_ID_MAPPING: [49, false, 'The producer id is not the one assigned to this transactional id.'],
  INVALID_TRANSACTION_TIMEOUT: [50, false, 'The transaction timeout exceeds transaction.max.timeout.ms.'],
  CONCURRENT_TRANSACTIONS: [51, true, 'Another operation on the same transaction is still in progress.'],
  TRANSACTION_COORDINATOR_FENCED: [52, false, 'The transaction coordinator writing markers is no longer current.'],
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: [53, false, 'Not authorized to use the transactional id.'],
  SECURITY_DISABLED: [54, false, 'Security features are disabled on the broker.'],
  OPERATION_NOT_ATTEMPTED: [55, false, 'The broker skipped this operation because another in the batch failed.'],
  KAFKA_STORAGE_ERROR: [56, true, 'The broker could not read or write the log on disk.'],
  LOG_DIR_NOT_FOUND: [57, false, 'The requested log directory is not configured on the broker.'],
  SASL_AUTHENTICATION_FAILED: [58, false, 'SASL authentication failed.'],
  UNKNOWN_PRODUCER_ID: [59, false, 'The broker has no state for this producer id (its records may have expired).'],
  REASSIGNMENT_IN_PROGRESS: [60, false, 'A partition reassignment is in progress.'],
  DELEGATION_TOKEN_AUTH_DISABLED: [61, false, 'Delegation tokens are not enabled.'],
  DELEGATION_TOKEN_NOT_FOUND: [62, false, 'The delegation token does not exist.'],
  DELEGATION_TOKEN_OWNER_MISMATCH: [63, false, 'The principal is not the owner or a renewer of the token.'],
  DELEGATION_TOKEN_REQUEST_NOT_ALLOWED: [64, false, 'Delegation token requests are not allowed on this kind of connection.'],
  DELEGATION_TOKEN_AUTHORIZATION_FAILED: [65, false, 'Not authorized for the delegation token operation.'],
  DELEGATION_TOKEN_EXPIRED: [66, false, 'The delegation token has expired.'],
  INVALID_PRINCIPAL_TYPE: [67, false, 'The principal type is not supported.'],
  NON_EMPTY_GROUP: [68, false, 'The group still has members.'],
  GROUP_ID_NOT_FOUND: [69, false, 'The group does not exist.'],
  FETCH_SESSION_ID_NOT_FOUND: [70, true, 'The fetch session does not exist (any more).'],
  INVALID_FETCH_SESSION_EPOCH: [71, true, 'The fetch session epoch is not the expected one.'],
  LISTENER_NOT_FOUND: [72, true, "The leader has no listener matching the request's listener."],
  TOPIC_DELETION_DISABLED: [73, false, 'Topic deletion is disabled on the broker.'],
  FENCED_LEADER_EPOCH: [74, true, "The request's leader epoch is older than the broker's."],
  UNKNOWN_LEADER_EPOCH: [75, true, "The request's leader epoch is newer than the broker's."],
  UNSUPPORTED_COMPRESSION_TYPE: [76, false, 'The compression type is not supported for this request version.'],
  STALE_BROKER_EPOCH: [77, false, 'The broker epoch is stale.'],
  OFFSET_NOT_AVAILABLE: [78, true, 'The offset is not available yet after a leader change.'],
  MEMBER_ID_REQUIRED: [79, false, 'The member must rejoin with the member id the coordinator assigned.'],
  PREFERRED_LEADER_NOT_AVAILABLE: [80, true, 'The preferred leader is not available.'],
  GROUP_MAX_SIZE_REACHED: [81, false, 'The group has reached its maximum number of members.'],
  FENCED_INSTANCE_ID: [82, false, 'Another member registered with the same group.instance.id.'],
  ELIGIBLE_LEADERS_NOT_AVAILABLE: [83, true, 'No eligible leader is available for the partition.'],
  ELECTION_NOT_NEEDED: [84, true, 'The partition needs no leader election.'],
  NO_REASSIGNMENT_IN_PROGRESS: [85, false, 'No partition reassignment is in progress.'],
  GROUP_SUBSCRIBED_TO_TOPIC: [86, false, 'The group is subscribed to the topic, so its offsets cannot be deleted.'],
  INVALID_RECORD: [87, false, 'A record or batch failed broker-side validation.'],
  UNSTABLE_OFFSET_COMMIT: [88, true, 'Offsets of an open transaction are pending; retry once it completes.'],
  THROTTLING_QUOTA_EXCEEDED: [89, true, 'A throttling quota was exceeded.'],
  PRODUCER_FENCED: [90, false, 'A newer producer with the same transactional id has fenced this one.'],
  RESOURCE_NOT_FOUND: [91, false, 'The referenced resource does not exist.'],
  DUPLICATE_RESOURCE: [92, false, 'The request names the same resource more than once.'],
  UNACCEPTABLE_CREDENTIAL: [93, false, 'The credential does not meet the acceptance criteria.'],
  INCONSISTENT_VOTER_SET: [94, false, 'The sender or receiver is not one of the expected voters.'],
  INVALID_UPDATE_VERSION: [95, false, 'The update version is not valid.'],
  FEATURE_UPDATE_FAILED: [96, false, 'The finalized features could not be updated.'],
  PRINCIPAL_DESERIALIZATION_FAILURE: [97, false, 'A forwarded request principal could not be deserialized.'],
  SNAPSHOT_NOT_FOUND: [98, false, 'The requested snapshot does not exist.'],
  POSITION_OUT_OF_RANGE: [99, false, 'The requested position lies outside the snapshot.'],
  UNKNOWN_TOPIC_ID: [100, true, 'This broker does not host a topic with this id.'],
  DUPLICATE_BROKER_REGISTRATION: [101, false, 'The broker id is already registered.'],
  BROKER_ID_NOT_REGISTERED: [102, false, 'The broker id is not registered.'],
  INCONSISTENT_TOPIC_ID: [103, true, "The topic id does not match the log's topic id."],
  INCONSISTENT_CLUSTER_ID: [104, false, "The cluster id does not match the broker's."],
  TRANSACTIONAL_ID_NOT_FOUND: [105, false, 'The transactional id does not exist.'],
  FETCH_SESSION_TOPIC_ID_ERROR: [106, true, 'The fetch session used topic ids inconsistently.'],
  INELIGIBLE_REPLICA: [107, false, 'The proposed ISR contains an ineligible replica.'],
  NEW_LEADER_ELECTED: [108, false, 'The partition state was updated, but the leader has changed.'],
  OFFSET_MOVED_TO_TIERED_STORAGE: [109, false, 'The offset now lives in tiered storage.'],
  FENCED_MEMBER_EPOCH: [110, false, 'The member epoch was fenced; the member must drop its partitions and rejoin.'],
  UNRELEASED_INSTANCE_ID: [111, false, 'Another member still holds this instance id and must leave first.'],
  UNSUPPORTED_ASSIGNOR: [112, false, 'The group does not support this assignor or assignor version.'],
  STALE_MEMBER_EPOCH: [113, false, 'The member epoch is stale; heartbeat to learn the current one.'],
  MISMATCHED_ENDPOINT_TYPE: [114, false, 'The request reached an endpoint of the wrong type.'],
  UNSUPPORTED_ENDPOINT_TYPE: [115, false, 'This endpoint type is not supported.'],
  UNKNOWN_CONTROLLER_ID: [116, false, 'The controller id is not known.'],
  UNKNOWN_SUBSCRIPTION_ID: [117, false, 'The telemetry subscription id is unknown or outdated.'],
  TELEMETRY_TOO_LARGE: [118, false, 'The pushed telemetry exceeds the size the broker accepts.'],
  INVALID_REGISTRATION: [119, false, 'The controller rejected the broker registration.'],
  TRANSACTION_ABORTABLE: [120, false, 'The transaction hit an error; abort it to keep using the transactional id.'],
  INVALID_RECORD_STATE: [121, false, 'The record is not in a state that allows this acknowledgement.'],
  SHARE_SESSION_NOT_FOUND: [122, true, 'The share session does not exist.'],
  INVALID_SHARE_SESSION_EPOCH: [123, true, 'The share session epoch is not the expected one.'],
  FENCED_STATE_EPOCH: [124, false, 'The share-group state epoch does not match.'],
  INVALID_VOTER_KEY: [125, false, "The voter key does not match the receiver's."],
  DUPLICATE_VOTER: [126, false, 'The voter is already in the voter set.'],
  VOTER_NOT_FOUND: [127, false, 'The voter is not in the voter set.'],
  INVALID_REGULAR_EXPRESSION: [128, false, 'The regular expression is not valid.'],
  REBOOTSTRAP_REQUIRED: [129, false, 'The client metadata is stale; the client should bootstrap again.'],
  STREAMS_INVALID_TOPOLOGY: [130, false, 'The streams topology is not valid.'],
  STREAMS_INVALID_TOPOLOGY_EPOCH: [131, false, 'The streams topology epoch is not valid.'],
  STREAMS_TOPOLOGY_FENCED: [132, false, 'The streams topology epoch is outdated.'],
  SHARE_SESSION_LIMIT_REACHED: [133, true, 'The broker has reached its limit of share sessions.'],
} as const satisfies Record<string, Entry>;

export type ErrorName = keyof typeof CATALOGUE;
type Codes = { readonly [K in ErrorName]: (typeof CATALOGUE)[K][0] };
export type ErrorCodeValue = Codes[ErrorName];

/** Name → code, e.g. `ErrorCode.UNKNOWN_TOPIC_OR_PARTITION === 3`. */
export const ErrorCode: Codes = Object.freeze(
  Object.fromEntries(Object.entries(CATALOGUE).map(([name, entry]) => [name, entry[0]])),
) as Codes;

export interface KafkaErrorInfo {
  readonly code: number;
  readonly name: ErrorName;
  readonly retriable: boolean;
  readonly message: string;
}

const BY_CODE = new Map<number, KafkaErrorInfo>();
for (const [name, [code, retriable, message]] of Object.entries(CATALOGUE) as [ErrorName, Entry][]) {
  BY_CODE.set(code, Object.freeze({ code, name, retriable, message }));
}

/** Every known error, in code order. */
export const ALL_ERRORS: readonly KafkaErrorInfo[] = Object.freeze([...BY_CODE.values()].sort((a, b) => a.code - b.code));

export function errorInfo(code: number): KafkaErrorInfo | undefined {
  return BY_CODE.get(code);
}

/** Kafka's name for code, or `UNKNOWN_ERROR_CODE_<n>` for codes this catalogue does not know. */
export function errorName(code: number): string {
  return BY_CODE.get(code)?.name ?? `UNKNOWN_ERROR_CODE_${code}`;
}

/** Whether a client may retry the same request unchanged. Unknown codes are not retriable. */
export function isRetriable(code: number): boolean {
  return BY_CODE.get(code)?.retriable ?? false;
}

export function errorMessage(code: number): string {
  return BY_CODE.get(code)?.message ?? `Unknown Kafka error code ${code}.`;
}

/** A Kafka error code raised as an exception (client side, or inside the broker before it becomes data). */
export class KafkaProtocolError extends Error {
  override name = 'KafkaProtocolError';
  readonly errorCode: number;
  readonly errorName: string;
  readonly retriable: boolean;

  constructor(errorCode: number, detail?: string, options?: ErrorOptions) {
    super(`${errorName(errorCode)} (${errorCode}): ${detail ?? errorMessage(errorCode)}`, options);
    this.errorCode = errorCode;
    this.errorName = errorName(errorCode);
    this.retriable = isRetriable(errorCode);
  }
}
