"""confluent-kafka consumers with cooperative-sticky assignment against a broker.

Usage: cooperative.py BOOTSTRAP TOPIC GROUP
Prints one JSON object: the assignment events of each consumer and what was consumed.
"""
import json
import sys
import time

from confluent_kafka import Consumer, KafkaException, TopicPartition

bootstrap, topic, group = sys.argv[1], sys.argv[2], sys.argv[3]
events = []
owned = {}


def make(name):
    owned[name] = set()

    def on_assign(c, parts):
        events.append({"member": name, "kind": "assign", "partitions": sorted(p.partition for p in parts)})
        owned[name] |= {p.partition for p in parts}

    def on_revoke(c, parts):
        events.append({"member": name, "kind": "revoke", "partitions": sorted(p.partition for p in parts)})
        owned[name] -= {p.partition for p in parts}

    c = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": group,
        "partition.assignment.strategy": "cooperative-sticky",
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
        "session.timeout.ms": 10000,
        "heartbeat.interval.ms": 500,
    })
    c.subscribe([topic], on_assign=on_assign, on_revoke=on_revoke)
    return c


consumed = {}
commit_errors = []


def poll_all(consumers, until, limit=30.0):
    deadline = time.time() + limit
    while time.time() < deadline:
        for name, c in consumers.items():
            m = c.poll(0.05)
            if m is not None and not m.error():
                consumed.setdefault(f"{m.partition()}:{m.offset()}", []).append(name)
        if until():
            return True
    return False


def covered(names):
    parts = [p for n in names for p in owned[n]]
    return sorted(parts) == [0, 1, 2, 3]


consumers = {"a": make("a"), "b": make("b")}
ok1 = poll_all(consumers, lambda: covered(["a", "b"]) and all(owned[n] for n in ["a", "b"]))
before = {n: sorted(owned[n]) for n in ["a", "b"]}
marker = len(events)
consumers["c"] = make("c")
ok2 = poll_all(consumers, lambda: covered(["a", "b", "c"]) and all(owned[n] for n in ["a", "b", "c"]))
during = events[marker:]
after_join = {n: sorted(owned[n]) for n in ["a", "b", "c"]}
consumers["c"].close()
del consumers["c"]
ok3 = poll_all(consumers, lambda: covered(["a", "b"]) and len(consumed) >= 400, limit=40.0)
after_leave = {n: sorted(owned[n]) for n in ["a", "b"]}
# Commit once the group is stable again (commits racing a rebalance are fenced by the coordinator,
# and librdkafka then treats its assignment as lost, which is not what this test is about).
for name, c in consumers.items():
    if owned[name]:
        try:
            c.commit(asynchronous=False)
        except KafkaException as e:
            commit_errors.append(e.args[0].name())
committed = {}
for tp in consumers["a"].committed([TopicPartition(topic, p) for p in range(4)], timeout=10):
    committed[tp.partition] = tp.offset
for c in consumers.values():
    c.close()
print(json.dumps({
    "ok": [ok1, ok2, ok3], "before": before, "during": during, "afterJoin": after_join,
    "afterLeave": after_leave, "consumed": len(consumed),
    "duplicates": sum(1 for v in consumed.values() if len(v) > 1), "committed": committed,
    "commitErrors": sorted(set(commit_errors)),
}))
