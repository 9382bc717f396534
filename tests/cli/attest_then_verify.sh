#!/bin/sh
# The user's path through attestation: run a realm, fetch and save its token, verify it with
# `caec verify` against the platform key and the RIM its owner predicted; then show that a
# wrong RIM, a wrong key and a tampered token all fail with exit code 1; a realm's RIM does not
# depend on its challenge.
set -eu
caec="$1"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

"$caec" attest -o "$dir/token.cbor" --save-platform-key "$dir/platform.pem" --challenge 00112233 >"$dir/out" 2>/dev/null
rim=$(sed -n 's/^expected RIM (predicted by the realm owner): //p' "$dir/out")
test -n "$rim"
"$caec" verify "$dir/token.cbor" --platform-key "$dir/platform.pem" --expect-rim "$rim" --quiet
# The challenge is given at run time, not measured: another challenge, the same RIM, and the
# token carries the challenge it was given.
"$caec" attest -o "$dir/again.cbor" --challenge aabbccdd >"$dir/again" 2>/dev/null
grep -q "^expected RIM (predicted by the realm owner): $rim\$" "$dir/again" || { echo "the RIM depends on the challenge"; exit 1; }
"$caec" verify "$dir/token.cbor" --platform-key "$dir/platform.pem" | grep -q 'challenge  *00112233000000'

expect_fail() {
  set +e
  "$@" --quiet 2>/dev/null
  rc=$?
  set -e
  [ "$rc" -eq 1 ] || { echo "expected exit 1, got $rc: $*"; exit 1; }
}
expect_fail "$caec" verify "$dir/token.cbor" --platform-key "$dir/platform.pem" --expect-rim "$(echo "$rim" | tr 0-9a-f 1-9a-f0)"
"$caec" attest -o "$dir/other.cbor" --save-platform-key "$dir/other.pem" >/dev/null 2>&1
expect_fail "$caec" verify "$dir/token.cbor" --platform-key "$dir/other.pem"
# Flip one byte near the end (inside the realm token's signature).
size=$(stat -c %s "$dir/token.cbor")
cp "$dir/token.cbor" "$dir/bad.cbor"
printf '\377' | dd of="$dir/bad.cbor" bs=1 seek=$((size - 5)) conv=notrunc 2>/dev/null
expect_fail "$caec" verify "$dir/bad.cbor" --platform-key "$dir/platform.pem"
# The legacy format verifies too.
"$caec" attest -o "$dir/legacy.cbor" --format 399 --save-platform-key "$dir/legacy.pem" >/dev/null 2>&1
"$caec" verify "$dir/legacy.cbor" --platform-key "$dir/legacy.pem" --quiet
echo "attest -> verify: ok"
