#!/usr/bin/env bash
# Runs the integration suite against a real Apache Kafka cluster from docker-compose.yml:
# brings the cluster up (with the scale-out spares), waits until every node is healthy, creates
# load with `kscale load`, runs the suite with KSCALE_BOOTSTRAP set, and tears the cluster down.
#
#   bash scripts/integration.sh [VERSION]   # the whole rehearsal on one release (default 4.3)
#   KEEP=1 bash scripts/integration.sh 3.9  # leave the cluster running afterwards
#
# VERSION: 3.3 (ZooKeeper mode, compose/zookeeper-3.3.yml), 3.9, 4.0, 4.3 (KRaft with 3 controllers,
# docker-compose.yml), 4.3-combined (KRaft, nodes 1-3 brokers and voters, compose/combined.yml).
#
# Needs Docker with the compose plugin and Swift. Without KSCALE_BOOTSTRAP the same suite runs
# against KafkaSim inside `swift test`; this script is how to point it at real brokers.
set -euo pipefail
cd "$(dirname "$0")/.."

BOOTSTRAP="localhost:19091,localhost:19092,localhost:19093"
LOAD_TOPIC="kscale-load"
VERSION="${1:-4.3}"
KAFKA_BIN="/opt/kafka/bin/"   # apache/kafka images; Confluent's put the tools on PATH without .sh
TOOL_SUFFIX=".sh"
case "$VERSION" in
  3.3)          COMPOSE_FILE="compose/zookeeper-3.3.yml"; KAFKA_BIN=""; TOOL_SUFFIX="" ;;
  3.9|4.0|4.3)  COMPOSE_FILE="docker-compose.yml"; export KAFKA_VERSION="$VERSION.0" ;;
  4.3-combined) COMPOSE_FILE="compose/combined.yml"; export KAFKA_VERSION="4.3.0" ;;
  *) echo "integration: unknown VERSION $VERSION (3.3, 3.9, 4.0, 4.3, 4.3-combined)" >&2; exit 2 ;;
esac
tool() { echo "${KAFKA_BIN}$1${TOOL_SUFFIX}"; }
COMPOSE=(docker compose -f "$COMPOSE_FILE" --profile scale-out)

teardown() {
  if [[ "${KEEP:-0}" == "1" ]]; then
    echo "integration: KEEP=1, leaving the cluster up (${COMPOSE[*]} down -v to remove it)"
  else
    echo "integration: tearing the cluster down"
    "${COMPOSE[@]}" down -v --remove-orphans >/dev/null 2>&1 || true
  fi
  [[ -n "${LOAD_PID:-}" ]] && kill "$LOAD_PID" 2>/dev/null || true
}
trap teardown EXIT

command -v docker >/dev/null || { echo "integration: docker is not installed" >&2; exit 2; }

echo "integration: Kafka $VERSION from $COMPOSE_FILE, brokers 1-9"
"${COMPOSE[@]}" up -d --wait --wait-timeout 300

# `--wait` returns when every healthcheck passes; also wait until all nine brokers are registered
# and unfenced as the controllers see them, since a healthy listener can precede registration.
echo "integration: waiting for 9 registered brokers"
for _ in $(seq 1 60); do
  n=$("${COMPOSE[@]}" exec -T broker-1 "$(tool kafka-broker-api-versions)" \
        --bootstrap-server localhost:19092 2>/dev/null | grep -c '^broker-[0-9]*:19092 (id: ' || true)
  [[ "$n" -ge 9 ]] && break
  sleep 2
done
[[ "${n:-0}" -ge 9 ]] || { echo "integration: only ${n:-0} of 9 brokers registered" >&2; exit 1; }

swift build
KSCALE="$(swift build --show-bin-path)/kscale"

echo "integration: creating $LOAD_TOPIC and producing load"
"${COMPOSE[@]}" exec -T broker-1 "$(tool kafka-topics)" --bootstrap-server localhost:19092 \
  --create --if-not-exists --topic "$LOAD_TOPIC" --partitions 12 --replication-factor 3
"$KSCALE" load --bootstrap-server "$BOOTSTRAP" --topic "$LOAD_TOPIC" \
  --record-size 1024 --throughput 2000 --num-records 200000

# Keep a trickle of writes going while the suite moves partitions, as in production.
"$KSCALE" load --bootstrap-server "$BOOTSTRAP" --topic "$LOAD_TOPIC" \
  --record-size 1024 --throughput 200 --num-records 100000000 >/dev/null 2>&1 &
LOAD_PID=$!

echo "integration: kscale check before the suite"
"$KSCALE" check --bootstrap-server "$BOOTSTRAP" || true

echo "integration: running the suite against $BOOTSTRAP"
# KSCALE_COMPOSE_FILE lets the scenarios stop and start brokers (a broker failing mid-drain).
KSCALE_BOOTSTRAP="$BOOTSTRAP" KSCALE_COMPOSE_FILE="$PWD/$COMPOSE_FILE" swift test --filter IntegrationTests

echo "integration: kscale check after the suite"
"$KSCALE" check --bootstrap-server "$BOOTSTRAP"
