#!/usr/bin/env bash
# Planner benchmark: kscale against Kafka's own --generate (kafka_generate.py) on clusters from
# gen_cluster.py, both scored by score.py; wall time and peak RSS of the whole kscale process
# (release build) from /usr/bin/time -v. Writes a markdown table to $OUT (default
# .build/bench-planner/table.md) and prints it.
#
#   scripts/bench-planner.sh            # all sizes
#   SIZES="small medium" scripts/bench-planner.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH=${BENCH:-../shared/bench}   # beside the repository, like CI lays it
WORK=${WORK:-.build/bench-planner}
OUT=${OUT:-$WORK/table.md}
SIZES=${SIZES:-"small medium large"}
mkdir -p "$WORK"

if [ ! -x /usr/bin/time ]; then
    apt-get update -qq && apt-get install -y -qq time >/dev/null
fi
if [ -z "${KSCALE:-}" ]; then   # KSCALE=path/to/kscale reuses a release binary already built
    swift build -c release --product kscale >/dev/null
    KSCALE=$(swift build -c release --show-bin-path)/kscale
fi

# name brokers racks topics partitions new-brokers
declare -A SHAPE=(
    [small]="6 3 50 2000 3"
    [medium]="27 3 200 20000 3"
    [large]="225 3 2000 333334 25"
)
seq_csv() { seq -s, "$1" "$2"; }

# Worst bytes max/min inside one rack, over the target brokers after a plan (scale-in judges
# byte balance per rack: racks left with different broker counts cannot hold equal bytes).
rack_ratio() {
    python3 - "$@" <<'PY'
import json, sys
cluster, plan = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
removed = {int(x) for x in sys.argv[3].split(",") if x} if len(sys.argv) > 3 else set()
rack = {b["id"]: b.get("rack") for b in cluster["brokers"]}
after = {(t["name"], p["partition"]): (p["replicas"], p.get("size", 0)) for t in cluster["topics"] for p in t["partitions"]}
for e in plan["partitions"]:
    after[(e["topic"], e["partition"])] = (e["replicas"], after[(e["topic"], e["partition"])][1])
load = {b: 0 for b in rack if b not in removed}
for reps, size in after.values():
    for b in reps:
        load[b] = load.get(b, 0) + size
worst = 0.0
for r in set(rack.values()):
    v = [load[b] for b in load if rack[b] == r]
    if v and min(v) > 0:
        worst = max(worst, max(v) / min(v))
print(round(worst, 4))
PY
}

# Per-topic spread (goal 4): scripts/topic-spread.py's JSON, before and after the plan.
topic_spread() {
    python3 scripts/topic-spread.py "$1" "$2" --remove "${3:-}"
}

RESULTS="$WORK/results.jsonl"
: > "$RESULTS"

# run_case SIZE SCENARIO CLUSTER KSCALE-ARGS... -- SCORE-ARGS... -- GENERATE-BROKER-LIST
run_case() {
    local size=$1 scenario=$2 cluster=$3; shift 3
    local kargs=() sargs=() glist
    while [ "$1" != "--" ]; do kargs+=("$1"); shift; done; shift
    while [ "$1" != "--" ]; do sargs+=("$1"); shift; done; shift
    glist=$1
    local plan="$WORK/$size-$scenario.kscale.json" gen="$WORK/$size-$scenario.generate.json" tv="$WORK/$size-$scenario.time"
    /usr/bin/time -v "$KSCALE" plan "${kargs[@]}" --snapshot "$cluster" --out "$plan" --output json >/dev/null 2>"$tv"
    local wall rss
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$tv" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tv")
    local removed=""
    [ "${sargs[0]:-}" = "--remove" ] && removed=${sargs[1]}
    python3 "$BENCH/score.py" "$cluster" "$plan" "${sargs[@]}" --peer kscale \
        --extra "{\"size\":\"$size\",\"scenario\":\"$scenario\",\"wall_s\":$wall,\"peak_rss_kb\":$rss,\"rack_bytes_ratio\":$(rack_ratio "$cluster" "$plan" "$removed"),\"topic_spread\":$(topic_spread "$cluster" "$plan" "$removed")}" >> "$RESULTS"
    local t0 t1
    t0=$(date +%s.%N)
    python3 "$BENCH/kafka_generate.py" "$cluster" --broker-list "$glist" --seed 0 -o "$gen"
    t1=$(date +%s.%N)
    python3 "$BENCH/score.py" "$cluster" "$gen" "${sargs[@]}" --peer kafka-generate \
        --extra "{\"size\":\"$size\",\"scenario\":\"$scenario\",\"wall_s\":$(python3 -c "print(round($t1 - $t0, 2))"),\"peak_rss_kb\":null,\"rack_bytes_ratio\":$(rack_ratio "$cluster" "$gen" "$removed"),\"topic_spread\":$(topic_spread "$cluster" "$gen" "$removed")}" >> "$RESULTS"
}

