#!/usr/bin/env bash
# Split benchmark: `kscale plan split` (release build) on a generated cluster of 10,000 topics with
# traffic and consumer groups; wall time and peak RSS of the whole process from /usr/bin/time -v
# (reading the snapshot included). Prints one line per run.
#
#   scripts/bench-split.sh                 # KSCALE=path reuses a built release binary
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH=${BENCH:-../shared/bench}   # beside the repository, like CI lays it
WORK=${WORK:-.build/bench-split}
TOPICS=${TOPICS:-10000}
mkdir -p "$WORK"

if [ ! -x /usr/bin/time ]; then
    apt-get update -qq && apt-get install -y -qq time >/dev/null
fi
if [ -z "${KSCALE:-}" ]; then
    swift build -c release --product kscale >/dev/null
    KSCALE=$(swift build -c release --show-bin-path)/kscale
fi

SNAP=$WORK/split-$TOPICS.json
if [ ! -f "$SNAP" ]; then
    # 200 owners (owner-NNN.topic-NNNNN), one application group per owner and a cross-owner
    # group per ten owners, so --group-by consumers joins some owners.
    python3 "$BENCH/gen_cluster.py" --brokers 30 --racks 3 --topics "$TOPICS" --total-partitions $((TOPICS * 4)) --rf 3 \
        --seed 5 --rate-median 100000 --fanout-max 3 --disk-capacity 4e12 --network-capacity 250e6 -o - \
      | python3 -c '
import json, sys
c = json.load(sys.stdin)
owners = 200
for i, t in enumerate(c["topics"]):
    t["name"] = "owner-%03d.%s" % (i % owners, t["name"])
names = [t["name"] for t in c["topics"]]
groups = [{"group": "app-%03d" % o, "topics": names[o::owners]} for o in range(owners)]
groups += [{"group": "lake-%02d" % k, "topics": [names[k * 10], names[k * 10 + 1]]} for k in range(owners // 10)]
c["consumer_groups"] = groups
json.dump(c, sys.stdout)' > "$SNAP"
fi

run() {
    /usr/bin/time -v "$KSCALE" plan split --snapshot "$SNAP" "$@" --output json > "$WORK/out.json" 2> "$WORK/time.txt" || { cat "$WORK/time.txt"; exit 1; }
    wall=$(grep "Elapsed (wall clock)" "$WORK/time.txt" | awk '{print $NF}')
    rss=$(grep "Maximum resident set size" "$WORK/time.txt" | awk '{print $NF}')
    summary=$(python3 -c 'import json,sys; p=json.load(open(sys.argv[1])); print("%d groups -> %d clusters (bound %d)" % (len(p["groups"]), p["clusters"], p["lower_bound"]["clusters"]))' "$WORK/out.json")
    echo "$* | $summary | wall $wall | peak RSS $((rss / 1024)) MB"
}
echo "snapshot: $SNAP ($(du -h "$SNAP" | cut -f1))"
run --max-cluster-write 1GB/s --max-cluster-read 2GB/s --max-cluster-partitions 4000 --max-partition-write 1MB/s
run --group-by consumers --max-cluster-write 1GB/s --max-cluster-read 2GB/s --max-cluster-partitions 4000
run --group-by prefix:@ --max-cluster-write 100MB/s --max-cluster-read 200MB/s --max-cluster-partitions 4000
run --strategy write-read --max-cluster-write 12GB/s --max-cluster-read 12GB/s
