# Sourced by the tests/cli scripts: $1 is the caec binary, $2 (if given) examples/scenarios.
# They run in a temporary directory, removed on exit.
set -eu
caec="$1"
scenarios="${2:-}"
data=$(cd "$(dirname "$0")" && pwd)/data  # scenarios the tests share
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir"

# expect_exit RC PATTERN CMD...: CMD exits RC within 60 s (never hangs), with a message matching
# PATTERN on stderr; its stdout is left in ./out, its stderr in ./err.
expect_exit() {
  want=$1
  pattern=$2
  shift 2
  set +e
  timeout 60 "$@" >out 2>err
  rc=$?
  set -e
  [ "$rc" -eq "$want" ] || { echo "expected exit $want from $*, got $rc: $(cat err)"; exit 1; }
  grep -q -- "$pattern" err || { echo "expected '$pattern' on stderr of $*, got: $(cat err)"; exit 1; }
}

# expect_field JSON PATTERN: `caec run` of this scenario exits 2 with a message matching PATTERN
# (the field it names).
expect_field() {
  printf '%s' "$1" >bad.json
  expect_exit 2 "$2" "$caec" run bad.json
}
