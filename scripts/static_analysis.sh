#!/usr/bin/env bash
# Static analysis (docs/hardening.md, "Static analysis"): cppcheck over every translation unit of
# the default build, tests included, then clang-tidy (the check set in .clang-tidy) over every
# translation unit except tests. Fails on any finding.
#   scripts/static_analysis.sh [cppcheck|clang-tidy]...   default: both
# cppcheck takes about 20 s; clang-tidy about 20 min of CPU (two jobs at a time).
set -euo pipefail
cd "$(dirname "$0")/.."
tools=("$@")
[ ${#tools[@]} -gt 0 ] || tools=(cppcheck clang-tidy)

scripts/setup.sh
cmake --preset default >/dev/null  # compile_commands.json
db=build/default/compile_commands.json
out=build/default/static-analysis
mkdir -p "$out"
status=0

for tool in "${tools[@]}"; do
  case $tool in
    cppcheck)
      # warning, performance, portability: defects, not style. Inline suppressions carry the
      # reason beside the line they excuse.
      cppcheck --project="$db" -j2 --std=c++20 --enable=warning,performance,portability \
        --library=googletest --library=scripts/static_analysis/rapidcheck.cfg \
        --inline-suppr --suppress=missingIncludeSystem --suppress='*:/usr/*' -i build --quiet \
        --error-exitcode=1 --template='{file}:{line}: {severity}/{id}: {message}' 2>"$out/cppcheck.txt" ||
        true
      n=$(grep -c . "$out/cppcheck.txt" || true)
      echo "static analysis: cppcheck, $n findings ($out/cppcheck.txt)"
      [ "$n" -eq 0 ] || { cat "$out/cppcheck.txt"; status=1; }
      ;;
    clang-tidy)
      # Generated sources and tests are left out: tests break rules on purpose (hostile inputs,
      # casts of raw ABI words) and gtest's macros trip several checks.
      mapfile -t files < <(python3 -c '
import json, sys
for e in json.load(open(sys.argv[1])):
    f = e["file"]
    if "_test" not in f and "/tests/" not in f and "/build/" not in f:
        print(f)' "$db")
      run-clang-tidy-14 -p build/default -j2 -quiet "${files[@]}" >"$out/clang-tidy.log" 2>&1 || true
      grep -E '^/[^ ]+:[0-9]+:[0-9]+: (warning|error):' "$out/clang-tidy.log" | sort -u >"$out/clang-tidy.txt" || true
      n=$(grep -c . "$out/clang-tidy.txt" || true)
      echo "static analysis: clang-tidy over ${#files[@]} files, $n findings ($out/clang-tidy.txt)"
      [ "$n" -eq 0 ] || { cat "$out/clang-tidy.txt"; status=1; }
      ;;
    *) echo "static analysis: unknown tool '$tool' (cppcheck, clang-tidy)" >&2; exit 2 ;;
  esac
done
exit $status
