#!/usr/bin/env bash
# Lines of the RMM (rmm/, without tests and the introspection library) and of the CAEC CSM
# extension within it, as the paper reports them (CAEC: 1,062 lines, about 4-6% of TF-RMM).
# The CSM files are counted whole; CSM hooks inside shared files (DATA_* propagation, the
# IPA_STATE_SET and RTT_FOLD refusals, the abort rules, registry calls) are listed apart.
set -euo pipefail
cd "$(dirname "$0")/.."

csm_files=(rmm/apt.h rmm/apt.cc rmm/csm.h rmm/csm.cc rmm/rsi_csm.cc rmm/rmi_apt.cc
           rmm/realm_registry.h rmm/realm_registry.cc)
mapfile -t all < <(ls rmm/*.h rmm/*.cc | grep -v -e '_test\.cc$' -e 'introspect\.')

count() { cat "$@" | grep -cv '^[[:space:]]*$' || true; }
code() { cat "$@" | grep -v '^[[:space:]]*$' | grep -cv '^[[:space:]]*//' || true; }

total=$(count "${all[@]}")
csm=$(count "${csm_files[@]}")
hooks=$(grep -c -i -E 'csm|apt\(|reservation|consumer|foreign' rmm/rmi_data.cc rmm/stage2_abort.cc \
          rmm/rsi_memory.cc rmm/rmi_rtt.cc rmm/rmi_realm.cc rmm/s2tt.cc rmm/rtt_ctx.h | \
        awk -F: '{s += $2} END {print s}')
printf 'RMM (rmm/, non-blank lines):        %6d   (code only: %d)\n' "$total" "$(code "${all[@]}")"
printf 'CSM extension files:                %6d   (code only: %d)\n' "$csm" "$(code "${csm_files[@]}")"
printf 'CSM hook lines in shared files:    ~%6d\n' "$hooks"
awk -v c="$csm" -v h="$hooks" -v t="$total" \
  'BEGIN { printf "CSM share of the RMM:               %5.1f%% (files) to %.1f%% (with hooks)\n", 100*c/t, 100*(c+h)/t }'

# Object bytes (text + data, from a build directory; default build/default), the same split.
build=${1:-build/default}
objdir="$build/rmm/CMakeFiles/caec_rmm.dir"
if [ -d "$objdir" ] && command -v size >/dev/null; then
  bytes() { size --format=berkeley "$@" 2>/dev/null | awk 'NR > 1 { s += $1 + $2 } END { print s + 0 }'; }
  mapfile -t objs < <(ls "$objdir"/*.o)
  csm_objs=()
  for f in "${csm_files[@]}"; do
    [ -f "$objdir/$(basename "$f").o" ] && csm_objs+=("$objdir/$(basename "$f").o")
  done
  all_bytes=$(bytes "${objs[@]}")
  csm_bytes=$(bytes "${csm_objs[@]}")
  printf 'RMM objects (text + data bytes):    %8d\n' "$all_bytes"
  printf 'CSM extension objects:              %8d   (%.1f%%)\n' "$csm_bytes" "$(awk -v c="$csm_bytes" -v t="$all_bytes" 'BEGIN { print 100*c/t }')"
fi
