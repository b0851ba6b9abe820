#!/usr/bin/env bash
# Fails if a tracked file names a path on one machine: the build machine's work folder or a home
# folder. Files name paths relative to the repository (shared material is ../shared/...).
#
#   bash scripts/check-paths.sh
set -euo pipefail
cd "$(dirname "$0")/.."
# Written with brackets so this file does not match itself.
MACHINE_PATHS='/w[o]rk/|/h[o]me/[a-z]|/U[s]ers/[A-Za-z]'

if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  list_files() { git ls-files -z; }
else
  list_files() { find . -type f -not -path './.git/*' -not -path './.build*' -print0; }
fi
# xargs may split the list over several greps, so judge by what they print, not by their status.
FOUND=$(list_files | xargs -0 grep -nIE "$MACHINE_PATHS" -- || true)
if [ -n "$FOUND" ]; then
  echo "check-paths: these lines name a machine's absolute path; use a path relative to the repository (../shared/...):" >&2
  echo "$FOUND" >&2
  exit 1
fi
echo "check-paths: no tracked file names a machine's absolute path"
