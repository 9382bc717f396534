#!/usr/bin/env bash
# Builds the libFuzzer targets in fuzz/ and runs each for SECONDS (default 60), two at a time,
# after replaying its saved inputs from fuzz/regressions/<name>/:
#   scripts/fuzz.sh [SECONDS] [NAME...]      NAME: attest_token sealed_frame ring rmi_stream
# Each fuzzer starts from its seeds (fuzz/corpus/<name>/) and the corpus earlier runs grew
# (build/<preset>/fuzz-out/<name>/corpus/); what it finds lands in .../artifacts/. Prints one
# line of figures per fuzzer and fails if any of them found something. docs/hardening.md.
#
# Environment (all optional):
#   CAEC_FUZZ_PRESET  the build: "sanitize" (default: clang-14, ASan + UBSan) or "fuzz" (UBSan,
#                     no ASan: about twice as fast, for long runs)
#   CAEC_FUZZ_RUNS    stop each fuzzer after this many executions (and SECONDS, whichever first)
#   CAEC_FUZZ_CPUS    pin the fuzzers to these CPUs (taskset list, e.g. 1), so a long run leaves
#                     the others free
#   CAEC_FUZZ_JOBS    fuzzers at a time (default 2)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
[ $# -gt 0 ] && shift
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(attest_token sealed_frame ring rmi_stream)
preset="${CAEC_FUZZ_PRESET:-sanitize}"
case "$preset" in sanitize | fuzz) ;; *) echo "fuzz: CAEC_FUZZ_PRESET must be sanitize or fuzz" >&2; exit 2 ;; esac

scripts/setup.sh
# shellcheck source=../fuzz/hardening.sh
. fuzz/hardening.sh
cmake --preset "$preset" >/dev/null
targets=()
for n in "${names[@]}"; do targets+=("${n}_fuzzer"); done
cmake --build --preset "$preset" --target "${targets[@]}"

out=build/$preset/fuzz-out
pin=()
[ -n "${CAEC_FUZZ_CPUS:-}" ] && pin=(taskset -c "$CAEC_FUZZ_CPUS")
HARDENING_JOBS="${CAEC_FUZZ_JOBS:-${HARDENING_JOBS:-2}}"

# run_fuzzer NAME: replays the saved inputs, fuzzes, prints the figures; fails on a finding.
run_fuzzer() {
  local n=$1 bin=build/$preset/fuzz/${1}_fuzzer dir=$out/$1 last crashes
  mkdir -p "$dir/corpus" "$dir/artifacts"
  local opts=(-timeout=30 -rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix="$dir/artifacts/")
  # The command stream runs the emulator, whose SIGSEGV handler libFuzzer must leave alone; its
  # scripts may be long from the start (a step is worth more than a byte).
  [ "$n" = rmi_stream ] && opts+=(-handle_segv=0 -len_control=0 -max_len=1024)
  if [ -d "fuzz/regressions/$n" ] && ! "${pin[@]}" "$bin" "${opts[@]}" "fuzz/regressions/$n"/* >"$dir/regressions.log" 2>&1; then
    echo "fuzz: $n fails on a saved input of fuzz/regressions/$n: $dir/regressions.log"
    return 1
  fi
  touch "$dir/started"
  local limits=(-max_total_time="$seconds")
  [ -n "${CAEC_FUZZ_RUNS:-}" ] && limits+=(-runs="$CAEC_FUZZ_RUNS")  # (not for the replay: -runs repeats each file)
  "${pin[@]}" "$bin" "${opts[@]}" "${limits[@]}" "$dir/corpus" "fuzz/corpus/$n" >"$dir/log" 2>&1 || true
  last=$(grep -E '^#[0-9]+.*cov: ' "$dir/log" | tail -n 1)
  field() { sed -n "s/.* $1: \([0-9]*\).*/\1/p" <<<"$last"; }
  crashes=$(find "$dir/artifacts" -type f -newer "$dir/started" | wc -l)
  printf '%-13s %9s %7s %7s %7s %7s %8s\n' "$n" \
    "$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log")" \
    "$(sed -n 's/^stat::average_exec_per_sec: *//p' "$dir/log")" \
    "$(field cov)" "$(field ft)" "$(field corp)" "$crashes"
  [ "$crashes" -eq 0 ] && grep -q '^Done [0-9]* runs' "$dir/log"
}

printf '%-13s %9s %7s %7s %7s %7s %8s\n' fuzzer runs exec/s cov ft corpus found
statuses=()
for n in "${names[@]}"; do
  mkdir -p "$out/$n"
  statuses+=("$out/$n/status")
  pool_run "$out/$n/status" run_fuzzer "$n"
done
if pool_failed "${statuses[@]}"; then
  for n in "${names[@]}"; do
    [ "$(cat "$out/$n/status")" = 0 ] && continue
    echo "==== $n: $out/$n/log, inputs in $out/$n/artifacts/"
    grep -E -A40 '^==[0-9]+==|^[a-z_]+_fuzzer: |runtime error|^SUMMARY' "$out/$n/log" | head -n 80
  done
  exit 1
fi
