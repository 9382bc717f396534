#!/usr/bin/env bash
# The sanitizer run (docs/hardening.md): builds the "sanitize" preset (clang-14, ASan + UBSan)
# and runs a chosen subset of the test suite under it, two binaries at a time, then the
# regression tests of fuzz/regressions/. Logs: build/sanitize/sanitize-logs/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# shellcheck source=../fuzz/hardening.sh
. fuzz/hardening.sh

# Test binary and gtest filter, longest first. Why these: docs/hardening.md, "The subset".
#   scripts/sanitize.sh          the whole subset
#   scripts/sanitize.sh --ci     what .ci/run runs on every submission: the same minus the two
#                                longest (the verifier's exhaustive corruption sweep, which the
#                                attest_token fuzzer covers in CI, and the CSM property test)
suites=(
  "tests/attestation_lib_test *"
  "tests/csm_property_test *"
  "rmm/rmm_rmi_test *"
  "tests/system_test *"
  "tests/robustness_test *"
  "tests/channel_test *"
  "tests/sealed_frame_test *"
  "tests/sealed_frame_property_test *"
  "machine/machine_test *"
  "host/host_test *"
)
ci_skips=("tests/attestation_lib_test *" "tests/csm_property_test *")
if [ "${1:-}" = --ci ]; then
  kept=()
  for s in "${suites[@]}"; do
    [[ " ${ci_skips[*]} " == *" $s "* ]] || kept+=("$s")
  done
  suites=("${kept[@]}")
elif [ $# -gt 0 ]; then
  echo "usage: scripts/sanitize.sh [--ci]" >&2
  exit 2
fi
# 200 random interleavings instead of 1000 (about 20 s instead of 2 min under ASan); a caller's
# RC_PARAMS wins.
export RC_PARAMS="${RC_PARAMS:-max_success=200}"

cmake --preset sanitize >/dev/null
targets=(regression_empty_spans)
for s in "${suites[@]}"; do targets+=("$(basename "${s%% *}")"); done
cmake --build --preset sanitize --target "${targets[@]}"

build=build/sanitize
logs=$build/sanitize-logs
rm -rf "$logs"
mkdir -p "$logs"

run_suite() {
  local bin=$1 filter=$2 name start=$SECONDS
  name=$(basename "$bin")
  if "$build/$bin" --gtest_filter="$filter" --gtest_brief=1 >"$logs/$name.log" 2>&1; then
    echo "sanitize: ok    $name ($((SECONDS - start)) s)"
  else
    echo "sanitize: FAIL  $name ($((SECONDS - start)) s): $logs/$name.log"
    return 1
  fi
}

statuses=()
for s in "${suites[@]}"; do
  name=$(basename "${s%% *}")
  statuses+=("$logs/$name.status")
  pool_run "$logs/$name.status" run_suite "${s%% *}" "${s#* }"
done
statuses+=("$logs/regressions.status")
pool_run "$logs/regressions.status" ctest --test-dir "$build" -R '^regression\.' --output-on-failure \
  --output-log "$logs/regressions.log" -Q
if pool_failed "${statuses[@]}"; then
  for f in "${statuses[@]}"; do
    [ "$(cat "$f")" = 0 ] && continue
    log=${f%.status}.log
    echo "==== $log (last 80 lines)"
    tail -n 80 "$log"
  done
  exit 1
fi
echo "sanitize: ok    regressions"
