#!/usr/bin/env bash
# Quick start 1: install what is needed, build, and run the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh default
exec build/default/apps/caec/caec demo "$@"
