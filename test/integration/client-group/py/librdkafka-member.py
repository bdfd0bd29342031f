"""One confluent-kafka (librdkafka) group member, for groups shared with Kappa's GroupConsumer.

Usage: librdkafka-member.py BOOTSTRAP TOPIC GROUP NAME STRATEGY
STRATEGY is librdkafka's partition.assignment.strategy (range, roundrobin, cooperative-sticky).
Reports JSON lines on stdout: assign / revoke / lost (the partitions of each
callback; incremental under cooperative-sticky), record (partition, offset, value), commit,
commit_error, closed. Commits synchronously after processing each batch, and commits processed
offsets in on_revoke before handing partitions over. `close` on stdin leaves the group and exits.
"""
import json
import queue
import sys
import threading

from confluent_kafka import Consumer, KafkaException, TopicPartition

bootstrap, topic, group, name, strategy = sys.argv[1:6]


def report(event):
    event["member"] = name
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


pending = {}  # partition -> next offset to commit (processed, not yet acknowledged)


def commit(consumer, partitions):
    offsets = [TopicPartition(topic, p, pending[p]) for p in partitions if p in pending]
    if not offsets:
        return
    try:
        result = consumer.commit(offsets=offsets, asynchronous=False)
    except KafkaException as e:
        report({"type": "commit_error", "error": e.args[0].name()})
        return
    done = {}
    for tp in result:
        if tp.error is None:
            done[str(tp.partition)] = tp.offset
            if pending.get(tp.partition) == tp.offset:
                del pending[tp.partition]
        else:
            report({"type": "commit_error", "error": tp.error.name()})
    if done:
        report({"type": "commit", "offsets": done})


def on_assign(consumer, parts):
    report({"type": "assign", "partitions": sorted(p.partition for p in parts)})


def on_revoke(consumer, parts):
    revoked = sorted(p.partition for p in parts)
    commit(consumer, revoked)
    for p in revoked:
        pending.pop(p, None)
    report({"type": "revoke", "partitions": revoked})


def on_lost(consumer, parts):
    lost = sorted(p.partition for p in parts)
    for p in lost:
        pending.pop(p, None)
    report({"type": "lost", "partitions": lost})


consumer = Consumer({
    "bootstrap.servers": bootstrap,
    "group.id": group,
    "client.id": "rdk-" + name,
    "partition.assignment.strategy": strategy,
    "auto.offset.reset": "earliest",
    "enable.auto.commit": False,
    "session.timeout.ms": 6000,
    "heartbeat.interval.ms": 300,
})
consumer.subscribe([topic], on_assign=on_assign, on_revoke=on_revoke, on_lost=on_lost)

commands = queue.Queue()


def read_commands():
    for line in sys.stdin:
        commands.put(line.strip())
    commands.put("close")


threading.Thread(target=read_commands, daemon=True).start()

while True:
    try:
        command = commands.get_nowait()
    except queue.Empty:
        command = None
    if command == "close":
        break
    for m in consumer.consume(num_messages=200, timeout=0.1):
        if m.error():
            report({"type": "error", "error": m.error().name()})
            continue
        report({"type": "record", "p": m.partition(), "o": m.offset(), "v": m.value().decode()})
        pending[m.partition()] = m.offset() + 1
    owned = {tp.partition for tp in consumer.assignment()}
    commit(consumer, sorted(p for p in pending if p in owned))

consumer.close()
report({"type": "closed"})