for size in $SIZES; do
    read -r brokers racks topics parts newb <<<"${SHAPE[$size]}"
    all=$((brokers + newb))
    out_c="$WORK/$size-scale-out.cluster.json"
    reb_c="$WORK/$size-rebalance.cluster.json"
    python3 "$BENCH/gen_cluster.py" --brokers "$brokers" --racks "$racks" --topics "$topics" --total-partitions "$parts" \
        --rf 3 --new-brokers "$newb" --seed 1 -o "$out_c"
    python3 "$BENCH/gen_cluster.py" --brokers "$all" --racks "$racks" --topics "$topics" --total-partitions "$parts" \
        --rf 3 --drift 0.3 --seed 2 -o "$reb_c"
    # scale-out onto the new (registered, empty) brokers
    run_case "$size" scale-out "$out_c" scale-out --add-brokers "$(seq_csv $((brokers + 1)) "$all")" -- -- "$(seq_csv 1 "$all")"
    # rebalance a drifted cluster
    run_case "$size" rebalance "$reb_c" rebalance -- -- "$(seq_csv 1 "$all")"
    # scale-in: remove the last $newb brokers (one per rack with interleaved racks), then with --rebalance
    rm_list=$(seq_csv $((brokers + 1)) "$all")
    run_case "$size" scale-in "$reb_c" scale-in --remove-brokers "$rm_list" -- --remove "$rm_list" -- "$(seq_csv 1 "$brokers")"
    run_case "$size" scale-in-rebalance "$reb_c" scale-in --remove-brokers "$rm_list" --rebalance -- --remove "$rm_list" -- "$(seq_csv 1 "$brokers")"
done

python3 - "$RESULTS" > "$OUT" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print("| size | scenario | planner | replicas | moved | LB (rack LB) | moves/LB (rack) | bytes moved/LB | bytes max/min (in rack) | replica spread (residual LB, rack) | leader spread | topic spread mean/worst (before) | rack viol. | on removed | wall s | peak RSS MB |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
def f(v, d=3):
    return "-" if v is None else (("%." + str(d) + "f") % v if isinstance(v, float) else str(v))
for r in rows:
    rpb, lpb, bpb = r["replicas_per_broker"], r["leaders_per_broker"], r["bytes_per_broker"]
    lb = "%d (%s)" % (r["lower_bound_moves"], f(r["lower_bound_moves_rack_balanced"]))
    ratio = "%s (%s)" % (f(r["moves_over_lb"]), f(r["moves_over_lb_rack"]))
    spread = "%d (%d, %s)" % (rpb["max"] - rpb["min"], r["residual_lower_bound_moves"], f(r["residual_lower_bound_moves_rack_balanced"]))
    rss = "-" if r.get("peak_rss_kb") is None else "%.0f" % (r["peak_rss_kb"] / 1024)
    ts = r["topic_spread"]
    topic = "%.2f/%d (%.2f/%d)" % (ts["after"]["mean"], ts["after"]["worst"], ts["before"]["mean"], ts["before"]["worst"])
    print("| %s | %s | %s | %d | %d | %s | %s | %s | %s | %s | %d | %s | %d | %d | %.2f | %s |" % (
        r["size"], r["scenario"], r["peer"], r["replicas_total"], r["replicas_moved"], lb, ratio,
        f(r["bytes_moved_over_lb"]), "%s (%s)" % (f(bpb["ratio"], 4), f(r.get("rack_bytes_ratio"), 4)), spread, lpb["max"] - lpb["min"], topic,
        r["rack_violations"], r["replicas_on_removed"], r["wall_s"], rss))
PY
cat "$OUT"
