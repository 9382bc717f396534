#!/bin/sh
# The CLI conventions of docs/guide.md on every subcommand: --help exits 0 and lists -v (and
# caec --version names the release); usage
# errors exit 2; results go to stdout and nothing else is printed unless -v asks for logs
# (before or after the subcommand's name); a failing scenario exits 1 promptly.
. "$(dirname "$0")/common.sh"

for cmd in demo run inspect verify attest bench; do
  "$caec" "$cmd" --help >help || { echo "caec $cmd --help exited $?"; exit 1; }
  grep -q -- '-v,--verbose' help || { echo "caec $cmd --help does not list -v:"; cat help; exit 1; }
done
"$caec" --help | grep -q 'CLI conventions'
# --version: the release and the RMM build it carries, on stdout, exit 0.
"$caec" --version >version
grep -q '^caec [0-9][0-9.]*$' version
grep -q '^RMM measurement (SHA-256): [0-9a-f]\{64\}$' version

usage() {
  set +e
  "$caec" "$@" >/dev/null 2>&1
  rc=$?
  set -e
  [ "$rc" -eq 2 ] || { echo "expected exit 2 from caec $*, got $rc"; exit 1; }
}
usage
usage fly
usage run
usage run does-not-exist.json
usage bench --modes csm,carrier-pigeon
usage attest -o token.cbor --challenge xyz
echo "not a key" >garbage.pem
usage attest -o token.cbor --platform-key garbage.pem
"$caec" attest -o token.cbor --save-platform-key public.pem >/dev/null
usage attest -o token.cbor --platform-key public.pem  # a public key cannot sign
usage verify

# Quiet by default: results on stdout, nothing on stderr.
example="$scenarios/revoke_and_teardown.json"
"$caec" run "$example" >out 2>err
grep -q '^scenario ok$' out
[ ! -s err ] || { echo "caec run printed on stderr without -v:"; cat err; exit 1; }
"$caec" attest -o token.cbor >out 2>err
grep -q '^expected RIM' out
[ ! -s err ] || { echo "caec attest printed on stderr without -v:"; cat err; exit 1; }
# -v logs the steps and the realms' consoles, wherever it is given; -vv the compiled scripts.
"$caec" run "$example" -v >out 2>log
grep -q '^caec run: step 0 done: write model weights$' log
grep -q '^tenant-a| attached ro$' log
"$caec" -v run "$example" >/dev/null 2>log
grep -q '^caec run: step 0 done' log
"$caec" run "$example" -vv >/dev/null 2>log
grep -q '^caec run:   model: create weights 0x300000 0x10000$' log
# --json where the output is data.
"$caec" attest -o token.cbor --json | grep -q '"expected_rim"'
"$caec" run "$example" --json | grep -q '"ok": true'

# A realm whose step fails: exit 1 at once, the others stopped rather than waited for.
cat >fails.json <<'JSON'
{"realms": [{"name": "a"}, {"name": "b"}],
 "regions": [{"name": "r", "provider": "a", "base": "0x200000", "size": "0x1000"}],
 "steps": [{"do": "write", "realm": "a", "region": "r", "text": "this"},
           {"do": "expect", "realm": "a", "region": "r", "text": "that"},
           {"do": "share", "region": "r", "consumer": "b", "perm": "ro"}]}
JSON
set +e
timeout 60 "$caec" run fails.json >out 2>/dev/null
rc=$?
set -e
[ "$rc" -eq 1 ] || { echo "expected exit 1 from a failing scenario, got $rc"; cat out; exit 1; }
grep -q '^scenario FAILED$' out
grep -q 'read "this", expected "that"' out
echo "conventions: ok"
