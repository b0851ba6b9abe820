#!/usr/bin/env python3
"""kafka-python 3.x's describe_metadata_quorum (DescribeQuorum, api key 55) against a simulated
KRaft cluster; prints what it saw as JSON: the leader, the voters, the observers, the nodes, and
the finalized metadata.version kafka-python read from ApiVersions. Used by KafkaPythonFidelityTests."""
import argparse
import json

from kafka import KafkaAdminClient


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bootstrap", required=True)
    args = parser.parse_args()
    admin = KafkaAdminClient(bootstrap_servers=args.bootstrap, client_id="kscale-fidelity", request_timeout_ms=20000)
    out = {}
    try:
        quorum = admin.describe_metadata_quorum()
        partition = quorum["topics"][0]["partitions"][0]
        out["topic"] = quorum["topics"][0]["topic_name"]
        out["error"] = partition["error"]
        out["leader_id"] = partition["leader_id"]
        out["voters"] = [v["replica_id"] for v in partition["current_voters"]]
        out["voter_log_end_offsets"] = [v["log_end_offset"] for v in partition["current_voters"]]
        out["observers"] = [o["replica_id"] for o in partition["observers"]]
        out["nodes"] = [n["node_id"] for n in quorum.get("nodes", [])]
    finally:
        admin.close()
    print(json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    main()
