#!/usr/bin/python3
"""confluent-kafka-python (Debian's python3-confluent-kafka 1.7.0 on librdkafka 2.0.2) transactions
and idempotence against a broker. Each command prints JSON on stdout.

Usage: confluent-txn.py BOOTSTRAP COMMAND ARGS...

  read TOPIC ISOLATION
      Reads every partition from the beginning to its end (the last stable offset under
      read_committed) and prints {"partitions": {"P": [[offset, value], ...]}}.
  committed GROUP TOPIC
      Prints {"offsets": {"P": offset}} as OffsetFetch returns them (no offset: -1001).
  eos IN OUT GROUP TXN_ID
      Consume-transform-produce with a subscribed read_committed consumer of IN (100 records,
      1 partition) and a transactional producer writing OUT: transaction 1 carries input 0..39 and
      the group's position 40 (committed); transaction 2 input 40..69 and position 70 (aborted,
      then the consumer rewinds to 40 as an EOS application must); transaction 3 input 40..99 and
      position 100 (committed). Before transaction 3 commits, its records are produced and flushed
      and both isolation levels are read while it is open. Prints every step's observations.
  fence TOPIC TXN_ID
      Producer A begins a transaction and writes 10 records; producer B with the same
      transactional.id initialises (fencing A), writes 10 records and commits; A then produces one
      more record and tries to commit. Prints A's errors.
  idem TOPIC PARTITIONS COUNT
      An enable.idempotence producer writes values 0..COUNT-1, value v to partition v % PARTITIONS,
      paced (chunks of 200 with short sleeps) so that the test can restart the broker mid-stream.
      Prints JSON lines: {"type": "progress", "acked": n} every 1000 acknowledgements, then
      {"type": "done", ...}.
  txnbench TOPIC PER_TXN TXNS SIZE
      For bench/txn-bench.ts: a transactional producer commits TXNS transactions of PER_TXN records
      of SIZE bytes (round-robin over the topic's partitions); prints the duration of each commit
      cycle (begin, produce, commit) in seconds.
"""
import json
import sys
import time

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, Producer, TopicPartition

TIMEOUT_S = 30


def out(doc):
    sys.stdout.write(json.dumps(doc) + "\n")
    sys.stdout.flush()


def partitions_of(client, topic):
    md = client.list_topics(topic=topic, timeout=TIMEOUT_S)
    t = md.topics.get(topic)
    if t is None or t.error is not None:
        raise RuntimeError("topic %s not in metadata: %r" % (topic, t.error if t else None))
    return sorted(t.partitions)


def read(bootstrap, topic, isolation):
    """Every record of every partition up to its end for this isolation level, in offset order."""
    c = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": "confluent-txn-reader",  # never joined: assign() only, nothing committed
        "enable.auto.commit": False,
        "enable.partition.eof": True,
        "isolation.level": isolation,
    })
    parts = partitions_of(c, topic)
    c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in parts])
    records = {str(p): [] for p in parts}
    at_end = set()
    deadline = time.time() + TIMEOUT_S
    while len(at_end) < len(parts):
        if time.time() > deadline:
            raise RuntimeError("no end of partitions %s within %ss (read %s)" % (
                sorted(set(parts) - at_end), TIMEOUT_S, {p: len(r) for p, r in records.items()}))
        for m in c.consume(num_messages=1000, timeout=0.2):
            if m.error():
                if m.error().code() == KafkaError._PARTITION_EOF:
                    at_end.add(m.partition())
                    continue
                raise KafkaException(m.error())
            records[str(m.partition())].append([m.offset(), m.value().decode()])
            at_end.discard(m.partition())
    c.close()
    return records


def values(records):
    return sorted(v for recs in records.values() for _, v in recs)


