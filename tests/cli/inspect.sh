#!/bin/sh
# `caec inspect` is a read-only look (issue 17 §2): it stops at --after (a later failure does
# not decide its exit code), writes nothing, says why when the step is never reached, and
# shows the RIMs `caec run` produces for the same scenario.
. "$(dirname "$0")/common.sh"

example="$scenarios/one_provider_two_consumers.json"
# Writes nothing: the scenario's attest step would save reader-token.cbor in `caec run`.
mkdir look
(cd look && "$caec" inspect "$example" >../view && "$caec" inspect "$example" --after 12 --json >../view.json)
[ -z "$(ls -A look)" ] || { echo "caec inspect wrote files:"; ls -A look; exit 1; }
# One view only: the scenario's own inspect step (steps[9]) shows nothing in `caec inspect`.
[ "$(grep -c '^granule map' view)" -eq 1 ] || { echo "expected one view:"; cat view; exit 1; }
grep -q '"after_step": 12' view.json
# The same RIMs as `caec run` (whose inspect step shows them): the realms run the same script.
"$caec" run "$example" --json >run.json
grep '"rim"' run.json | tr -d ' ,' | sort -u >run.rims
grep '"rim"' view.json | tr -d ' ,' | sort -u >inspect.rims
[ "$(wc -l <run.rims)" -eq 3 ] || { echo "expected 3 RIMs from caec run:"; cat run.rims; exit 1; }
cmp run.rims inspect.rims || { echo "caec inspect's RIMs differ from caec run's"; exit 1; }

# Stops at --after: step 3 fails, but inspecting after step 2 succeeds and shows the sharing.
cp "$data/write_through_read_only.json" fails_later.json
"$caec" inspect fails_later.json --after 2 >view 2>err || { echo "inspect --after 2 failed:"; cat err; exit 1; }
grep -q 'ram/foreign-ro=1' view
[ ! -s err ] || { echo "inspect printed on stderr:"; cat err; exit 1; }
# Says why the inspected step was never reached.
expect_exit 1 'steps\[3\] (write c shared) was not reached' "$caec" inspect fails_later.json --after 3
grep -q 'realm c failed at steps\[3\] (write c shared): ' err
[ ! -s out ] || { echo "a failed inspection printed a view:"; cat out; exit 1; }
expect_exit 1 'steps\[4\] (expect p shared) was not reached' "$caec" inspect fails_later.json

# A scenario without steps: the view once the realms have set up.
printf '{"realms":[{"name":"a"}],"regions":[{"name":"r","provider":"a","base":"0x200000","size":"0x1000"}]}' >nosteps.json
"$caec" inspect nosteps.json >view
grep -q '^realm a: RD' view
grep -q 'apt region' view
echo "inspect: ok"
