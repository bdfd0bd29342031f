#!/usr/bin/python3
"""Drives confluent-kafka-python (Debian's python3-confluent-kafka, on librdkafka) against a broker;
prints one JSON document on stdout.

Usage: confluent-kafka-client.py --bootstrap HOST:PORT <admin|create|produce|consume> [options]

api.version.request stays at its default and broker.version.fallback is not set: librdkafka must
negotiate with the broker's ApiVersions. Every blocking call has a timeout well under a minute.
"""
import argparse
import json
import sys
import time

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, NewPartitions, NewTopic

TIMEOUT_S = 15
COMMON = {
    "socket.timeout.ms": 15000,
    "client.id": "kappa-confluent-kafka-test",
}


def topic_partitions(client, topic):
    md = client.list_topics(topic=topic, timeout=TIMEOUT_S)
    t = md.topics.get(topic)
    if t is None or t.error is not None:
        raise RuntimeError("topic %s not in metadata: %r" % (topic, t.error if t else None))
    return sorted(t.partitions)


def error_name(future):
    """The Kafka error name a future failed with, or None when it succeeded."""
    try:
        future.result(timeout=TIMEOUT_S)
        return None
    except KafkaException as e:
        return e.args[0].name()


def admin(args):
    client = AdminClient({"bootstrap.servers": args.bootstrap, **COMMON})
    topic = args.topic
    out = {}
    new = NewTopic(topic, num_partitions=args.partitions, replication_factor=1, config=dict(args.config))
    fs = client.create_topics([new], operation_timeout=TIMEOUT_S, request_timeout=TIMEOUT_S)
    out["create_error"] = error_name(fs[topic])
    fs = client.create_topics([new], operation_timeout=TIMEOUT_S, request_timeout=TIMEOUT_S)
    out["create_again_error"] = error_name(fs[topic])

    md = client.list_topics(timeout=TIMEOUT_S)
    out["brokers"] = sorted([b.id, b.host, b.port] for b in md.brokers.values())
    out["topics"] = sorted(md.topics)
    out["partitions"] = sorted(md.topics[topic].partitions) if topic in md.topics else None

    resource = ConfigResource("topic", topic)
    entries = client.describe_configs([resource], request_timeout=TIMEOUT_S)[resource].result(timeout=TIMEOUT_S)
    out["configs"] = {
        name: {"value": e.value, "is_default": e.is_default, "is_read_only": e.is_read_only}
        for name, e in entries.items()
    }

    fs = client.create_partitions(
        [NewPartitions(topic, args.grow_to)], operation_timeout=TIMEOUT_S, request_timeout=TIMEOUT_S
    )
    out["create_partitions_error"] = error_name(fs[topic])
    out["partitions_after_grow"] = topic_partitions(client, topic)
    # Shrinking is invalid in Kafka; the broker must say so per topic.
    fs = client.create_partitions([NewPartitions(topic, 1)], operation_timeout=TIMEOUT_S, request_timeout=TIMEOUT_S)
    out["shrink_error"] = error_name(fs[topic])

    fs = client.delete_topics([topic], operation_timeout=TIMEOUT_S, request_timeout=TIMEOUT_S)
    out["delete_error"] = error_name(fs[topic])
    out["topics_after_delete"] = sorted(client.list_topics(timeout=TIMEOUT_S).topics)
    return out


def create(args):
    client = AdminClient({"bootstrap.servers": args.bootstrap, **COMMON})
    new = NewTopic(args.topic, num_partitions=args.partitions, replication_factor=1, config=dict(args.config))
    fs = client.create_topics([new], operation_timeout=TIMEOUT_S, request_timeout=TIMEOUT_S)
    return {"create_error": error_name(fs[args.topic])}


def produce(args):
    producer = Producer(
        {
            "bootstrap.servers": args.bootstrap,
            "acks": "all",
            "message.timeout.ms": 30000,
            "linger.ms": 5,
            "compression.type": args.compression,
            **COMMON,
        }
    )
    delivered = []
    errors = []

    def on_delivery(err, msg):
        if err is not None:
            errors.append(err.name())
        else:
            delivered.append([msg.partition(), msg.offset(), msg.key().decode()])

    for i in range(args.count):
        kwargs = {"key": b"key-%d" % i, "value": b"value-%d" % i, "on_delivery": on_delivery}
        if args.partition is not None:
            kwargs["partition"] = args.partition
        if args.timestamp_base is not None:
            kwargs["timestamp"] = args.timestamp_base + i
        while True:
            try:
                producer.produce(args.topic, **kwargs)
                break
            except BufferError:
                producer.poll(0.1)
        producer.poll(0)
    remaining = producer.flush(35)
    return {"delivered": len(delivered), "errors": errors, "undelivered": remaining, "records": delivered}


def consume(args):
    # group.id is mandatory for this client's Consumer, but nothing here joins or commits: assign()
    # with explicit offsets fetches without a coordinator.
    consumer = Consumer(
        {
            "bootstrap.servers": args.bootstrap,
            "group.id": "kappa-test-unused",
            "enable.auto.commit": False,
            "enable.auto.offset.store": False,
            "enable.partition.eof": False,
            "fetch.wait.max.ms": 200,
            **COMMON,
        }
    )
    try:
        partitions = topic_partitions(consumer, args.topic)
        consumer.assign([TopicPartition(args.topic, p, OFFSET_BEGINNING) for p in partitions])
        records = []
        errors = []
        deadline = time.monotonic() + args.timeout
        while len(records) < args.expect and time.monotonic() < deadline:
            for m in consumer.consume(num_messages=1000, timeout=0.5):
                if m.error() is not None:
                    errors.append(m.error().name())
                    continue
                key = m.key()
                value = m.value()
                records.append(
                    [m.partition(), m.offset(), key.decode() if key is not None else None,
                     value.decode() if value is not None else None, m.timestamp()[1]]
                )
        watermarks = {
            str(p): list(consumer.get_watermark_offsets(TopicPartition(args.topic, p), timeout=TIMEOUT_S))
            for p in partitions
        }
        out = {"partitions": partitions, "records": records, "errors": errors, "watermarks": watermarks}
        if args.times:
            found = {}
            for ts in args.times:
                res = consumer.offsets_for_times([TopicPartition(args.topic, p, ts) for p in partitions], timeout=TIMEOUT_S)
                found[str(ts)] = {str(tp.partition): tp.offset for tp in res}
            out["offsets_for_times"] = found
        return out
    finally:
        consumer.close()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bootstrap", required=True)
    sub = p.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("admin")
    a.add_argument("--topic", required=True)
    a.add_argument("--partitions", type=int, default=1)
    a.add_argument("--grow-to", type=int, required=True)
    a.add_argument("--config", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"))
    cr = sub.add_parser("create")
    cr.add_argument("--topic", required=True)
    cr.add_argument("--partitions", type=int, default=1)
    cr.add_argument("--config", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"))
    pr = sub.add_parser("produce")
    pr.add_argument("--topic", required=True)
    pr.add_argument("--count", type=int, required=True)
    pr.add_argument("--partition", type=int)
    pr.add_argument("--timestamp-base", type=int)
    pr.add_argument("--compression", default="none", choices=["none", "gzip", "snappy", "lz4", "zstd"])
    c = sub.add_parser("consume")
    c.add_argument("--topic", required=True)
    c.add_argument("--expect", type=int, required=True)
    c.add_argument("--timeout", type=float, default=30)
    c.add_argument("--times", type=int, nargs="*", default=[])
    args = p.parse_args()
    out = {"admin": admin, "create": create, "produce": produce, "consume": consume}[args.cmd](args)
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
