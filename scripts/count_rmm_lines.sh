#!/usr/bin/env bash
# Lines of the RMM (rmm/, without tests and the introspection library) and of the CAEC CSM
# extension within it, as the paper reports them (CAEC: 1,062 lines, about 4-6% of TF-RMM).
# The CSM files are counted whole; CSM hooks inside shared files (DATA_* propagation, the
# IPA_STATE_SET and RTT_FOLD refusals, the abort rules, registry calls) are listed apart.
#
# Usage: count_rmm_lines.sh [--json] [BUILD_DIR]   (BUILD_DIR default build/default: object
# bytes come from its caec_rmm objects, and are left out if it has none; the AArch64 sizes of
# the freestanding core come from scripts/firmware_build.sh, built in BUILD_DIR/firmware, when
# g++-aarch64-linux-gnu is installed). --json prints one
# JSON object instead of the table; the build embeds it in `caec bench` (bench/CMakeLists.txt).
set -euo pipefail
json=0
if [ "${1:-}" = "--json" ]; then json=1; shift; fi
root=$(realpath "$(dirname "$0")/..")
build=$(realpath -m "${1:-$root/build/default}")
cd "$root"

csm_files=(rmm/csm/apt.h rmm/csm/apt.cc rmm/csm/csm_relations.h rmm/csm/csm_relations.cc rmm/rsi/rsi_csm.cc rmm/rmi/rmi_apt.cc
           rmm/csm/realm_registry.h rmm/csm/realm_registry.cc)
mapfile -t all < <(find rmm -name '*.h' -o -name '*.cc' | sort | grep -v -e '_test\.cc$' -e '_test\.h$' -e '^rmm/introspect/')

count() { cat "$@" | grep -cv '^[[:space:]]*$' || true; }
code() { cat "$@" | grep -v '^[[:space:]]*$' | grep -cv '^[[:space:]]*//' || true; }

total=$(count "${all[@]}")
total_code=$(code "${all[@]}")
csm=$(count "${csm_files[@]}")
csm_code=$(code "${csm_files[@]}")
hooks=$(grep -c -i -E 'csm|apt\(|reservation|consumer|foreign' rmm/rmi/rmi_data.cc rmm/runtime/stage2_abort.cc \
          rmm/rsi/rsi_memory.cc rmm/rmi/rmi_rtt.cc rmm/rmi/rmi_realm.cc rmm/core/stage2_tables.cc rmm/rmi/rtt_ctx.h | \
        awk -F: '{s += $2} END {print s}')

# Object bytes (text + data), the same split.
all_bytes=0
csm_bytes=0
objdir="$build/rmm/CMakeFiles/caec_rmm.dir"
if [ -d "$objdir" ] && [ -n "$(find "$objdir" -name '*.o' -print -quit)" ] && command -v size >/dev/null; then
  bytes() { size --format=berkeley "$@" 2>/dev/null | awk 'NR > 1 { s += $1 + $2 } END { print s + 0 }'; }
  objs=()  # the objects of today's sources (a build dir may keep those of moved files)
  for f in "${all[@]}"; do
    [ -f "$objdir/${f#rmm/}.o" ] && objs+=("$objdir/${f#rmm/}.o")
  done
  csm_objs=()
  for f in "${csm_files[@]}"; do
    [ -f "$objdir/${f#rmm/}.o" ] && csm_objs+=("$objdir/${f#rmm/}.o")
  done
  all_bytes=$(bytes "${objs[@]}")
  csm_bytes=$(bytes "${csm_objs[@]}")
fi

# The freestanding AArch64 core (scripts/firmware_build.sh), when the cross compiler is here.
aarch64='{}'
if command -v aarch64-linux-gnu-g++ >/dev/null; then
  aarch64=$(bash scripts/firmware_build.sh --json "$build/firmware")
fi

if [ "$json" = 1 ]; then
  printf '{"rmm_lines": %d, "rmm_code_lines": %d, "csm_lines": %d, "csm_code_lines": %d, ' \
    "$total" "$total_code" "$csm" "$csm_code"
  printf '"csm_hook_lines": %d, "rmm_object_bytes": %d, "csm_object_bytes": %d, "aarch64": %s}\n' \
    "$hooks" "$all_bytes" "$csm_bytes" "$aarch64"
  exit 0
fi
printf 'RMM (rmm/, non-blank lines):        %6d   (code only: %d)\n' "$total" "$total_code"
printf 'CSM extension files:                %6d   (code only: %d)\n' "$csm" "$csm_code"
printf 'CSM hook lines in shared files:    ~%6d\n' "$hooks"
awk -v c="$csm" -v h="$hooks" -v t="$total" \
  'BEGIN { printf "CSM share of the RMM:               %5.1f%% (files) to %.1f%% (with hooks)\n", 100*c/t, 100*(c+h)/t }'
if [ "$all_bytes" -gt 0 ]; then
  printf 'RMM objects (text + data bytes):    %8d\n' "$all_bytes"
  printf 'CSM extension objects:              %8d   (%.1f%%)\n' "$csm_bytes" "$(awk -v c="$csm_bytes" -v t="$all_bytes" 'BEGIN { print 100*c/t }')"
fi
if [ "$aarch64" != '{}' ]; then
  echo "AArch64 freestanding core: $aarch64"
fi
