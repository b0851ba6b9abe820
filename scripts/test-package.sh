#!/usr/bin/env bash
# Checks the tarball scripts/package.sh made runs without the Swift toolchain: the binary names no Swift
# library and no toolchain path, and `kscale --version` and `kscale demo` succeed with the toolchain's
# runtime libraries hidden (an empty directory mounted over them in a private mount namespace) and no
# toolchain on PATH. Usage: scripts/test-package.sh [dist/kscale-...tar.gz]
set -euo pipefail
cd "$(dirname "$0")/.."
tarball="${1:-$(ls -t dist/kscale-*.tar.gz | head -n 1)}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
tar -C "$work" -xzf "$tarball"
bin="$(echo "$work"/kscale-*/bin/kscale)"
toolchain="$(dirname "$(dirname "$(command -v swift)")")"
fail() { echo "test-package: $*" >&2; exit 1; }

[ -d "$(dirname "$bin")/../licenses/swift" ] || fail "no licenses/swift in $tarball"
needed="$(readelf -d "$bin" | grep -E 'NEEDED|RPATH|RUNPATH' || true)"
if echo "$needed" | grep -E -i 'swift|Foundation|dispatch|BlocksRuntime' >/dev/null; then
  fail "the binary still needs the Swift runtime: $(echo "$needed" | grep -E -i 'swift|Foundation|dispatch|BlocksRuntime')"
fi
echo "$needed" | grep -q 'librdkafka' || fail "expected librdkafka among the binary's libraries: $needed"

hidden="$work/empty"
mkdir -p "$hidden" "$work/home"
run() {
  # Hide every toolchain runtime directory, then run with a PATH that has no Swift.
  unshare -m --propagation private sh -c '
    for dir in "$0/lib/swift/linux" "$0/lib/swift_static/linux" "$0/lib"; do mount --bind "$1" "$dir"; done
    shift; exec env -i PATH=/usr/bin:/bin HOME="$HOME_DIR" "$@"' "$toolchain" "$hidden" "$@"
}
export HOME_DIR="$work/home"
version="$(run "$bin" --version)" || fail "kscale --version failed without the toolchain"
[ -n "$version" ] || fail "kscale --version printed nothing"
demo_out="$(run "$bin" demo 2>&1)" || { echo "$demo_out" >&2; fail "kscale demo failed without the toolchain"; }
echo "$demo_out" | tail -n 5
echo "test-package: $tarball runs without the toolchain (kscale $version)"
