#!/usr/bin/env python3
"""Drives a KafkaSim cluster with kafka-python 3.x (a client kscale did not write) and prints what
it got back as one JSON object. The Swift test KafkaPythonFidelityTests starts the simulator,
runs this script and asserts on the JSON and on the simulator's own state.

Expects the cluster the Swift test builds: brokers 1-4 (racks a, b, c, a) and topic "orders"
with partitions 0 -> [1, 2] and 1 -> [2, 3]; broker 1 is the controller.
"""
import argparse
import json
import sys
import traceback

from kafka import KafkaAdminClient, KafkaProducer, TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType, NewPartitions, NewTopic


def error_name(err):
    """kafka-python reports per-item errors as classes (or None); keep just the Kafka name."""
    if err is None:
        return None
    return getattr(err, "message", None) or getattr(err, "__name__", str(err))


def step(out, name, fn):
    try:
        out[name] = fn()
    except Exception as e:  # record, keep going: the Swift test says which step broke
        out.setdefault("exceptions", {})[name] = "%s: %s" % (type(e).__name__, e)
        traceback.print_exc(file=sys.stderr)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bootstrap", required=True)
    args = ap.parse_args()
    out = {}
    admin = KafkaAdminClient(bootstrap_servers=args.bootstrap, request_timeout_ms=30000, client_id="fidelity")

    def cluster():
        c = admin.describe_cluster()
        return {"broker_ids": sorted(b["broker_id"] for b in c["brokers"]),
                "racks": {str(b["broker_id"]): b["rack"] for b in c["brokers"]},
                "controller_id": c["controller_id"], "cluster_id": c["cluster_id"]}
    step(out, "describe_cluster", cluster)

    def create():
        r = admin.create_topics([NewTopic("fidelity", 3, 2)])
        first = {t["name"]: t["error_code"] for t in r["topics"]} if isinstance(r, dict) else str(r)
        try:
            admin.create_topics([NewTopic("fidelity", 3, 2)])
            again = None
        except Exception as e:
            again = type(e).__name__
        try:
            admin.create_topics([NewTopic("bad name!", 1, 1)])
            bad = None
        except Exception as e:
            bad = type(e).__name__
        return {"first": first, "duplicate": again, "bad_name": bad}
    step(out, "create_topics", create)

    def partitions():
        grow = admin.create_partitions({"fidelity": NewPartitions(5)}, raise_errors=False)
        placed = admin.create_partitions({"fidelity": NewPartitions(6, [[4, 1]])}, raise_errors=False)
        shrink = admin.create_partitions({"fidelity": NewPartitions(2)}, raise_errors=False)
        def codes(r):
            return {t.name if hasattr(t, "name") else t[0]: (t.error_code if hasattr(t, "error_code") else t[1])
                    for t in r.results} if hasattr(r, "results") else str(r)
        meta = admin.describe_topics(["fidelity"])[0]
        return {"grow": codes(grow), "with_assignment": codes(placed), "shrink": codes(shrink),
                "count": len(meta["partitions"]),
                "p5_replicas": next(p["replica_nodes"] for p in meta["partitions"] if p["partition_index"] == 5)}
    step(out, "create_partitions", partitions)

    def alter():
        topic = ConfigResource(ConfigResourceType.TOPIC, "orders", configs={
            "retention.ms": "3600000",
            "leader.replication.throttled.replicas": ("APPEND", "0:1,0:2"),
        })
        broker = ConfigResource(ConfigResourceType.BROKER, "1", configs={"leader.replication.throttled.rate": "1000000000"})
        r = admin.alter_configs([topic, broker], incremental=True)
        bad = admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, "orders", configs={"retention.ms": ("APPEND", "5")})],
                                  incremental=True, raise_on_unknown=False)
        return {"result": json.loads(json.dumps(r, default=error_name)),
                "append_to_scalar": json.loads(json.dumps(bad, default=error_name))}
    step(out, "alter_configs", alter)

    def describe():
        r = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, "orders")], config_filter="all")
        r = r if isinstance(r, dict) else {}
        configs = r.get("topic", r.get("TOPIC", {})).get("orders", {}) if r else {}
        if not configs:
            # Fall back to whatever shape this kafka-python version returns.
            configs = next(iter(next(iter(r.values())).values())) if r else {}
        pick = lambda k: {kk: (str(vv) if kk == "config_source" else vv) for kk, vv in configs.get(k, {}).items()}
        return {"retention.ms": pick("retention.ms"), "segment.bytes": pick("segment.bytes"),
                "leader.replication.throttled.replicas": pick("leader.replication.throttled.replicas")}
    step(out, "describe_configs", describe)

    def reassign():
        tp0 = TopicPartition("orders", 0)
        submitted = admin.alter_partition_reassignments({tp0: [3, 4]})
        listed = admin.list_partition_reassignments()
        invalid = admin.alter_partition_reassignments({TopicPartition("orders", 1): [1, 1]})
        return {"submitted": {str(k.partition): error_name(v) for k, v in submitted.items()},
                "listed": {"%s-%d" % (k.topic, k.partition): v for k, v in listed.items()},
                "invalid": {str(k.partition): error_name(v) for k, v in invalid.items()}}
    step(out, "reassignments", reassign)

    def logdirs():
        r = admin.describe_log_dirs(brokers=[2])
        return json.loads(json.dumps(r, default=str))
    step(out, "describe_log_dirs", logdirs)

    def produce():
        producer = KafkaProducer(bootstrap_servers=args.bootstrap, acks=1, linger_ms=0, client_id="fidelity-producer")
        offsets = []
        for i in range(10):
            md = producer.send("fidelity", value=b"x" * 100, partition=0).get(timeout=30)
            offsets.append(md.offset)
        producer.flush()
        producer.close()
        return {"offsets": offsets}
    step(out, "produce", produce)

    def elect():
        r = admin.elect_leaders(0, {"orders": [1]}, raise_errors=False)
        results = {}
        for topic in r.replica_election_results:
            for p in topic.partition_result:
                results["%s-%d" % (topic.topic, p.partition_id)] = p.error_code
        return results
    step(out, "elect_leaders", elect)

    admin.close()
    print(json.dumps(out, sort_keys=True, default=str))


if __name__ == "__main__":
    main()
