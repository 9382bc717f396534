#!/bin/sh
# Failures point at the cause (issue 17 §4): the realm, the scenario's steps[i] (not an index
# into a realm's compiled script), the access and the fault; --json carries them.
. "$(dirname "$0")/common.sh"

# A consumer writes through a read-only sharing.
cp "$data/write_through_read_only.json" ro.json
set +e
timeout 60 "$caec" run ro.json >out 2>err
rc=$?
set -e
[ "$rc" -eq 1 ] || { echo "expected exit 1, got $rc"; cat out err; exit 1; }
grep -q '^realm c .* failed at steps\[3\] (write c shared): write of 5 bytes at IPA 0x200010 took a synchronous external abort at IPA 0x2000' out
grep -q "c's sharing of shared is read-only (steps\[1\] (share shared c ro))" out
grep -q '^realm p .* stopped before it finished (another realm failed)$' out
grep -q '^scenario FAILED$' out
# --json carries the realm, the step, its action and the reason.
set +e
"$caec" run ro.json --json >json 2>/dev/null
set -e
tr -d ' \n' <json | grep -q '"failure":{"realm":"c","step":3,"action":"write","reason":"writeof5bytesatIPA0x200010tookasynchronousexternalabort'

# A compare that fails names the scenario's step, not the script argument.
cat >mismatch.json <<'JSON'
{"realms": [{"name": "a"}, {"name": "b"}],
 "regions": [{"name": "r", "provider": "a", "base": "0x200000", "size": "0x1000"}],
 "steps": [{"do": "share", "region": "r", "consumer": "b", "perm": "rw"},
           {"do": "attach", "realm": "b", "region": "r"},
           {"do": "write", "realm": "b", "region": "r", "text": "this"},
           {"do": "expect", "realm": "a", "region": "r", "text": "that"}]}
JSON
set +e
timeout 60 "$caec" run mismatch.json >out 2>/dev/null
set -e
grep -q '^realm a .* failed at steps\[3\] (expect a r): read "this", expected "that"$' out

# A realm the host cannot build is named, with its place in the file.
printf '{"machine":{"memory_mib":16},"realms":[%s]}' \
  "$(i=0; while [ $i -lt 400 ]; do [ $i -eq 0 ] || printf ','; printf '{"name":"r%d"}' $i; i=$((i + 1)); done)" >full.json
expect_exit 1 'building realm r[0-9]* (realms\[[0-9]*\]): host out of memory' "$caec" run full.json
echo "failures: ok"
