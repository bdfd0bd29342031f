#!/usr/bin/python3
"""confluent-kafka-python's AdminClient (with librdkafka) against consumer groups and broker configs;
prints one JSON document on stdout.

Usage: confluent-admin.py --bootstrap HOST:PORT --topic T --group G

Debian's python3-confluent-kafka may predate the consumer-group admin calls (list_consumer_groups
and friends arrived in 2.0, delete_records in 2.4, incremental_alter_configs in 2.2): each call the
installed version lacks is listed under "skipped" with the reason, and the older equivalent
(list_groups, Consumer.committed/commit, alter_configs) is used instead.
"""
import argparse
import json
import sys

import confluent_kafka
from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic

TIMEOUT_S = 15
COMMON = {"socket.timeout.ms": 15000, "client.id": "kappa-confluent-admin-test"}


def error_name(fn):
    try:
        fn()
        return None
    except KafkaException as e:
        return e.args[0].name()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bootstrap", required=True)
    p.add_argument("--topic", required=True)
    p.add_argument("--group", required=True)
    args = p.parse_args()
    out = {"version": confluent_kafka.__version__, "librdkafka": confluent_kafka.libversion()[0], "skipped": {}}
    admin = AdminClient({"bootstrap.servers": args.bootstrap, **COMMON})
    topic, group = args.topic, args.group

    admin.create_topics([NewTopic(topic, num_partitions=2, replication_factor=1)], request_timeout=TIMEOUT_S)[topic].result(TIMEOUT_S)
    producer = Producer({"bootstrap.servers": args.bootstrap, **COMMON})
    for i in range(20):
        producer.produce(topic, value=b"v%d" % i, partition=i % 2)
    if producer.flush(TIMEOUT_S) != 0:
        raise RuntimeError("produce did not finish")

    # A group member that reads everything and commits synchronously, then stays in the group.
    consumer = Consumer({"bootstrap.servers": args.bootstrap, "group.id": group, "enable.auto.commit": False,
                         "auto.offset.reset": "earliest", **COMMON})
    consumer.subscribe([topic])
    got = 0
    for _ in range(200):
        msg = consumer.poll(0.5)
        if msg is not None and msg.error() is None:
            got += 1
        if got == 20:
            break
    consumer.commit(asynchronous=False)
    out["consumed"] = got

    def groups():
        return sorted([[g.id, g.state, g.protocol_type, g.protocol, len(g.members)] for g in admin.list_groups(timeout=TIMEOUT_S)])

    out["list_groups_active"] = groups()
    if hasattr(admin, "describe_consumer_groups"):
        d = admin.describe_consumer_groups([group], request_timeout=TIMEOUT_S)[group].result()
        out["describe_consumer_groups"] = {
            "state": str(d.state), "members": [sorted([[tp.topic, tp.partition] for tp in m.assignment.topic_partitions]) for m in d.members]}
    else:
        out["skipped"]["describe_consumer_groups"] = "confluent-kafka %s has no describe_consumer_groups (2.0+)" % confluent_kafka.__version__
    if hasattr(admin, "list_consumer_group_offsets"):
        from confluent_kafka import ConsumerGroupTopicPartitions
        r = admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group)])[group].result()
        out["committed"] = sorted([[tp.partition, tp.offset] for tp in r.topic_partitions])
    else:
        out["skipped"]["list_consumer_group_offsets"] = "confluent-kafka %s has no list_consumer_group_offsets (2.0+); used Consumer.committed" % confluent_kafka.__version__
        tps = consumer.committed([TopicPartition(topic, 0), TopicPartition(topic, 1)], timeout=TIMEOUT_S)
        out["committed"] = sorted([[tp.partition, tp.offset] for tp in tps])
    consumer.close()
    out["list_groups_after_close"] = groups()

    # Offsets of the now empty group: set them, read them back.
    if hasattr(admin, "alter_consumer_group_offsets"):
        from confluent_kafka import ConsumerGroupTopicPartitions
        admin.alter_consumer_group_offsets([ConsumerGroupTopicPartitions(group, [TopicPartition(topic, 0, 3), TopicPartition(topic, 1, 7)])])[group].result()
        r = admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group)])[group].result()
        out["committed_after_alter"] = sorted([[tp.partition, tp.offset] for tp in r.topic_partitions])
    else:
        out["skipped"]["alter_consumer_group_offsets"] = "confluent-kafka %s has no alter_consumer_group_offsets (2.0+); used Consumer.commit" % confluent_kafka.__version__
        c = Consumer({"bootstrap.servers": args.bootstrap, "group.id": group, "enable.auto.commit": False, **COMMON})
        c.commit(offsets=[TopicPartition(topic, 0, 3), TopicPartition(topic, 1, 7)], asynchronous=False)
        out["committed_after_alter"] = sorted([[tp.partition, tp.offset] for tp in c.committed([TopicPartition(topic, 0), TopicPartition(topic, 1)], timeout=TIMEOUT_S)])
        c.close()

    if hasattr(admin, "delete_records"):
        r = admin.delete_records([TopicPartition(topic, 0, 5)], request_timeout=TIMEOUT_S)
        out["delete_records_low"] = [f.result().offset for f in r.values()]
    else:
        out["skipped"]["delete_records"] = "confluent-kafka %s has no delete_records (2.4+)" % confluent_kafka.__version__

    if hasattr(admin, "delete_consumer_groups"):
        out["delete_group_error"] = error_name(lambda: admin.delete_consumer_groups([group], request_timeout=TIMEOUT_S)[group].result())
        out["list_groups_after_delete"] = groups()
    else:
        out["skipped"]["delete_consumer_groups"] = "confluent-kafka %s has no delete_consumer_groups (2.0+)" % confluent_kafka.__version__

    # Broker configs: a dynamic per-broker value with AlterConfigs, then DescribeConfigs shows its source.
    broker_id = str(min(admin.list_topics(timeout=TIMEOUT_S).brokers))
    res = ConfigResource(ConfigResource.Type.BROKER, broker_id, set_config={"log.retention.ms": "3600000", "log.cleanup.policy": "compact,delete"})
    out["alter_broker_error"] = error_name(lambda: admin.alter_configs([res], request_timeout=TIMEOUT_S)[res].result())
    bad = ConfigResource(ConfigResource.Type.BROKER, broker_id, set_config={"node.id": "9"})
    out["alter_read_only_error"] = error_name(lambda: admin.alter_configs([bad], request_timeout=TIMEOUT_S)[bad].result())
    desc = ConfigResource(ConfigResource.Type.BROKER, broker_id)
    configs = admin.describe_configs([desc], request_timeout=TIMEOUT_S)[desc].result()
    out["broker_configs"] = {name: {"value": e.value, "source": int(e.source), "read_only": e.is_read_only,
                                    "synonyms": [[s.name, s.value, int(s.source)] for s in e.synonyms.values()]}
                             for name, e in configs.items() if name in ("log.retention.ms", "log.cleanup.policy", "node.id")}
    tdesc = ConfigResource(ConfigResource.Type.TOPIC, topic)
    tconf = admin.describe_configs([tdesc], request_timeout=TIMEOUT_S)[tdesc].result()
    out["topic_configs"] = {name: {"value": e.value, "source": int(e.source)} for name, e in tconf.items() if name in ("retention.ms", "cleanup.policy")}
    if not hasattr(admin, "incremental_alter_configs"):
        out["skipped"]["incremental_alter_configs"] = "confluent-kafka %s has no incremental_alter_configs (2.2+)" % confluent_kafka.__version__

    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
