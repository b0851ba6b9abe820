#!/usr/bin/env python3
"""kafka-python 3.x against a simulated cluster with dormant brokers: prints as JSON the broker ids
of describe_cluster (Metadata) and, with --unregister N, the answer to UnregisterBroker (api key 64)
for broker N. kafka-python 3.0.12 ships no UnregisterBroker class, so the request is kafka-python's own
schema-driven ApiMessage built over kscale's schema (Sources/kafka-codegen/schemas, as make_golden.py
does): kafka-python's encoder and decoder, not kscale's. Used by KafkaPythonFidelityTests."""
import argparse
import json
import os

from kafka import KafkaAdminClient

from own_schema_message import message_class

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCHEMAS = os.path.join(ROOT, "Sources", "kafka-codegen", "schemas")


def schema_path(name):
    return os.path.join(SCHEMAS, name + ".json")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--unregister", type=int)
    args = parser.parse_args()
    admin = KafkaAdminClient(bootstrap_servers=args.bootstrap, client_id="kscale-fidelity", request_timeout_ms=20000)
    out = {}
    try:
        out["brokers"] = sorted(b["broker_id"] for b in admin.describe_cluster()["brokers"])
        if args.unregister is not None:
            request_class = message_class("UnregisterBrokerRequest", schema_path)
            message_class("UnregisterBrokerResponse", schema_path)
            request = request_class(version=0, broker_id=args.unregister)

            async def call():
                return await admin._manager.send(request)

            response = admin._manager.run(call)
            out["error_code"] = response.error_code
            out["error_message"] = response.error_message
            out["brokers_after"] = sorted(b["broker_id"] for b in admin.describe_cluster()["brokers"])
    finally:
        admin.close()
    print(json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    main()
