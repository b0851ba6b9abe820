#!/usr/bin/env bash
# Builds a kscale binary an operator can copy to any Debian/Ubuntu machine: a release build with the Swift
# standard library, Foundation and Dispatch linked statically, so it needs no Swift toolchain, only
# librdkafka and libzstd from the system. Writes dist/kscale-<version>-linux-<arch>.tar.gz holding
# bin/kscale, README.txt (install steps) and licenses/ (the notices of everything linked into the binary).
# scripts/test-package.sh checks the tarball.
set -euo pipefail
cd "$(dirname "$0")/.."
build=(swift build -c release --product kscale --static-swift-stdlib)
"${build[@]}"
bin="$("${build[@]}" --show-bin-path)/kscale"
version="$("$bin" --version)"
name="kscale-$version-linux-$(uname -m)"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
root="$stage/$name"
mkdir -p "$root/bin" "$root/licenses"
cp "$bin" "$root/bin/kscale"
strip "$root/bin/kscale"

# Licence notices: the Swift runtime and Foundation (from the toolchain), and every package the build resolved.
toolchain="$(dirname "$(dirname "$(command -v swift)")")"
mkdir -p "$root/licenses/swift"
cp "$toolchain/share/swift/LICENSE.txt" "$root/licenses/swift/LICENSE.txt"
python3 - "$root/licenses" <<'PY'
import json, os, shutil, subprocess, sys
out = sys.argv[1]
tree = json.loads(subprocess.run(["swift", "package", "show-dependencies", "--format", "json"],
                                 check=True, capture_output=True, text=True).stdout)
seen = set()
def walk(node):
    for dep in node.get("dependencies", []):
        name, path = dep["name"], dep["path"]
        if name not in seen:
            seen.add(name)
            notices = [f for f in sorted(os.listdir(path)) if f.upper().startswith(("LICENSE", "NOTICE", "COPYING"))]
            if not notices:
                sys.exit(f"package.sh: {name} ({path}) has no LICENSE or NOTICE file to ship")
            os.makedirs(os.path.join(out, name), exist_ok=True)
            for f in notices:
                shutil.copy(os.path.join(path, f), os.path.join(out, name, f))
        walk(dep)
walk(tree)
PY
cat > "$root/licenses/README.txt" <<TXT
What is linked into bin/kscale, and where its licence text is:
- Swift standard library, Foundation, Dispatch: swift/LICENSE.txt (Apache 2.0 with the Runtime Library Exception).
- Foundation's Unicode data (swift-foundation-icu): the Unicode License v3,
  https://github.com/swiftlang/swift-foundation-icu/blob/main/LICENSE
- $(ls "$root/licenses" | grep -v -e '^swift$' -e README.txt | tr '\n' ' ')
  : one folder each, with the package's LICENSE and NOTICE files (swift-crypto and swift-nio-ssl carry
  BoringSSL, whose notices are in their LICENSE files).
Not included and not linked statically: librdkafka (BSD 2-clause) and libzstd (BSD), which the system provides.
TXT
cat > "$root/README.txt" <<TXT
kscale $version: rebalance and scale self-managed Apache Kafka clusters.

Install (Debian 12 / Ubuntu 22.04 or newer):
  sudo apt-get install -y librdkafka1 libzstd1
  sudo install -m 0755 bin/kscale /usr/local/bin/kscale
  kscale --version && kscale demo

No Swift toolchain is needed: the Swift runtime is linked into the binary.
Documentation: the docs/ folder of the kscale repository (operator-guide.md first).
TXT
mkdir -p dist
tar -C "$stage" -czf "dist/$name.tar.gz" "$name"
echo "dist/$name.tar.gz"
