"""confluent-kafka's JSONSerializer / JSONDeserializer (Debian's python3-confluent-kafka, with
python3-jsonschema) against Kappa's registry and broker. Usage: URL BOOTSTRAP TOPIC SCHEMA_FILE COUNT_EXPECTED

Produces two orders with JSONSerializer, refuses an invalid one, then reads every record of the topic
(those written by `kappa produce` too) with JSONDeserializer. Prints one JSON object."""
import json
import sys

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.error import SchemaRegistryError
from confluent_kafka.schema_registry.json_schema import JSONDeserializer, JSONSerializer
from confluent_kafka.serialization import MessageField, SerializationContext
from confluent_kafka.serialization import SerializationError
from jsonschema import ValidationError

url, bootstrap, topic, schema_file, expected = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
schema_str = open(schema_file).read()
client = SchemaRegistryClient({'url': url})
out = {}

serializer = JSONSerializer(schema_str, client, to_dict=lambda obj, ctx: obj)
ctx = SerializationContext(topic, MessageField.VALUE)
producer = Producer({'bootstrap.servers': bootstrap})
for order in [{'symbol': 'AAPL', 'qty': 10, 'side': 'BUY'}, {'symbol': 'MSFT', 'qty': 5, 'side': 'SELL'}]:
    producer.produce(topic, key=order['symbol'], value=serializer(order, ctx))
try:
    serializer({'symbol': 'AAPL', 'qty': 'ten', 'side': 'BUY'}, ctx)
    out['invalid_refused'] = False
except (ValidationError, SerializationError):
    out['invalid_refused'] = True
producer.flush(10)
out['registered_id'] = client.lookup_schema(topic + '-value', Schema(schema_str, 'JSON')).schema_id

# An open content model gaining a typed property is refused under BACKWARD.
evolved = json.loads(schema_str)
evolved.pop('additionalProperties', None)
try:
    client.register_schema('open-' + topic + '-value', Schema(json.dumps(evolved), 'JSON'))
    evolved['properties']['venue'] = {'type': 'string'}
    client.register_schema('open-' + topic + '-value', Schema(json.dumps(evolved), 'JSON'))
    out['open_add'] = 'accepted'
except SchemaRegistryError as e:
    out['open_add'] = [e.http_status_code, e.error_code, 'PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL' in e.error_message]

deserializer = JSONDeserializer(schema_str, from_dict=lambda d, ctx: d)
consumer = Consumer({'bootstrap.servers': bootstrap, 'group.id': 'json-serde', 'enable.auto.commit': False})
consumer.assign([TopicPartition(topic, 0, 0)])
values = []
while len(values) < expected:
    m = consumer.poll(10)
    if m is None:
        break
    if m.error():
        continue
    values.append(deserializer(m.value(), SerializationContext(topic, MessageField.VALUE)))
consumer.close()
out['values'] = values
print(json.dumps(out))
