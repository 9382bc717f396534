#!/bin/sh
# caec demo, as a newcomer reads it: it completes, introduces the realms it brings in, and says
# in words what its raw register values mean (RMI_FEATURES[0], a stage-2 descriptor).
. "$(dirname "$0")/common.sh"

timeout 120 "$caec" demo >out 2>err || { echo "caec demo failed:"; cat out err; exit 1; }
grep -q '^demo complete: message delivered, nothing leaked$' out
grep -q '^  RMI_VERSION 1.0 accepted; RMI_FEATURES\[0\] = 0x[0-9a-f]*:$' out
grep -q '^    IPA up to 48 bits, SHA-256 and SHA-512, 6 breakpoints, 4 watchpoints, 16 GIC list registers' out
grep -q 'the provider makes a region' out
grep -q 'the reader attaches it read-only, the writer read-write' out
grep -q '^    maps PA 0x[0-9a-f]* read-write, bit 56 set: a CSM mapping of another realm.s granule$' out
echo "demo: ok"
