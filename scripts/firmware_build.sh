#!/usr/bin/env bash
# Builds the RMM core as AArch64 firmware would be built, and checks that it is firmware:
#   - Debian's cross compiler (g++-aarch64-linux-gnu), -ffreestanding -fno-exceptions
#     -fno-rtti, no unwind tables, no thread-safe statics (no guard calls into a runtime),
#     inline atomics (no libgcc outline helpers), the lock-order validator off;
#   - no hosted header: every project file the core includes may include only the headers
#     C++23/26 made freestanding (or proposed to), which need no runtime (allowlist below);
#   - the core linked into one relocatable object may leave undefined only its ports: the
#     link-time ports (rmm/port/rmm_check.h, rmm/runtime/diag.h, rmm/port/hash.h, the
#     attestation service of rmm/port/attestation_port.h) and the C library's memcpy, memmove,
#     memset and memcmp. Any
#     operator new, __cxa_*, pthread or std:: runtime symbol fails the check.
# Then prints the AArch64 text and data of the core and of its CSM extension (the files
# scripts/count_rmm_lines.sh counts as CSM).
#
# Usage: firmware_build.sh [--json] [OUT_DIR]   (default OUT_DIR build/firmware)
# --json prints one JSON object with the sizes (the bench summary embeds it).
set -euo pipefail
json=0
if [ "${1:-}" = "--json" ]; then json=1; shift; fi
root=$(realpath "$(dirname "$0")/..")
out=$(realpath -m "${1:-$root/build/firmware}")
cd "$root"
cxx=aarch64-linux-gnu-g++
if ! command -v "$cxx" >/dev/null; then
  echo "firmware_build: $cxx not found (apt-get install g++-aarch64-linux-gnu; scripts/setup.sh does)" >&2
  exit 1
fi
log() { if [ "$json" = 0 ]; then echo "$@"; else echo "$@" >&2; fi; }

# The core: rmm/ without tests, the introspection library (tests only) and the hosted ports
# (port/hosted_*.cc: OpenSSL's hash, the attestation service over libcbor and OpenSSL).
mapfile -t core < <(find rmm -name '*.cc' | sort | grep -v -e '_test\.cc$' -e '^rmm/introspect/' \
                      -e '^rmm/port/hosted_')
csm_files=(rmm/csm/apt.cc rmm/csm/csm_relations.cc rmm/rsi/rsi_csm.cc rmm/rmi/rmi_apt.cc rmm/csm/realm_registry.cc)
flags=(-std=c++20 -O2 -ffreestanding -fno-exceptions -fno-rtti -fno-asynchronous-unwind-tables
       -fno-unwind-tables -fno-threadsafe-statics -mno-outline-atomics -mstrict-align
       -DCAEC_LOCK_ORDER=0 -Wall -Wextra -Werror -I. -Iabi/include)

# Headers with no runtime behind them: freestanding in C++23 (P1642) or C++26 (P2338, P2407:
# array, optional, string_view, span, the non-allocating algorithms, memcpy and friends).
allowed='^(algorithm|array|atomic|bit|compare|concepts|cstddef|cstdint|cstring|initializer_list|limits|new|optional|span|string_view|tuple|type_traits|utility)$'

rm -rf "$out" && mkdir -p "$out"
# Compile on every core at once; errors are reported below, file by file.
for src in "${core[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$(nproc)" ]; do wait -n || true; done
  "$cxx" "${flags[@]}" -c "$src" -o "$out/$(basename "$src" .cc).o" 2>"$out/$(basename "$src").err" &
done
wait || true
fail=0
for src in "${core[@]}"; do
  if [ ! -f "$out/$(basename "$src" .cc).o" ]; then
    log "firmware_build: $src does not compile freestanding:"
    sed 's/^/  /' "$out/$(basename "$src").err" | head -20 >&2
    fail=1
    continue
  fi
  # The system headers that project files include directly, as the preprocessor took them
  # (-H prints every header with its depth; a header's includer is the last one a level up).
  bad=$("$cxx" "${flags[@]}" -H -fsyntax-only "$src" 2>&1 >/dev/null | awk -v src="$src" '
    /^\.+ / {
      depth = length($1); path = $2; at[depth] = path
      parent = depth == 1 ? src : at[depth - 1]
      if (parent !~ /^\// && path ~ /^\//) {
        n = split(path, parts, "/"); print parts[n] " " parent
      }
    }' | while read -r header parent; do
      [[ "$header" =~ $allowed ]] || echo "$parent includes <$header>"
    done | sort -u)
  if [ -n "$bad" ]; then
    log "firmware_build: hosted headers reached from $src:"
    echo "$bad" | sed 's/^/  /' >&2
    fail=1
  fi
done
[ "$fail" = 0 ] || exit 1

objs=()
for src in "${core[@]}"; do objs+=("$out/$(basename "$src" .cc).o"); done
aarch64-linux-gnu-ld -r -o "$out/rmm_core.o" "${objs[@]}"
ports='^(memcpy|memmove|memset|memcmp|caec::rmm::(rmm_panic|cpu_relax|diag::record_failure|diag::last_failure|hash|attestation_(import_key|release|public_key|sign))\(.*)$'
unexpected=$(aarch64-linux-gnu-nm -u -C "$out/rmm_core.o" | awk '{ $1 = ""; sub(/^ /, ""); print }' |
             grep -v -E "$ports" || true)
if [ -n "$unexpected" ]; then
  log "firmware_build: the core needs symbols no port provides:"
  echo "$unexpected" | sed 's/^/  /' >&2
  exit 1
fi

# Sizes (text, data + bss), the whole core and the CSM extension's objects.
sizes() { aarch64-linux-gnu-size --format=berkeley "$@" | awk 'NR > 1 { t += $1; d += $2 + $3 } END { print t + 0, d + 0 }'; }
read -r core_text core_data < <(sizes "$out/rmm_core.o")
csm_objs=()
for f in "${csm_files[@]}"; do csm_objs+=("$out/$(basename "$f" .cc).o"); done
read -r csm_text csm_data < <(sizes "${csm_objs[@]}")
if [ "$json" = 1 ]; then
  printf '{"aarch64_core_text_bytes": %d, "aarch64_core_data_bytes": %d, "aarch64_csm_text_bytes": %d, "aarch64_csm_data_bytes": %d, "aarch64_core_files": %d}\n' \
    "$core_text" "$core_data" "$csm_text" "$csm_data" "${#core[@]}"
  exit 0
fi
echo "RMM core for AArch64 (freestanding, $cxx -O2): ${#core[@]} files, no hosted header, undefined only its ports"
printf '  text %8d bytes, data+bss %6d bytes\n' "$core_text" "$core_data"
printf '  CSM extension: text %6d bytes (%.1f%% of the core), data %d bytes\n' "$csm_text" \
  "$(awk -v c="$csm_text" -v t="$core_text" 'BEGIN { print 100 * c / t }')" "$csm_data"
