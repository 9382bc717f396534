#!/bin/sh
# `caec inspect --picture dot|svg` (issue 17 §6): a picture of who shares what names every realm
# and region, shows each sharing with its permission and each attachment; the SVG comes from
# Graphviz's dot (exit 77, skipped, where graphviz is not installed).
. "$(dirname "$0")/common.sh"

example="$scenarios/one_provider_two_consumers.json"
"$caec" inspect "$example" --after 8 --picture dot >view.dot
for name in 'realm provider' 'realm reader' 'realm writer' 'region shared'; do
  grep -q "$name" view.dot || { echo "the DOT picture does not name $name:"; cat view.dot; exit 1; }
done
grep -q '"region provider 1" -> "reader" \[label="shared k=0 ro\\nattached"' view.dot
grep -q '"region provider 1" -> "writer" \[label="shared k=0 rw\\nattached"' view.dot
grep -q '"reservation reader 0x200000" -> "region provider 1" \[style=solid, label="attached"' view.dot
grep -q 'ram/foreign-ro: 2' view.dot
# After the revoke (steps[11]) the writer's sharing is gone from the picture.
"$caec" inspect "$example" --after 11 --picture dot >later.dot
! grep -q '"region provider 1" -> "writer"' later.dot
expect_exit 2 'picture' "$caec" inspect "$example" --picture png
expect_exit 2 'excludes' "$caec" inspect "$example" --picture dot --json

command -v dot >/dev/null || { echo "picture: graphviz's dot is not installed, SVG not tested"; exit 77; }
"$caec" inspect "$example" --after 8 --picture svg >view.svg
head -c 200 view.svg | grep -q '<?xml'
grep -q '<svg' view.svg
for name in 'realm provider' 'realm reader' 'realm writer' 'region shared'; do
  grep -q ">$name<" view.svg || { echo "the SVG does not name $name"; exit 1; }
done
echo "picture: ok"
