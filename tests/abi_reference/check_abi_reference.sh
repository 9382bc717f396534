#!/bin/sh
# Fails when the checked-in ABI reference differs from what the generator derives from the
# RMM's command tables (or when the generator's annotations no longer cover the tables).
# Usage: check_abi_reference.sh GENERATOR DOC
set -eu
gen=$1 doc=$2
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$gen" >"$out"
if ! diff -u "$doc" "$out"; then
  echo "FAIL: $doc is out of date with the RMM's command tables; run scripts/gen_abi_reference.sh" >&2
  exit 1
fi
echo "csm-abi-reference.md matches the command tables"
