// Public surface of Kappa's Kafka-protocol client.
export { KafkaClient, type KafkaClientOptions } from './kafka-client.js';
export { Cluster, parseHostPort, type ClusterOptions, type BrokerInfo, type TopicInfo, type PartitionInfo } from './cluster.js';
export { Connection, type ConnectionOptions } from './connection.js';
export { Producer, type ProducerOptions, type ProducerRecord, type RecordMetadata } from './producer.js';
export { TransactionError, type TransactionState, type TransactionOffset, type ConsumerGroupMetadata } from './transactions.js';
export { Consumer, type ConsumerOptions, type ConsumerRecord, type ConsumerBatch, type StartOffset, type TopicPartitionOffset } from './consumer.js';
export {
  GroupConsumer,
  CommitFailedError,
  type GroupConsumerOptions,
  type GroupRunHandlers,
  type GroupMetadata,
  type OffsetToCommit,
  type RebalanceListener,
} from './group-consumer.js';
export {
  rangeAssignor,
  roundRobinAssignor,
  cooperativeStickyAssignor,
  type Assignor,
  type AssignorName,
  type MemberSubscription,
  type RebalanceProtocol,
  type TopicPartition,
} from './assignors.js';
export {
  Admin,
  type NewTopic,
  type ConfigEntry,
  type ConfigChange,
  type OffsetSpec,
  type PartitionOffset,
  type TransactionListing,
  type TransactionDescription,
  type ProducerState,
  type PartitionProducers,
} from './admin.js';
export { KafkaClientError, KafkaProtocolError, ConnectionError, RequestTimeoutError, UnsupportedVersionError } from './errors.js';
export { murmur2, partitionForKey } from './partitioner.js';
