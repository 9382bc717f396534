#!/bin/sh
# Bad input never hangs, crashes or passes silently (issue 17 §1): each case below exits 2 within
# a minute, naming the field or value on stderr, and no output is written by a command that
# refused its input.
. "$(dirname "$0")/common.sh"

# Empty transport lists: once an endless loop with memory growing without bound.
expect_exit 2 'empty transport name' "$caec" bench --quick --no-plots --modes '' -o b
expect_exit 2 'empty transport name' "$caec" bench --quick --no-plots --modes ',' -o b
expect_exit 2 'empty transport name' "$caec" bench --quick --no-plots --modes 'csm,' -o b
[ ! -e b ] || { echo "bench created its output directory for a refused --modes"; exit 1; }

# Numbers: a sign, or a sum that wraps, is not a size.
a='"realms":[{"name":"a"},{"name":"b"}]'
expect_field "{$a,\"regions\":[{\"name\":\"r\",\"provider\":\"a\",\"base\":\"0x200000\",\"size\":\"-4096\"}]}" 'regions\[0\].size: expected a non-negative integer'
expect_field "{$a,\"regions\":[{\"name\":\"r\",\"provider\":\"a\",\"base\":\"0x200000\",\"size\":\"0xfffffffffffff000\"}]}" "regions\[0\]: must lie in a's RAM"
expect_field "{$a,\"regions\":[{\"name\":\"r\",\"provider\":\"a\",\"base\":\"0x200000\",\"size\":\"0x10000000000000000\"}]}" 'regions\[0\].size: .* is larger than'
# Fields of the wrong type are named, not reported as "not JSON".
expect_field "{$a,\"regions\":5}" 'regions: expected an array'
expect_field "{$a,\"regions\":{\"a\":1}}" 'regions: expected an array'
expect_field "{$a,\"steps\":{\"do\":\"share\"}}" 'steps: expected an array'
expect_field "{$a,\"steps\":[5]}" 'steps\[0\]: expected an object'
expect_field '{"realms":[{"name":"a","memory_mib":"4x"}]}' 'realms\[0\].memory_mib'
! grep -q 'not JSON' err
# A write must stay inside its region (the text and the zero byte after it).
r="$a,\"regions\":[{\"name\":\"r\",\"provider\":\"a\",\"base\":\"0x200000\",\"size\":\"0x1000\"}]"
expect_field "{$r,\"steps\":[{\"do\":\"write\",\"realm\":\"a\",\"region\":\"r\",\"offset\":4090,\"text\":\"0123456789abcdef\"}]}" 'steps\[0\].text: 17 bytes at offset 0xffa run past the end of region r'
expect_field "{$r,\"steps\":[{\"do\":\"expect\",\"realm\":\"a\",\"region\":\"r\",\"offset\":4095,\"text\":\"ab\"}]}" 'steps\[0\].text: 2 bytes'
expect_field "{$r,\"steps\":[{\"do\":\"write\",\"realm\":\"a\",\"region\":\"r\",\"offset\":4096,\"text\":\"a\"}]}" 'steps\[0\].offset: 0x1000 is outside region r'
# Arguments a scripted realm would drop.
expect_field '{"realms":[{"name":"a","args":["x"]}]}' 'realms\[0\].args: "a" runs csm-script or channel-script'
expect_field '{"realms":[{"name":"a","program":"csm-script","args":["x"]}]}' 'realms\[0\].args: "a" runs csm-script'

