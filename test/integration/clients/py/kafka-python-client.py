#!/usr/bin/python3
"""Drives kafka-python (Debian's python3-kafka) against a broker; prints one JSON document on stdout.

Usage: kafka-python-client.py --bootstrap HOST:PORT <admin|create|produce|consume> [options]

No api_version is given anywhere: kafka-python must negotiate with the broker's ApiVersions.
Every blocking call has a timeout so a hung broker fails the caller well within a minute.
"""
import argparse
import json
import sys
import time

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic
from kafka.errors import KafkaError

REQUEST_TIMEOUT_MS = 15000
COMMON = dict(
    request_timeout_ms=REQUEST_TIMEOUT_MS,
    api_version_auto_timeout_ms=10000,
    client_id="kappa-kafka-python-test",
)


def admin(args):
    client = KafkaAdminClient(bootstrap_servers=args.bootstrap, **COMMON)
    out = {}
    try:
        topics = [NewTopic(name=t, num_partitions=args.partitions, replication_factor=1) for t in args.topic]
        res = client.create_topics(topics, timeout_ms=REQUEST_TIMEOUT_MS)
        out["create_errors"] = [[t, code] for (t, code, *_rest) in res.topic_errors]
        out["after_create"] = sorted(client.list_topics())
        # Creating an existing topic must be reported per topic, not as a broken connection.
        try:
            client.create_topics(topics[:1], timeout_ms=REQUEST_TIMEOUT_MS)
            out["create_again_error"] = None
        except KafkaError as e:
            out["create_again_error"] = type(e).__name__
        described = client.describe_topics(args.topic)
        out["described"] = sorted(
            [[d["topic"], d["error_code"], len(d["partitions"])] for d in described], key=lambda x: x[0]
        )
        res = client.delete_topics(args.topic, timeout_ms=REQUEST_TIMEOUT_MS)
        out["delete_errors"] = [[t, code] for (t, code) in res.topic_error_codes]
        out["after_delete"] = sorted(client.list_topics())
    finally:
        client.close()
    return out


def create(args):
    client = KafkaAdminClient(bootstrap_servers=args.bootstrap, **COMMON)
    try:
        topics = [NewTopic(name=t, num_partitions=args.partitions, replication_factor=1) for t in args.topic]
        res = client.create_topics(topics, timeout_ms=REQUEST_TIMEOUT_MS)
        return {"create_errors": [[t, code] for (t, code, *_rest) in res.topic_errors]}
    finally:
        client.close()


def produce(args):
    producer = KafkaProducer(
        bootstrap_servers=args.bootstrap,
        acks="all",
        retries=0,
        max_block_ms=20000,
        linger_ms=5,
        compression_type=args.compression,
        **COMMON,
    )
    futures = []
    for i in range(args.count):
        kwargs = dict(key=("key-%d" % i).encode(), value=("value-%d" % i).encode())
        if args.partition is not None:
            kwargs["partition"] = args.partition
        if args.timestamp_base is not None:
            kwargs["timestamp_ms"] = args.timestamp_base + i
        futures.append(producer.send(args.topic, **kwargs))
    producer.flush(timeout=30)
    records = []
    errors = []
    for f in futures:
        try:
            md = f.get(timeout=1)
            records.append([md.partition, md.offset])
        except KafkaError as e:
            errors.append(repr(e))
    producer.close(timeout=10)
    return {"acked": len(records), "errors": errors, "records": records}


def consume(args):
    consumer = KafkaConsumer(
        bootstrap_servers=args.bootstrap,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        consumer_timeout_ms=1000,
        fetch_max_wait_ms=200,
        **COMMON,
    )
    try:
        partitions = sorted(consumer.partitions_for_topic(args.topic) or [])
        tps = [TopicPartition(args.topic, p) for p in partitions]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        records = []
        deadline = time.monotonic() + args.timeout
        while len(records) < args.expect and time.monotonic() < deadline:
            batch = consumer.poll(timeout_ms=500)
            for tp in sorted(batch, key=lambda x: x.partition):
                for r in batch[tp]:
                    records.append(
                        [r.partition, r.offset, r.key.decode() if r.key is not None else None,
                         r.value.decode() if r.value is not None else None, r.timestamp]
                    )
        beginning = consumer.beginning_offsets(tps)
        end = consumer.end_offsets(tps)
        out = {
            "partitions": partitions,
            "records": records,
            "beginning_offsets": {str(tp.partition): o for tp, o in beginning.items()},
            "end_offsets": {str(tp.partition): o for tp, o in end.items()},
        }
        if args.times:
            found = {}
            for ts in args.times:
                res = consumer.offsets_for_times({tp: ts for tp in tps})
                found[str(ts)] = {
                    str(tp.partition): (None if v is None else [v.offset, v.timestamp]) for tp, v in res.items()
                }
            out["offsets_for_times"] = found
        return out
    finally:
        consumer.close()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bootstrap", required=True)
    sub = p.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("admin")
    a.add_argument("--topic", action="append", required=True)
    a.add_argument("--partitions", type=int, default=1)
    cr = sub.add_parser("create")
    cr.add_argument("--topic", action="append", required=True)
    cr.add_argument("--partitions", type=int, default=1)
    pr = sub.add_parser("produce")
    pr.add_argument("--topic", required=True)
    pr.add_argument("--count", type=int, required=True)
    pr.add_argument("--partition", type=int)
    pr.add_argument("--timestamp-base", type=int)
    pr.add_argument("--compression", choices=["gzip", "snappy", "lz4", "zstd"])
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
