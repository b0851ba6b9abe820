#!/usr/bin/env bash
# Builds the KafkaProtocol benchmark with -O as one module (no SwiftPM release build needed) and runs it.
# Usage, from the package root: bash Fixtures/protocol/bench.sh
set -euo pipefail
out="${TMPDIR:-/tmp}/kscale-protocol-bench"
swiftc -O -swift-version 6 -module-name KafkaProtocolBench -o "$out" \
  $(find Sources/KafkaProtocol -name '*.swift' | sort) Fixtures/protocol/bench/main.swift
"$out"
