#!/usr/bin/env bash
# Installs the system packages kscale builds and tests with. Idempotent; needs root (or sudo).
set -euo pipefail
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
need=()
# chromium: PlanReportChromiumTests renders the --html report headless and reads its screenshot and DOM.
# prometheus: SnapshotMetricsURLTests scrapes KafkaSim's /metrics with a real Prometheus and reads it back.
# libcurl4-openssl-dev: the release package links Foundation statically, and its URLSession (--metrics-url) needs libcurl.
for p in librdkafka-dev libzstd-dev pkg-config zstd chromium prometheus libcurl4-openssl-dev; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
# Independent clients that check the simulator's fidelity and made the golden protocol bytes.
python3 -c 'import kafka, sys; sys.exit(0 if kafka.__version__.startswith("3.") else 1)' 2>/dev/null \
  || python3 -m pip install -q --disable-pip-version-check 'kafka-python>=3,<4'
# PyYAML for scripts/check-compose.py (the static check of the compose files).
python3 -c 'import yaml' 2>/dev/null || python3 -m pip install -q --disable-pip-version-check 'PyYAML>=6,<7'
