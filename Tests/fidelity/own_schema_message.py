"""A kafka-python 3.x message class for a message it ships none for (3.0.12 has no UnregisterBroker):
kafka-python's own schema-driven ApiMessage, built over a schema file of kscale's
(Sources/kafka-codegen/schemas), so encoding and decoding stay kafka-python's. Shared by
Fixtures/protocol/make_golden.py (golden bytes) and kafka_python_brokers.py (fidelity)."""
import json
import re
import types

import kafka.protocol.api_data as api_data
from kafka.protocol.api_message import ApiMessage


def message_class(name, schema_path):
    """`schema_path(name)` is the schema file of message `name` (e.g. UnregisterBrokerRequest)."""
    original = api_data.load_json

    def load(msg_type, package=None):
        with open(schema_path(msg_type), encoding="utf-8") as f:
            return json.loads(re.sub(r"(?m)^\s*//.*\n?", "", f.read()))

    api_data.load_json = load
    try:
        return types.new_class(name, (ApiMessage,))
    finally:
        api_data.load_json = original
