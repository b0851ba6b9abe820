#!/usr/bin/env bash
# Load-aware planning quality (issue 14's targets), on clusters from gen_cluster.py with traffic
# and capacities, scored by score.py: a traffic-skewed rebalance, a scale-out with rates (equal
# disks, and new brokers with twice the disk) and a relief. Quality does not depend on the build;
# KSCALE=path/to/kscale picks the binary (default: the debug build). One JSON line per case in
# $WORK/results.jsonl, and a markdown table on stdout.
#
#   scripts/bench-load.sh
#   SEEDS="1 2" SHAPES="12:600" scripts/bench-load.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH=${BENCH:-../shared/bench}
WORK=${WORK:-.build/bench-load}
KSCALE=${KSCALE:-.build/debug/kscale}
SEEDS=${SEEDS:-"1 2 3"}
# brokers:partitions
SHAPES=${SHAPES:-"12:600 24:2000 48:4000"}
mkdir -p "$WORK"
RESULTS="$WORK/results.jsonl"
: > "$RESULTS"

# Relief accounting from kscale's own summary (its load section, the one model): the bytes (or
# bytes per second) above the limit on the brokers over it before, and what the plan moved.
relief_figures() {
    python3 - "$@" <<'PY'
import json, sys
summary, dimension, limit = json.load(open(sys.argv[1])), sys.argv[2], float(sys.argv[3])
key, cap = {"disk": ("disk_bytes", "disk_capacity"), "in": ("network_in", "network_in_capacity"),
            "out": ("network_out", "network_out_capacity")}[dimension]
load = summary["load"]
def excess(u):
    return max(0, u[key] - int(u[cap] * limit)) if u.get(cap) else 0
over = sum(excess(u) for u in load["before"])
# Disk: the bytes copied against the bytes above the limit. Network: what left the brokers that
# were over (bytes per second) against their excess (a leadership move copies nothing).
hot = {u["broker"] for u in load["before"] if excess(u) > 0}
now = {u["broker"]: u[key] for u in load["after"]}
shed = sum(u[key] - now.get(u["broker"], 0) for u in load["before"] if u["broker"] in hot)
moved = summary["bytes_moved"] if dimension == "disk" else shed
# Over a limit after: the relieved dimension at its limit, the others at the hard limits' defaults.
limits = {"disk": 0.85, "in": 0.80, "out": 0.80}
limits[dimension] = limit
after = [f'{u["broker"]} {d}' for u in load["after"] for d, (k, c) in
         (("disk", ("disk_bytes", "disk_capacity")), ("in", ("network_in", "network_in_capacity")), ("out", ("network_out", "network_out_capacity")))
         if u.get(c) and u[k] > int(u[c] * limits[d])]
print(json.dumps({"excess_before": over, "bytes_moved": summary["bytes_moved"], "shed": shed,
                  "moved_over_excess": round(moved / over, 4) if over else None,
                  "over_limit_after": after}))
PY
}

