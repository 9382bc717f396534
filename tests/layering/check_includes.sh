#!/bin/sh
# The layering rules of docs/architecture.md, checked on the sources (tests beside the code,
# *_test.cc, may cross layers on purpose):
#  1. the RMM, the emulated machine and the platform ports include no host, realm, channel,
#     application, benchmark, inspection or test code;
#  2. host, realm SDK and channels include no RMM header: they reach the RMM through SMCs only;
#  3. attestation (tokens, RIM calculation, the verifier) includes no host, realm, RMM or
#     application code: a verifier runs far from the machine it judges.
# Usage: check_includes.sh SOURCE_DIR
set -eu
cd "$1"
status=0
check() {  # check DESCRIPTION PATTERN DIR...
  what=$1 pattern=$2
  shift 2
  found=$(grep -rnE "^#include \"($pattern)/" "$@" --include='*.cc' --include='*.h' | grep -v '_test\.cc:' || true)
  if [ -n "$found" ]; then
    echo "layering violated: $what"
    echo "$found"
    status=1
  fi
}
check "trusted layers include untrusted code" "host|realm|channel|apps|bench|examples|inspect|testing|tests" \
  rmm machine platform
check "host, realm SDK or channels include the RMM" "rmm|platform" host realm channel
check "attestation includes the machine's or a user's code" \
  "host|realm|rmm|machine|platform|channel|apps|bench|examples|inspect|testing|tests" attest
[ $status -eq 0 ] && echo "layering: ok"
exit $status
