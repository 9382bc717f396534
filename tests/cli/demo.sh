#!/bin/sh
# caec demo, as a newcomer reads it: it completes, introduces the realms it brings in, and says
# in words what its raw register values mean (RMI_FEATURES[0], a stage-2 descriptor), and draws
# its end state on request.
. "$(dirname "$0")/common.sh"

timeout 120 "$caec" demo >out 2>err || { echo "caec demo failed:"; cat out err; exit 1; }
grep -q '^demo complete: message delivered, nothing leaked$' out
grep -q '^  RMI_VERSION 1.0 accepted; RMI_FEATURES\[0\] = 0x[0-9a-f]*:$' out
grep -q '^    IPA up to 48 bits, SHA-256 and SHA-512, 6 breakpoints, 4 watchpoints, 16 GIC list registers' out
grep -q 'the provider makes a region' out
grep -q 'the reader attaches it read-only, the writer read-write' out
grep -q '^    maps PA 0x[0-9a-f]* read-write, bit 56 set: a CSM mapping of another realm.s granule$' out
# --picture: who shares what once the exchange is over (the reader's sharing was revoked).
timeout 120 "$caec" demo --picture end.dot >/dev/null
grep -q '"region provider 1" -> "writer" \[label="shared k=0 rw' end.dot
! grep -q '"region provider 1" -> "reader"' end.dot
grep -q 'region region' end.dot
expect_exit 2 '--picture no/such/dir/p.svg' "$caec" demo --picture no/such/dir/p.svg
if command -v dot >/dev/null; then
  timeout 120 "$caec" demo --picture end.svg >/dev/null
  for name in 'realm provider' 'realm reader' 'realm writer' 'region region'; do
    grep -q ">$name<" end.svg || { echo "the demo's SVG does not name $name"; exit 1; }
  done
fi
echo "demo: ok"
