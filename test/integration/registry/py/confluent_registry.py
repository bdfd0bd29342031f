"""confluent-kafka's SchemaRegistryClient (Debian's python3-confluent-kafka) against Kappa's registry:
register, fetch by id, latest version, lookup, compatibility, config, delete. Prints one JSON object."""
import json
import sys

from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.error import SchemaRegistryError

url = sys.argv[1]
client = SchemaRegistryClient({'url': url})
v1 = json.dumps({'type': 'record', 'name': 'Quote', 'fields': [{'name': 'symbol', 'type': 'string'}, {'name': 'latestPrice', 'type': 'double'}]})
v2 = json.dumps({'type': 'record', 'name': 'Quote', 'fields': [{'name': 'symbol', 'type': 'string'}, {'name': 'latestPrice', 'type': 'double'},
                                                            {'name': 'latestVolume', 'type': 'long', 'default': 0}]})
bad = json.dumps({'type': 'record', 'name': 'Quote', 'fields': [{'name': 'symbol', 'type': 'int'}]})
out = {}
id1 = client.register_schema('py-value', Schema(v1, 'AVRO'))
out['id1'] = id1
out['id1_again'] = client.register_schema('py-value', Schema(v1, 'AVRO'))
out['fetched'] = json.loads(client.get_schema(id1).schema_str)
out['compatible_v2'] = client.test_compatibility('py-value', Schema(v2, 'AVRO'))
out['compatible_bad'] = client.test_compatibility('py-value', Schema(bad, 'AVRO'))
id2 = client.register_schema('py-value', Schema(v2, 'AVRO'))
latest = client.get_latest_version('py-value')
out['latest'] = [latest.schema_id, latest.version, latest.subject]
looked = client.lookup_schema('py-value', Schema(v1, 'AVRO'))
out['lookup_v1'] = [looked.schema_id, looked.version]
out['subjects'] = client.get_subjects()
out['versions'] = client.get_versions('py-value')
try:
    client.register_schema('py-value', Schema(bad, 'AVRO'))
    out['register_bad'] = 'accepted'
except SchemaRegistryError as e:
    out['register_bad'] = [e.http_status_code, e.error_code]
try:
    client.get_schema(9999)
    out['missing'] = 'found'
except SchemaRegistryError as e:
    out['missing'] = [e.http_status_code, e.error_code]
out['set_config'] = client.set_compatibility('py-value', 'FULL')
out['get_config'] = client.get_compatibility('py-value')
out['deleted_version'] = client.delete_version('py-value', 1)
out['versions_after'] = client.get_versions('py-value')
out['deleted_subject'] = client.delete_subject('py-value')
out['subjects_after'] = client.get_subjects()
out['id2'] = id2
print(json.dumps(out))
