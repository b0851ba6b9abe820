#!/usr/bin/env bash
# Simulator benchmark: a 100-broker, 100,000-partition cluster (RF 3) must start in under 5 s and
# answer a full Metadata request (all topics, v12) in under 100 ms. Results go in
# docs/benchmarks.md under "## Simulator".
#
#   scripts/bench-sim.sh [BROKERS] [PARTITIONS]
#
# Builds kscale in release mode, generates the cluster with ../shared/bench/gen_cluster.py (or
# $GEN_CLUSTER), starts `kscale sim`, times until it prints its bootstrap line, then times ten
# full Metadata requests from a separate Python client over one connection.
set -euo pipefail
cd "$(dirname "$0")/.."
BROKERS=${1:-100}
PARTITIONS=${2:-100000}
GEN=${GEN_CLUSTER:-../shared/bench/gen_cluster.py}
WORK=$(mktemp -d)
trap 'kill "${SIM_PID:-}" 2>/dev/null || true; rm -rf "$WORK"' EXIT

swift build -c release --product kscale >/dev/null
BIN=$(swift build -c release --show-bin-path)/kscale
python3 "$GEN" --brokers "$BROKERS" --racks 4 --topics 500 --total-partitions "$PARTITIONS" --rf 3 --seed 1 -o "$WORK/cluster.json"

START=$(date +%s.%N)
"$BIN" sim --snapshot "$WORK/cluster.json" --port 0 --control-port 0 > "$WORK/sim.out" 2>&1 &
SIM_PID=$!
STARTUP_LIMIT=120   # seconds; the goal is 5, so this only ends a sim that hangs
STARTUP_DEADLINE=$((SECONDS + STARTUP_LIMIT))
until grep -q '^control ' "$WORK/sim.out"; do
  kill -0 "$SIM_PID" 2>/dev/null || { cat "$WORK/sim.out"; exit 1; }
  if [ "$SECONDS" -ge "$STARTUP_DEADLINE" ]; then
    echo "bench-sim: kscale sim printed no control line within $STARTUP_LIMIT s" >&2
    cat "$WORK/sim.out"; exit 1
  fi
  sleep 0.02
done
END=$(date +%s.%N)
BOOTSTRAP=$(awk '/^bootstrap/{print $2}' "$WORK/sim.out")
echo "brokers=$BROKERS partitions=$PARTITIONS startup_seconds=$(echo "$END - $START" | bc)"

python3 - "$BOOTSTRAP" <<'PY'
import socket, struct, sys, time

host, port = sys.argv[1].rsplit(":", 1)
s = socket.create_connection((host, int(port)))
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

def request(corr):
    client = b"bench"
    # Metadata v12, request header v2: key, version, correlation id, client id (int16 string), no tags.
    header = struct.pack(">hhih", 3, 12, corr, len(client)) + client + b"\x00"
    # Topics null (compact array 0), allow auto-create false, include topic authorized ops false, no tags.
    body = b"\x00" + b"\x00" + b"\x00" + b"\x00"
    payload = header + body
    return struct.pack(">i", len(payload)) + payload

def read_exactly(n):
    buf = bytearray()
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise SystemExit("connection closed")
        buf += chunk
    return bytes(buf)

times = []
size = 0
for i in range(11):
    t0 = time.perf_counter()
    s.sendall(request(i + 1))
    (n,) = struct.unpack(">i", read_exactly(4))
    read_exactly(n)
    dt = time.perf_counter() - t0
    size = n
    if i > 0:  # the first request also warms the connection
        times.append(dt)
times.sort()
print("metadata_response_bytes=%d median_ms=%.1f max_ms=%.1f" % (size, times[len(times) // 2] * 1000, times[-1] * 1000))
PY
