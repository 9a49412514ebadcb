#!/usr/bin/env bash
# Runs every *.test.ts under the source folders with node's built-in test runner (Node 20 has no
# glob support in --test, so the files are listed here). Extra arguments pass through; a file
# argument narrows the run: scripts/run-tests.sh test/config.test.ts
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
files=()
for a in "$@"; do [[ "$a" == *.test.ts ]] && files+=("$a"); done
opts=()
for a in "$@"; do [[ "$a" != *.test.ts ]] && opts+=("$a"); done
full_run=0
if [ "${#files[@]}" -eq 0 ]; then
  full_run=1
  mapfile -t files < <(find test server media models sql bench client/src vocabulary -name '*.test.ts' -not -path '*/node_modules/*' | sort)
fi
# A full run typechecks first (tsx strips types without checking them, so a type error would
# otherwise pass every test); a narrowed run skips it. MOODIFY_SKIP_TYPECHECK=1 skips it too.
if [ "$full_run" = 1 ] && [ "${MOODIFY_SKIP_TYPECHECK:-0}" != 1 ]; then
  echo "[test] typecheck (tsc --noEmit)"
  node_modules/.bin/tsc --noEmit -p tsconfig.json
fi
# Test files run one at a time: several of them start mediasoup workers, ffmpeg and Chromium,
# and two cores are all a machine here has.
exec node --import tsx --test --test-concurrency=1 --test-reporter=spec ${opts[@]+"${opts[@]}"} "${files[@]}"