# Programs must exist; their arguments must fit a manifest line.
expect_field '{"realms":[{"name":"a","program":"no-such-program"}]}' 'realms\[0\].program: no realm program named "no-such-program"'
expect_field '{"realms":[{"name":"a","program":"channel-stream","args":["x\ny"]}]}' 'realms\[0\].args: manifest argument contains a newline'
expect_field "{$r,\"steps\":[{\"do\":\"write\",\"realm\":\"a\",\"region\":\"r\",\"text\":\"a\\tb\"}]}" 'steps\[0\].text: must not contain white space'
# Names are script operands: white space would split them.
expect_field '{"realms":[{"name":"a b"}]}' 'realms\[0\].name: "a b" contains white space'
# json_list N ITEM: N copies of ITEM, comma-separated (ITEM may use $i, the copy's number).
json_list() {
  i=0
  while [ "$i" -lt "$1" ]; do
    [ "$i" -eq 0 ] || printf ','
    eval "printf '%s' \"$2\""
    i=$((i + 1))
  done
}
# 128 realms and more run (each once reserved 1 TiB of address space, and 128 took all of it),
# and the first and the last of them share memory.
printf '{"realms":[%s],"regions":[{"name":"g","provider":"r0","base":"0x200000","size":"0x1000"}],"steps":[
  {"do":"write","realm":"r0","region":"g","text":"hi"},{"do":"share","region":"g","consumer":"r129","perm":"ro"},
  {"do":"attach","realm":"r129","region":"g"},{"do":"expect","realm":"r129","region":"g","text":"hi"}]}' \
  "$(json_list 130 '{\"name\":\"r$i\",\"memory_mib\":2}')" >130.json
"$caec" run 130.json >out || { echo "130 realms FAILED"; tail out; exit 1; }
grep -q '^realm r129 *exit 0$' out
grep -q '^scenario ok$' out
# More realms than a scenario may have is refused up front, naming the limit.
printf '{"realms":[%s]}' "$(json_list 1025 '{\"name\":\"r$i\"}')" >many.json
expect_exit 2 'realms: 1025 realms; a scenario may have at most 1024' "$caec" run many.json
# A script that outgrows a realm's manifest (one measured granule) is refused up front, naming
# the step and the realm.
printf '{"realms":[{"name":"a"},{"name":"b"}],"regions":[{"name":"r","provider":"a","base":"0x200000","size":"0x1000"}],"steps":[%s]}' \
  "$(json_list 100 '{\"do\":\"write\",\"realm\":\"a\",\"region\":\"r\",\"text\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}')" >long.json
expect_exit 2 'steps\[[0-9]*\]: realm "a" runs csm-script .*(manifest is [0-9]* bytes' "$caec" run long.json
# send_hex N: a scenario whose one step sends N bytes given as hex.
send_hex() {
  printf '{"realms":[{"name":"a"},{"name":"b"}],"steps":[{"do":"send","realm":"a","to":"b","hex":"%s"}]}' \
    "$(json_list "$1" 'ab' | tr -d ,)"
}
send_hex 2100 >longsend.json
expect_exit 2 'steps\[0\]: realm "a" runs channel-script' "$caec" run longsend.json
send_hex 1900 >send.json  # what docs/scenarios.md promises fits
"$caec" run send.json | grep -q 'delivered intact$'

# Input files that are not files.
example="$scenarios/revoke_and_teardown.json"
mkdir adir
expect_exit 2 'directory' "$caec" run adir
expect_exit 2 'cannot read /proc/self/mem' "$caec" run /proc/self/mem
expect_exit 2 'adir: it is a directory' "$caec" verify adir --platform-key "$scenarios/../../tests/data/cca-tokens/cpak-p384.pub.pem"
expect_exit 2 'cannot read /proc/self/mem' "$caec" verify /proc/self/mem --platform-key "$scenarios/../../tests/data/cca-tokens/cpak-p384.pub.pem"
expect_exit 2 'cannot read /proc/self/mem' "$caec" attest -o t.cbor --platform-key /proc/self/mem
# Outputs that cannot be written are refused before any work is done.
expect_exit 2 '--save-platform-key no/such/dir/k.pem: cannot write there' "$caec" run "$example" --save-platform-key no/such/dir/k.pem
[ ! -s out ] || { echo "caec run did the work before refusing its output:"; cat out; exit 1; }
expect_exit 2 '^caec: error: -o adir: cannot write there: it is a directory' "$caec" attest -o adir
expect_exit 2 '--save-platform-key no/such/k.pem' "$caec" attest -o t.cbor --save-platform-key no/such/k.pem
[ ! -e t.cbor ] || { echo "caec attest wrote its token before refusing an output"; exit 1; }
touch afile
expect_exit 2 '-o afile/sub: cannot create the directory' "$caec" bench --quick --no-plots -o afile/sub
sed 's#"out": *"[^"]*"#"out": "no/such/dir/t.cbor"#' "$scenarios/one_provider_two_consumers.json" >attest_out.json
grep -q 'no/such/dir' attest_out.json
expect_exit 2 'steps\[[0-9]*\].out no/such/dir/t.cbor: cannot write there' "$caec" run attest_out.json
# Values that wrap or are silently clamped.
"$caec" attest -o token.cbor --save-platform-key p.pem >/dev/null
expect_exit 2 'expect-realm-id' "$caec" verify token.cbor --platform-key p.pem --expect-realm-id -1
expect_exit 2 '--after 99: .* has [0-9]* steps' "$caec" inspect "$example" --after 99
printf '[]' >anchors.json
expect_exit 2 'anchors.json: no platform key in it' "$caec" verify token.cbor --trust-anchor anchors.json
echo "robustness: ok"
