#!/usr/bin/env bash
# Runs the property-based fuzz targets (tests/fuzz_parsers.rs: state file, ranges,
# sizes, templates, Graph bodies, error bodies) with many more cases than `cargo test`
# gives them, each property for at most SECS seconds. Outside CI: it takes minutes.
#
#   bash bench/fuzz.sh                 # 100,000 cases per property, 120 s each at most
#   CASES=1000000 SECS=600 bash bench/fuzz.sh
#
# A failure prints proptest's minimal failing input; keep it as a plain test at the end
# of tests/fuzz_parsers.rs and fix the parser.
set -euo pipefail
cd "$(dirname "$0")/.."
CASES=${CASES:-100000}
SECS=${SECS:-120}
# The test binary itself, so that `timeout` stops the property, not only cargo.
bin=$(cargo test --release --test fuzz_parsers --no-run --message-format=json 2>/dev/null |
    sed -n 's/.*"executable":"\([^"]*fuzz_parsers[^"]*\)".*/\1/p' | tail -n1)
[ -x "$bin" ] || { echo "cannot build tests/fuzz_parsers.rs" >&2; exit 1; }
props=$("$bin" --list 2>/dev/null | sed -n 's/: test$//p')
status=0
for p in $props; do
    start=$(date +%s)
    if PROPTEST_CASES=$CASES timeout "$SECS" \
        "$bin" -q --exact "$p" >/tmp/fuzz-$$.log 2>&1; then
        echo "$p: $CASES cases passed in $(( $(date +%s) - start )) s"
    elif [ $? -eq 124 ]; then
        echo "$p: no failure within ${SECS} s (time limit before $CASES cases)"
    else
        echo "$p: FAILED"; cat /tmp/fuzz-$$.log; status=1
    fi
done
rm -f /tmp/fuzz-$$.log
exit $status
