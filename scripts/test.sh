#!/usr/bin/env bash
# The test command: the whole suite, including the simulator fidelity checks with independent clients.
set -euo pipefail
cd "$(dirname "$0")/.."
exec swift test "$@"
