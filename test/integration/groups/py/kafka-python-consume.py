"""kafka-python KafkaConsumer(group_id=...) reading exactly COUNT records, committing synchronously
after each poll, then closing (LeaveGroup) without any further commit.

Usage: kafka-python-consume.py BOOTSTRAP TOPIC GROUP COUNT
Prints one JSON object: the records read ([partition, offset, value]) and the offsets it committed.
"""
import json
import sys
import time

from kafka import KafkaConsumer, TopicPartition
from kafka.structs import OffsetAndMetadata

bootstrap, topic, group, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
consumer = KafkaConsumer(
    topic,
    bootstrap_servers=bootstrap,
    group_id=group,
    client_id="kafka-python-" + group,
    auto_offset_reset="earliest",
    enable_auto_commit=False,
    session_timeout_ms=6000,
    heartbeat_interval_ms=500,
)
records = []
committed = {}
deadline = time.time() + 40
while len(records) < count and time.time() < deadline:
    polled = consumer.poll(timeout_ms=500, max_records=count - len(records))
    offsets = {}
    for tp, messages in polled.items():
        for m in messages:
            records.append([m.partition, m.offset, m.value.decode()])
            offsets[tp] = OffsetAndMetadata(m.offset + 1, None)
    if offsets:
        consumer.commit(offsets)  # synchronous: raises unless the coordinator accepted it
        for tp, om in offsets.items():
            committed[str(tp.partition)] = om.offset
consumer.close(autocommit=False)
print(json.dumps({"records": records, "committed": committed}))
