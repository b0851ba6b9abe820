#!/usr/bin/env python3
"""Logs in to a KafkaSim SASL_PLAINTEXT listener with kafka-python 3.x and prints, as JSON, the
broker ids it then sees, or the error it got. Used by KafkaPythonFidelityTests.

  kafka_python_sasl.py --bootstrap H:P --mechanism SCRAM-SHA-256 --user bob --password-env PW
The password comes from an environment variable so it never appears in a process listing.
"""
import argparse
import json
import os

from kafka import KafkaAdminClient


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--mechanism", required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password-env", required=True)
    ap.add_argument("--bootstrap-timeout-ms", type=int, default=30000)
    args = ap.parse_args()
    try:
        admin = KafkaAdminClient(bootstrap_servers=args.bootstrap, security_protocol="SASL_PLAINTEXT",
                                 sasl_mechanism=args.mechanism, sasl_plain_username=args.user,
                                 sasl_plain_password=os.environ[args.password_env], request_timeout_ms=30000, bootstrap_timeout_ms=args.bootstrap_timeout_ms)
        brokers = sorted(b["broker_id"] for b in admin.describe_cluster()["brokers"])
        admin.close()
        print(json.dumps({"brokers": brokers}))
    except Exception as e:
        # The message helps when a loaded CI machine times out; it never holds the password.
        print(json.dumps({"error": type(e).__name__, "message": str(e)}))


if __name__ == "__main__":
    main()