for shape in $SHAPES; do
    brokers=${shape%%:*}; partitions=${shape##*:}
    topics=$((partitions / 15))
    new=$((brokers / 4)); first_new=$((brokers + 1)); last_new=$((brokers + new))
    add=$(seq -s, "$first_new" "$last_new")
    for seed in $SEEDS; do
        base="--brokers $brokers --racks 3 --topics $topics --total-partitions $partitions --rf 3 --seed $seed --rate-median 1000000 --fanout-max 3"
        # Traffic-skewed: a quarter of the brokers lead partitions with 3x the traffic.
        hot="--hot-brokers $((brokers / 4)) --hot-factor 3"
        skew="$WORK/skew-$brokers-$seed.json"
        python3 "$BENCH/gen_cluster.py" $base $hot --disk-capacity 4e12 --network-capacity 2.5e9 -o "$skew"
        "$KSCALE" plan rebalance --snapshot "$skew" --out "$WORK/p.json" --output json > "$WORK/s.json"
        python3 "$BENCH/score.py" "$skew" "$WORK/p.json" --peer kscale \
            --extra "{\"scenario\":\"rebalance-skewed\",\"brokers\":$brokers,\"partitions\":$partitions,\"seed\":$seed}" >> "$RESULTS"

        # Scale-out with rates onto equal disks, and onto new brokers with twice the disk.
        for disks in equal double; do
            out="$WORK/out-$disks-$brokers-$seed.json"
            newdisk=4e12; [ "$disks" = double ] && newdisk=8e12
            python3 "$BENCH/gen_cluster.py" $base $hot --new-brokers "$new" --disk-capacity 4e12 --new-disk-capacity "$newdisk" \
                --network-capacity 2.5e9 -o "$out"
            "$KSCALE" plan scale-out --snapshot "$out" --add-brokers "$add" --out "$WORK/p.json" --output json > "$WORK/s.json"
            python3 "$BENCH/score.py" "$out" "$WORK/p.json" --peer kscale \
                --extra "{\"scenario\":\"scale-out-$disks\",\"brokers\":$brokers,\"new\":$new,\"partitions\":$partitions,\"seed\":$seed}" >> "$RESULTS"
        done

        # Relief: disks sized so the mean broker is 55% full, relieved to 60%; network on 4 GB/s
        # links, relieved to 1.15 x the mean broker's network in (and out), so the hot brokers are
        # over and the cluster as a whole is not.
        relief="$WORK/relief-$brokers-$seed.json"
        python3 "$BENCH/gen_cluster.py" $base $hot --network-capacity 4e9 -o - \
            | python3 -c '
import json, sys
c = json.load(sys.stdin)
held = {b["id"]: 0 for b in c["brokers"]}
for t in c["topics"]:
    for p in t["partitions"]:
        for r in p["replicas"]: held[r] += p["size"]
mean = sum(held.values()) / len(held)
for b in c["brokers"]: b["disk_total_bytes"] = int(mean / 0.55)   # mean utilisation 55%
json.dump(c, sys.stdout)' > "$relief"
        echo '{"version":1,"partitions":[]}' > "$WORK/empty.json"
        read -r in_pct out_pct < <(python3 "$BENCH/score.py" "$relief" "$WORK/empty.json" | python3 -c '
import json, sys
d = json.load(sys.stdin)
mean = lambda s: s["max"] / s["max_over_mean"]
print("%.1f%% %.1f%%" % (mean(d["network_in_per_broker"]) * 1.15 / 4e9 * 100, mean(d["network_out_per_broker"]) * 1.15 / 4e9 * 100))')
        for case in "disk 60% --disk" "in $in_pct --network-in" "out $out_pct --network-out"; do
            set -- $case
            dim=$1; pct=$2; flag=$3
            limit=$(python3 -c "print(${pct%\%} / 100)")
            if ! "$KSCALE" plan relieve --snapshot "$relief" $flag "$pct" --out "$WORK/p.json" --output json > "$WORK/s.json" 2> "$WORK/err"; then
                echo "{\"scenario\":\"relieve-$dim\",\"brokers\":$brokers,\"partitions\":$partitions,\"seed\":$seed,\"refused\":$(python3 -c 'import json,sys; print(json.dumps(sys.stdin.read().strip()))' < "$WORK/err")}" >> "$RESULTS"
                continue
            fi
            python3 "$BENCH/score.py" "$relief" "$WORK/p.json" --peer kscale \
                --extra "{\"scenario\":\"relieve-$dim\",\"brokers\":$brokers,\"partitions\":$partitions,\"seed\":$seed,\"relief\":$(relief_figures "$WORK/s.json" "$dim" "$limit")}" >> "$RESULTS"
        done
    done
done

python3 - "$RESULTS" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
def r(d, *path):
    for p in path:
        if d is None: return None
        d = d.get(p)
    return d
def f(v):
    return "-" if v is None else (f"{v:.3f}" if isinstance(v, float) else str(v))
print("| scenario | brokers | partitions | seed | moves/LB | net in max/min | net out max/min | bytes max/min | disk util max/min | replicas min..max (mean) | rack viol. | load moved/LB | relief: moved/over | over limit after | over capacity |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for x in rows:
    if "refused" in x:
        print(f"| {x['scenario']} | {x['brokers']} | {x['partitions']} | {x['seed']} | refused: {x['refused'][:160]} |")
        continue
    rep = x["replicas_per_broker"]
    rel = x.get("relief") or {}
    print("| " + " | ".join([x["scenario"], str(x["brokers"]), str(x["partitions"]), str(x["seed"]), f(x.get("moves_over_lb")),
        f(r(x, "network_in_per_broker", "ratio")), f(r(x, "network_out_per_broker", "ratio")), f(r(x, "bytes_per_broker", "ratio")),
        f(r(x, "disk_utilization", "ratio")), f"{rep['min']}..{rep['max']} ({rep['mean']:.1f})", str(x["rack_violations"]),
        f(x.get("load_moved_over_lb")), f(rel.get("moved_over_excess")), ",".join(map(str, rel.get("over_limit_after", []))) or "-",
        ",".join(x.get("over_capacity", [])) or "-"]) + " |")
PY
