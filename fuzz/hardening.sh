# Sourced by scripts/sanitize.sh and scripts/fuzz.sh (docs/hardening.md): the sanitizer runtime
# options, and a small pool that runs jobs two at a time.
#
# handle_segv=0 / allow_user_segv_handler=1: the emulator takes SIGSEGV for every stage-2 fault
# and every host access to a protected granule (machine/fault_handler.h), so ASan must neither
# treat a SIGSEGV as a crash nor replace the emulator's handler. Leaks are checked, with one
# precise suppression (fuzz/lsan.supp). UBSan stops at the first finding (the build also says
# -fno-sanitize-recover=undefined).
hardening_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ASAN_OPTIONS="handle_segv=0:allow_user_segv_handler=1:detect_leaks=1:check_initialization_order=1:strict_init_order=1"
export LSAN_OPTIONS="suppressions=${hardening_root}/fuzz/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# Symbolized reports need llvm-symbolizer (package llvm-14, in scripts/setup.sh).
export ASAN_SYMBOLIZER_PATH=/usr/lib/llvm-14/bin/llvm-symbolizer

# pool_run STATUS_FILE COMMAND...: runs COMMAND in the background once fewer than
# $HARDENING_JOBS (default 2) pool jobs run, and writes its exit status to STATUS_FILE.
pool_run() {
  local status_file=$1
  shift
  while [ "$(jobs -rp | wc -l)" -ge "${HARDENING_JOBS:-2}" ]; do wait -n || true; done
  (
    status=0
    "$@" || status=1
    echo "$status" >"$status_file"
  ) &
}

# pool_failed STATUS_FILE...: waits for every pool job; true if any of them failed.
pool_failed() {
  wait
  local f
  for f in "$@"; do [ "$(cat "$f" 2>/dev/null)" = 0 ] || return 0; done
  return 1
}