def committed(bootstrap, group, topic, require_stable=False, timeout=TIMEOUT_S):
    """OffsetFetch of the group's offsets. librdkafka asks for stable offsets (KIP-447 requireStable)
    when its isolation.level is read_committed: the broker then answers UNSTABLE_OFFSET_COMMIT
    (retriable, retried until the timeout) while a transaction holds pending offsets."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False,
                  "isolation.level": "read_committed" if require_stable else "read_uncommitted"})
    parts = partitions_of(c, topic)
    try:
        res = c.committed([TopicPartition(topic, p) for p in parts], timeout=timeout)
    finally:
        c.close()
    return {str(tp.partition): tp.offset for tp in res}


def error_doc(e):
    err = e.args[0] if e.args else None
    if isinstance(err, KafkaError):
        return {"name": err.name(), "code": err.code(), "fatal": err.fatal(), "retriable": err.retriable(),
                "txn_requires_abort": err.txn_requires_abort(), "str": err.str()}
    return {"name": type(e).__name__, "str": str(e)}


def eos(bootstrap, in_topic, out_topic, group, txn_id):
    steps = {}
    consumer = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": group,
        "enable.auto.commit": False,
        "auto.offset.reset": "earliest",
        "isolation.level": "read_committed",
        "session.timeout.ms": 6000,
    })
    consumer.subscribe([in_topic])
    producer = Producer({"bootstrap.servers": bootstrap, "transactional.id": txn_id, "linger.ms": 5})
    producer.init_transactions(TIMEOUT_S)

    def take(n):
        got = []
        deadline = time.time() + TIMEOUT_S
        while len(got) < n:
            if time.time() > deadline:
                raise RuntimeError("consumed %d of %d input records in %ss" % (len(got), n, TIMEOUT_S))
            for m in consumer.consume(num_messages=n - len(got), timeout=0.2):
                if m.error():
                    raise KafkaException(m.error())
                got.append(m)
        return got

    def transaction(tag, msgs):
        producer.begin_transaction()
        for m in msgs:
            producer.produce(out_topic, key=m.key(), value=("%s-%s" % (tag, m.value().decode())).encode())
        producer.send_offsets_to_transaction(consumer.position(consumer.assignment()),
                                             consumer.consumer_group_metadata(), TIMEOUT_S)

    def positions():
        return {str(tp.partition): tp.offset for tp in consumer.position(consumer.assignment())}

    transaction("c1", take(40))
    producer.commit_transaction(TIMEOUT_S)
    # EndTxn answers once the commit is decided; as in Kafka the markers (and the group's offsets)
    # follow, so a reader that must see them asks for stable offsets (retried until they are).
    steps["after_commit_1"] = {"position": positions(), "committed": committed(bootstrap, group, in_topic, require_stable=True)}

    transaction("a2", take(30))
    steps["position_in_2"] = positions()
    # Delivered first, so the aborted records are really in the log (abort_transaction purges what
    # librdkafka has not sent yet) and read_committed readers must skip them.
    steps["unflushed_2"] = producer.flush(TIMEOUT_S)
    producer.abort_transaction(TIMEOUT_S)
    # The aborted transaction's offsets are discarded: the group's committed offset is still 40, and
    # the application rewinds there to process those records again.
    steps["after_abort_2"] = {"committed": committed(bootstrap, group, in_topic, require_stable=True)}
    for tp in consumer.committed(consumer.assignment(), timeout=TIMEOUT_S):
        consumer.seek(tp)

    transaction("c3", take(60))
    producer.flush(TIMEOUT_S)
    steps["open_3"] = {
        "read_committed": values(read(bootstrap, out_topic, "read_committed")),
        "read_uncommitted": values(read(bootstrap, out_topic, "read_uncommitted")),
        "committed": committed(bootstrap, group, in_topic),
    }
    try:
        steps["open_3"]["committed_stable"] = committed(bootstrap, group, in_topic, require_stable=True, timeout=3)
    except KafkaException as e:
        steps["open_3"]["committed_stable_error"] = error_doc(e)
    producer.commit_transaction(TIMEOUT_S)
    stable = committed(bootstrap, group, in_topic, require_stable=True)
    steps["after_commit_3"] = {"committed_stable": stable, "committed": committed(bootstrap, group, in_topic)}
    consumer.close()
    return steps


def fence(bootstrap, topic, txn_id):
    res = {}
    fatal = []
    conf = {"bootstrap.servers": bootstrap, "transactional.id": txn_id, "linger.ms": 5}
    a = Producer({**conf, "client.id": "zombie", "error_cb": lambda e: fatal.append(e.name())})
    a.init_transactions(TIMEOUT_S)
    a.begin_transaction()
    for i in range(10):
        a.produce(topic, value=b"zombie-%d" % i, partition=i % 2)
    res["zombie_unflushed"] = a.flush(TIMEOUT_S)

    b = Producer({**conf, "client.id": "successor"})
    b.init_transactions(TIMEOUT_S)  # bumps the epoch, aborting A's open transaction
    b.begin_transaction()
    for i in range(10):
        b.produce(topic, value=b"successor-%d" % i, partition=i % 2)
    b.commit_transaction(TIMEOUT_S)

    delivery = []
    try:
        a.produce(topic, value=b"zombie-late", partition=0,
                  on_delivery=lambda err, msg: delivery.append(err.name() if err else "delivered"))
        a.flush(TIMEOUT_S)
        res["zombie_produce_error"] = None
    except KafkaException as e:
        res["zombie_produce_error"] = error_doc(e)
    res["zombie_late_delivery"] = delivery
    try:
        a.commit_transaction(TIMEOUT_S)
        res["zombie_commit_error"] = None
    except KafkaException as e:
        res["zombie_commit_error"] = error_doc(e)
    res["zombie_error_cb"] = fatal
    return res


def idem(bootstrap, topic, partitions, count):
    acked = [0]
    errors = []  # delivery failures
    client_errors = []  # error_cb: transport errors are informational, a fatal one is not
    offsets = {}

    def on_delivery(err, msg):
        if err is not None:
            errors.append(err.name())
            return
        acked[0] += 1
        offsets[msg.partition()] = msg.offset()
        if acked[0] % 1000 == 0:
            out({"type": "progress", "acked": acked[0]})

    p = Producer({
        "bootstrap.servers": bootstrap,
        "enable.idempotence": True,
        "linger.ms": 5,
        "message.timeout.ms": 120000,
        "error_cb": lambda e: client_errors.append({"name": e.name(), "fatal": e.fatal()}),
    })
    started = time.time()
    for v in range(count):
        while True:
            try:
                p.produce(topic, value=str(v).encode(), partition=v % partitions, on_delivery=on_delivery)
                break
            except BufferError:
                p.poll(0.05)
        if v % 200 == 199:
            p.poll(0.01)
    remaining = p.flush(150)
    out({"type": "done", "acked": acked[0], "unflushed": remaining, "errors": errors[:50],
         "error_count": len(errors), "client_errors": client_errors[:50], "seconds": time.time() - started,
         "last_offsets": {str(k): v for k, v in offsets.items()}})


def txnbench(bootstrap, topic, per_txn, txns, size):
    p = Producer({"bootstrap.servers": bootstrap, "transactional.id": "txn-bench-" + topic, "linger.ms": 5,
                  "batch.num.messages": 10000, "queue.buffering.max.messages": 1000000})
    p.init_transactions(TIMEOUT_S)
    parts = partitions_of(p, topic)
    value = b"x" * size
    cycles = []
    for t in range(txns):
        started = time.time()
        p.begin_transaction()
        for i in range(per_txn):
            while True:
                try:
                    p.produce(topic, value=value, partition=parts[i % len(parts)])
                    break
                except BufferError:
                    p.poll(0.01)
        p.commit_transaction(TIMEOUT_S)  # flushes, then EndTxn
        cycles.append(time.time() - started)
    return {"cycles": cycles}


def main():
    bootstrap, command, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    if command == "read":
        out({"partitions": read(bootstrap, args[0], args[1])})
    elif command == "committed":
        out({"offsets": committed(bootstrap, args[0], args[1])})
    elif command == "eos":
        out(eos(bootstrap, *args))
    elif command == "fence":
        out(fence(bootstrap, *args))
    elif command == "txnbench":
        out(txnbench(bootstrap, args[0], int(args[1]), int(args[2]), int(args[3])))
    elif command == "idem":
        idem(bootstrap, args[0], int(args[1]), int(args[2]))
    else:
        raise SystemExit("unknown command " + command)


main()
