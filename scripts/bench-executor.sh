#!/bin/bash
# Executor benchmark (docs/benchmarks.md, "## Executor"): a simulated scale-out of 6 -> 9 brokers
# copying 103 GB under a 50 MB/s throttle, on KafkaSim with time stepped by the executor's polls,
# so the durations printed are exact simulated seconds (the wall time is a few seconds).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --product kscale >/dev/null
for args in "--max-in-flight-per-broker 5 --poll-interval 2" \
            "--max-in-flight-per-broker 5 --poll-interval 5" \
            "--max-in-flight-per-broker 10 --poll-interval 2" \
            "--max-in-flight-per-broker 3 --poll-interval 2" \
            "--max-in-flight-per-broker 5 --poll-interval 2 --order smallest-first"; do
  echo "== $args"
  .build/debug/kscale demo --benchmark --data-scale 4 --throttle 50MB/s $args | grep -E '^(plan|benchmark):'
done
