#!/bin/sh
# Installs the build to a temporary prefix and uses it the way an outside project would:
#  1. the layout: headers (and every header they include), static libraries, the CMake
#     package and the pkg-config files, with no build-only flags (caec_warnings) and no path
#     into the source or build tree;
#  2. examples/out_of_tree configured with find_package(caec), built (warnings are errors) and
#     run: the provider, the consumer and the auditor print what they saw and exit 0;
#  3. the same host program compiled and linked with nothing but pkg-config's flags, and run.
# Usage: out_of_tree_test.sh CMAKE BUILD_DIR EXAMPLE_DIR GENERATOR CXX [CXXFLAGS]
set -eu
cmake=$1 build=$2 example=$3 generator=$4 cxx=$5 cxxflags=${6:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "== $* ($(date +%s))"; }

step install
for component in Development RealmPrograms; do  # not Runtime: the CLI is not needed here
  "$cmake" --install "$build" --prefix "$prefix" --component "$component" >>"$work/install.log" ||
    { cat "$work/install.log"; fail "cmake --install --component $component"; }
done
libdir=$(cd "$prefix" && ls -d lib lib64 lib/*-linux-gnu 2>/dev/null | while read -r d; do
  [ -d "$prefix/$d/cmake/caec" ] && echo "$d"; done | head -n 1)
[ -n "$libdir" ] || fail "no lib*/cmake/caec under $prefix"
for f in include/caec/abi/rmi.h include/caec/abi/csm.h include/caec/realm/realm.h \
         include/caec/realm/csm_api.h include/caec/host/vmm.h include/caec/platform/emulated_platform.h \
         include/caec/channel/connect.h "$libdir/libcaec_realm.a" "$libdir/libcaec_platform.a" \
         "$libdir/cmake/caec/caecConfig.cmake" "$libdir/cmake/caec/caecConfigVersion.cmake" \
         "$libdir/cmake/caec/caec-targets.cmake" "$libdir/cmake/caec/caec-programs-targets.cmake" \
         "$libdir/pkgconfig/caec.pc" "$libdir/pkgconfig/caec-realm.pc" \
         "$libdir/pkgconfig/caec-programs.pc"; do
  [ -e "$prefix/$f" ] || fail "not installed: $f"
done

# Every quoted include of an installed header resolves inside the prefix (include/caec first,
# as the package's include path has it).
find "$prefix/include" -name '*.h' | sort >"$work/headers"
while read -r h; do
  sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$h" | while read -r inc; do
    [ -f "$prefix/include/caec/$inc" ] || [ -f "$prefix/include/$inc" ] || echo "${h#"$prefix"/} includes \"$inc\""
  done
done <"$work/headers" >"$work/missing"
[ ! -s "$work/missing" ] || { cat "$work/missing"; fail "installed headers include files that were not installed"; }

# Nothing of the build leaks into the package: caec_warnings (-Werror ...) stays PRIVATE, and
# no path points into the source or build tree.
src=$(cd "$example/../.." && pwd)
if grep -rn -e caec_warnings -e Werror -e Wconversion -e "$src" -e "$build" \
     "$prefix/$libdir/cmake/caec" "$prefix/$libdir/pkgconfig"; then
  fail "the installed package mentions build-only flags or tree paths (above)"
fi

step "configure $example"
"$cmake" -S "$example" -B "$work/build" -G "$generator" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_CXX_FLAGS="$cxxflags" -DCMAKE_COMPILE_WARNING_AS_ERROR=ON \
  >"$work/configure.log" 2>&1 || { cat "$work/configure.log"; fail "configure against the prefix"; }
step build
"$cmake" --build "$work/build" -j 1 >"$work/build.log" 2>&1 || { cat "$work/build.log"; fail "build"; }

check_run() {  # check_run LABEL EXECUTABLE
  "$2" >"$work/$1.out" 2>&1 || { cat "$work/$1.out"; fail "$1: exit status $?"; }
  for line in 'provider| provider: "consumer" is RID' \
              'provider| provider: region 1 shared (consumer: rw, k=0; 1 read-only)' \
              'consumer| consumer: attached region 1 read-write; provider RID 1, 2 sharing(s)' \
              'consumer| consumer: read "hello from the provider"' \
              'auditor | attached ro' \
              'provider| provider: the consumer replied "hello back"' \
              'provider| provider: region destroyed' \
              'provider: exit status 0' 'consumer: exit status 0' 'auditor : exit status 0' \
              'csm_pair: ok'; do
    grep -qF "$line" "$work/$1.out" || { cat "$work/$1.out"; fail "$1: no line \"$line\""; }
  done
}
step run
check_run cmake "$work/build/csm_pair"
cat "$work/cmake.out"

step pkg-config
export PKG_CONFIG_PATH="$prefix/$libdir/pkgconfig"
modules="caec-programs caec-platform caec-host caec-realm"
pkg-config --exists --print-errors $modules || fail "pkg-config $modules"
[ -n "$(pkg-config --libs caec)" ] || fail "pkg-config caec"
for o in $(pkg-config --libs-only-other caec-programs | tr ' ' '\n' | grep '\.o$'); do
  [ -f "$o" ] || fail "caec-programs.pc names $o, which does not exist"
done
# shellcheck disable=SC2046
"$cxx" -std=c++20 $cxxflags -I"$example" $(pkg-config --cflags $modules) \
  "$example/main.cc" "$example/provider.cc" "$example/consumer.cc" -o "$work/csm_pair_pc" \
  $(pkg-config --libs $modules) >"$work/pc.log" 2>&1 || { cat "$work/pc.log"; fail "pkg-config build"; }
check_run pkg-config "$work/csm_pair_pc"
step done
echo "install -> out-of-tree example (CMake and pkg-config): ok"
