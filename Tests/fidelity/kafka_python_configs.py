#!/usr/bin/env python3
"""Reads one topic's dynamic configs with kafka-python 3.x (a client kscale did not write) and
prints them as one JSON object: {"configs": {name: value}} for every config the broker reports as
set on the topic (not defaults). The Swift throttle tests use it to read the stored throttled
replica lists back exactly as Kafka's own clients see them.

With --when FILE it connects first and reads only once FILE exists (at most --wait seconds), so a
test can start it ahead and have the reading fall at a moment of its choosing (a move in flight)
without the interpreter's start-up in between.
"""
import argparse
import json
import os
import sys
import time

from kafka import KafkaAdminClient
from kafka.admin import ConfigResource, ConfigResourceType


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--topic", required=True)
    ap.add_argument("--when", help="read once this file exists")
    ap.add_argument("--wait", type=float, default=300.0, help="seconds to wait for --when at most")
    args = ap.parse_args()
    admin = KafkaAdminClient(bootstrap_servers=args.bootstrap, request_timeout_ms=30000, client_id="fidelity-configs")
    if args.when:
        print("ready", file=sys.stderr, flush=True)
        deadline = time.monotonic() + args.wait
        while not os.path.exists(args.when):
            if time.monotonic() > deadline:
                sys.exit(f"{args.when} did not appear within {args.wait} s")
            time.sleep(0.02)
    r = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, args.topic)], config_filter="all")
    r = r if isinstance(r, dict) else {}
    configs = r.get("topic", r.get("TOPIC", {})).get(args.topic, {}) if r else {}
    if not configs and r:
        # Whatever shape this kafka-python version returns.
        configs = next(iter(next(iter(r.values())).values()))
    dynamic = {name: c.get("value") for name, c in configs.items() if "DYNAMIC_TOPIC" in str(c.get("config_source"))}
    admin.close()
    print(json.dumps({"configs": dynamic}))


if __name__ == "__main__":
    main()
