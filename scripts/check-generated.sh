#!/usr/bin/env bash
# Regenerates the Kafka codecs from the schemas into a temporary folder and fails if they differ
# from the committed Sources/KafkaProtocol/Generated (never edited by hand), naming the files.
#
#   bash scripts/check-generated.sh                   # schemas at ../shared/kafka-protocol/schemas
#   SCHEMAS=path/to/schemas bash scripts/check-generated.sh
#
# Only reads the schemas (CI lays shared/ without write bits) and writes nothing in the repository
# except SwiftPM's .build.
set -euo pipefail
cd "$(dirname "$0")/.."
SCHEMAS=${SCHEMAS:-../shared/kafka-protocol/schemas}
COMMITTED=Sources/KafkaProtocol/Generated
REGENERATE="swift run kafka-codegen ../shared/kafka-protocol/schemas $COMMITTED"

if [ ! -d "$SCHEMAS" ]; then
  echo "check-generated: no schema folder at $SCHEMAS (set SCHEMAS to the kafka-protocol schemas)" >&2
  exit 2
fi
FRESH=$(mktemp -d)
trap 'rm -rf "$FRESH"' EXIT

swift build --product kafka-codegen >/dev/null
"$(swift build --show-bin-path)/kafka-codegen" "$SCHEMAS" "$FRESH" >/dev/null

if ! DIFFERENT=$(diff -rq "$COMMITTED" "$FRESH"); then
  echo "check-generated: $COMMITTED differs from what kafka-codegen writes from $SCHEMAS:" >&2
  # diff -q names each file once: "Files A and B differ" or "Only in DIR: NAME".
  sed -e "s|$FRESH|<regenerated>|g" <<<"$DIFFERENT" >&2
  echo "check-generated: the first lines of the difference (committed -> regenerated):" >&2
  diff -ru "$COMMITTED" "$FRESH" | sed -e "s|$FRESH|<regenerated>|g" | head -n 60 >&2 || true
  echo "check-generated: generated codecs are never edited by hand; change kafka-codegen or messages.txt and run: $REGENERATE" >&2
  exit 1
fi
echo "check-generated: $COMMITTED matches kafka-codegen's output ($(ls "$FRESH" | wc -l) files)"
