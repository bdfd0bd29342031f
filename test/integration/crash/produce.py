#!/usr/bin/python3
"""Produces COUNT records with acks=all from confluent-kafka-python (librdkafka) and prints every
acknowledgement as soon as it arrives, so a test can kill the broker mid-stream and know exactly
which records the broker promised to keep.

Usage: produce.py --bootstrap HOST:PORT --topic T --partitions N --count COUNT [--rate PER_SECOND]

Record i (value "i", key none) goes to partition i % N, so partition p must hold the values
p, p+N, p+2N, ... at offsets 0, 1, 2, ...

stdout: one line {"event": "created"} once the topic exists, then one JSON line per delivered
record, [partition, offset, value], flushed each time (the test reads them while we run), then
{"event": "done"} after every record was acknowledged. Delivery failures go to stderr only: an
unacknowledged record promises nothing.
"""
import argparse
import json
import sys
import time

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

TIMEOUT_S = 15


def emit(obj):
    sys.stdout.write(json.dumps(obj, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--topic", required=True)
    ap.add_argument("--partitions", type=int, default=1)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--rate", type=float, default=0, help="records per second, 0 for unthrottled")
    args = ap.parse_args()

    admin = AdminClient({"bootstrap.servers": args.bootstrap, "socket.timeout.ms": 15000})
    new = NewTopic(args.topic, num_partitions=args.partitions, replication_factor=1)
    admin.create_topics([new], operation_timeout=TIMEOUT_S, request_timeout=TIMEOUT_S)[args.topic].result(timeout=TIMEOUT_S)
    emit({"event": "created"})

    producer = Producer(
        {
            "bootstrap.servers": args.bootstrap,
            "acks": "all",
            "linger.ms": 5,
            "socket.timeout.ms": 15000,
            "client.id": "kappa-crash-test",
        }
    )

    def on_delivery(err, msg):
        if err is not None:
            sys.stderr.write("delivery failed: %s %s\n" % (msg.value(), err))
            return
        emit([msg.partition(), msg.offset(), int(msg.value())])

    started = time.monotonic()
    for i in range(args.count):
        if args.rate > 0:
            # Paced so that the broker is still being written to when the test kills it.
            ahead = i / args.rate - (time.monotonic() - started)
            if ahead > 0:
                producer.poll(ahead)
        while True:
            try:
                producer.produce(args.topic, value=str(i).encode(), partition=i % args.partitions, on_delivery=on_delivery)
                break
            except BufferError:
                producer.poll(0.05)
        producer.poll(0)
    remaining = producer.flush(60)
    if remaining:
        sys.stderr.write("%d records not acknowledged\n" % remaining)
        sys.exit(1)
    emit({"event": "done"})


if __name__ == "__main__":
    main()
