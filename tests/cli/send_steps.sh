#!/bin/sh
# `send` steps in scenarios: the example carries messages over CSM, CSM zero-copy, both sealed
# transports and plain host memory, and the runner reports each delivered intact (text and
# JSON); broken `send` steps exit 2 naming the bad field.
. "$(dirname "$0")/common.sh"

"$caec" run "$scenarios/messages_over_channels.json" >out 2>err || { echo "FAILED"; cat out err; exit 1; }
grep -q '^scenario ok$' out
for t in csm csm-zero-copy sealed-openssl sealed-mbedtls plain-ns; do
  grep -q "over $t, [0-9]* bytes: delivered intact$" out || { echo "no intact send over $t in:"; cat out; exit 1; }
done
! grep -q 'NOT delivered' out
"$caec" run "$scenarios/messages_over_channels.json" --json >json 2>/dev/null
[ "$(grep -c '"intact": true' json)" -eq 6 ] || { echo "expected 6 intact sends:"; cat json; exit 1; }
# The receivers' own word, in their consoles (-v).
"$caec" run "$scenarios/messages_over_channels.json" -v 2>log >/dev/null
grep -q '^bob| received ch2: 16384 bytes over csm, intact$' log
grep -q '^carol| received ch3: 16 bytes over sealed-openssl, intact$' log

realms='"realms":[{"name":"a"},{"name":"b"},{"name":"s","program":"csm-script"}]'
expect_field "{$realms,\"steps\":[{\"do\":\"send\",\"realm\":\"a\",\"to\":\"b\",\"transport\":\"carrier-pigeon\",\"text\":\"hi\"}]}" 'steps\[0\].transport: unknown transport'
expect_field "{$realms,\"steps\":[{\"do\":\"send\",\"realm\":\"a\",\"text\":\"hi\"}]}" 'steps\[0\].to: missing'
expect_field "{$realms,\"steps\":[{\"do\":\"send\",\"realm\":\"a\",\"to\":\"zed\",\"text\":\"hi\"}]}" 'steps\[0\].to: no realm named "zed"'
expect_field "{$realms,\"steps\":[{\"do\":\"send\",\"realm\":\"a\",\"to\":\"a\",\"text\":\"hi\"}]}" 'steps\[0\].to: a realm cannot send to itself'
expect_field "{$realms,\"steps\":[{\"do\":\"send\",\"realm\":\"a\",\"to\":\"b\",\"text\":\"hi\",\"bytes\":4}]}" 'steps\[0\]: expected exactly one of text, hex or bytes'
expect_field "{$realms,\"steps\":[{\"do\":\"send\",\"realm\":\"a\",\"to\":\"b\",\"hex\":\"abc\"}]}" 'steps\[0\].hex: expected pairs of hex digits'
expect_field "{$realms,\"steps\":[{\"do\":\"send\",\"realm\":\"a\",\"to\":\"b\",\"bytes\":0}]}" 'steps\[0\].bytes: must be 1 to 16384'
expect_field "{$realms,\"steps\":[{\"do\":\"send\",\"realm\":\"a\",\"to\":\"b\",\"bytes\":16385}]}" 'steps\[0\].bytes: must be 1 to 16384'
expect_field "{$realms,\"steps\":[{\"do\":\"send\",\"realm\":\"s\",\"to\":\"b\",\"text\":\"hi\"}]}" 'steps\[0\].realm: "s" runs csm-script, which has no channel'
echo "send steps: ok"
