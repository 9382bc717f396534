# Sourced by the tests/cli scripts: $1 is the caec binary, $2 (if given) examples/scenarios.
# They run in a temporary directory, removed on exit.
set -eu
caec="$1"
scenarios="${2:-}"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir"

# expect_field JSON PATTERN: `caec run` of this scenario exits 2 with a message matching PATTERN
# (the field it names).
expect_field() {
  printf '%s' "$1" >bad.json
  set +e
  "$caec" run bad.json 2>err >/dev/null
  rc=$?
  set -e
  [ "$rc" -eq 2 ] || { echo "expected exit 2 for $1, got $rc"; exit 1; }
  grep -q "$2" err || { echo "expected '$2' in: $(cat err)"; exit 1; }
}
