"""Turns a gen_cluster.py snapshot with traffic into the split fixture: topics named after six
owning teams (team.topic-NNNN), one topic made hot enough to pass a 1 MB/s per-partition limit,
__consumer_offsets added (it stays behind), and consumer_groups: one application group per team,
plus analytics reading one topic of billing and one of orders (joining them under --group-by
consumers). Reads the snapshot on stdin, writes it on stdout."""
import json
import sys

TEAMS = ["billing", "orders", "search", "ads", "ml", "web"]

cluster = json.load(sys.stdin)
for i, topic in enumerate(cluster["topics"]):
    topic["name"] = f"{TEAMS[i % len(TEAMS)]}.{topic['name']}"
hot = cluster["topics"][2]
for p in hot["partitions"]:
    p["bytes_in_per_sec"] *= 8
    p["bytes_out_per_sec"] *= 8
brokers = [b["id"] for b in cluster["brokers"]]
cluster["topics"].append({"name": "__consumer_offsets", "partitions": [
    {"partition": n, "replicas": [brokers[(n + k) % len(brokers)] for k in range(3)], "size": 1000000,
     "bytes_in_per_sec": 1000, "bytes_out_per_sec": 1000} for n in range(10)]})
names = [t["name"] for t in cluster["topics"] if not t["name"].startswith("__")]
groups = [{"group": f"{team}-app", "topics": [n for n in names if n.startswith(team + ".")]} for team in TEAMS]
groups.append({"group": "analytics", "topics": [names[0], names[1]]})
cluster["consumer_groups"] = groups
cluster.pop("params", None)
cluster.pop("new_brokers", None)
json.dump(cluster, sys.stdout, separators=(",", ":"))
sys.stdout.write("\n")
