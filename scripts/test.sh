#!/usr/bin/env bash
# The test command: the whole suite, including the simulator fidelity checks with independent clients.
#
# At most KSCALE_TEST_WIDTH test cases run at once (default: four per core). Swift Testing starts
# every test at once otherwise, and on a 2-core machine 800 tests sharing two cooperative-pool
# threads starve the wire tests' connect timeouts and run the lifecycle tests past their time
# limits; queued tests start their time limits when they start. Extra arguments go to `swift test`.
set -euo pipefail
cd "$(dirname "$0")/.."
cores=$(nproc 2>/dev/null || echo 2)
export SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH="${KSCALE_TEST_WIDTH:-$((cores * 4))}"
exec swift test "$@"
