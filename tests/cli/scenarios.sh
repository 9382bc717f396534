#!/bin/sh
# `caec run` and `caec inspect` on the example scenarios: each runs to "scenario ok"; inspect
# shows the consumers' foreign read-only and read-write mappings; a saved token verifies;
# broken scenarios exit 2 naming the bad field.
. "$(dirname "$0")/common.sh"

for f in "$scenarios"/*.json; do
  "$caec" run "$f" --save-platform-key platform.pem >out 2>/dev/null || { echo "FAILED: $f"; cat out; exit 1; }
  grep -q '^scenario ok$' out
  if [ -s reader-token.cbor ] && [ ! -e verified ]; then
    "$caec" verify reader-token.cbor --platform-key platform.pem --quiet
    touch verified
  fi
done
test -e verified

"$caec" inspect "$scenarios/one_provider_two_consumers.json" --after 4 >view
grep -q 'ram/foreign-ro=2' view
grep -q 'ram/foreign-rw=2' view
"$caec" inspect "$scenarios/one_provider_two_consumers.json" --after 4 --json | grep -q '"foreign-ro"\|foreign-ro'

expect_field '{"realms":[{"name":"a","memory_mib":1}]}' 'realms\[0\].memory_mib'
expect_field '{"realms":[{"name":"a"},{"name":"a"}]}' 'realms\[1\].name'
expect_field '{"realms":[{"name":"a"}],"steps":[{"do":"share","region":"x"}]}' 'steps\[0\].region'
expect_field '{"realms":[{"name":"a"}],"regions":[{"name":"r","provider":"a","base":"0x201000","size":"0x1001"}]}' 'regions\[0\]'
expect_field '{"realms":[{"name":"a"}],"steps":[{"do":"fly"}]}' 'steps\[0\].do'
expect_field '{"realms":[{"name":"a","colour":"red"}]}' 'realms\[0\].colour'
expect_field 'not json' 'not JSON'
echo "scenarios: ok"
