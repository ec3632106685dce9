#!/usr/bin/env bash
# What a one-shot command costs over TLS, process start included, against curl making
# the same requests, side by side on one HTTPS emulator on loopback (no added latency:
# only the processes' own costs are measured).
#
#   bench/startup.sh
#   RUNS=31 bench/startup.sh
#
# Environment (all optional): RUNS (21; rows show the median of alternating runs),
# NO_BUILD=1, CARGO_TARGET_DIR.
#
# The emulator serves HTTPS with the test certificate of emulator/tests/data (its CA
# given to both clients through SSL_CERT_FILE and --cacert); SSL_CERT_DIR is left as
# the environment has it (a full system store is read by both). Rows:
#   - `quota` vs `curl GET /me/drive`;
#   - `ls Docs` vs `curl GET /me/drive/root:/Docs:/children`;
#   - `get Docs/small.txt` vs curl doing what `get` does: the item (for its hash), then
#     the pre-authenticated download URL.
# Each pair is run RUNS times in turn (ours, curl, ours, curl, ...) after one warm-up,
# and the wall time of each whole process is taken.
set -euo pipefail

RUNS=${RUNS:-21}
CLIENT_ID=3b1c5e2a-7d4f-4e0b-9a6c-1f2e3d4c5b6a
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
CLI=$TARGET/release/onedrive-cli
EMU=$TARGET/release/onedrive-emulator
DATA=$ROOT/emulator/tests/data
WORK=$(mktemp -d /dev/shm/startup.XXXXXX)
EMU_PID=""
trap '[ -z "$EMU_PID" ] || kill "$EMU_PID" 2>/dev/null; rm -rf "$WORK"' EXIT

[ -n "${NO_BUILD:-}" ] || (cd "$ROOT" && cargo build --release -q -p onedrive-cli -p onedrive-emulator)

"$EMU" --listen 127.0.0.1:0 --tls-cert "$DATA/localhost-cert.pem" --tls-key "$DATA/localhost-key.pem" \
    --token-ttl 86400 > "$WORK/url" 2> "$WORK/emu.err" &
EMU_PID=$!
for _ in $(seq 200); do [ -s "$WORK/url" ] && break; sleep 0.05; done
URL=$(head -n1 "$WORK/url")
[ -n "$URL" ] || { echo "the emulator did not start:" >&2; cat "$WORK/emu.err" >&2; exit 1; }
export SSL_CERT_FILE=$DATA/test-ca.pem
CURL=(curl -sS -f --cacert "$SSL_CERT_FILE")
TOKEN=$("${CURL[@]}" -X POST "$URL/_emulator/tokens" | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
AUTH="Authorization: Bearer $TOKEN"
cat > "$WORK/state" <<EOS
client:
  id: $CLIENT_ID
auth:
  access_token: '$TOKEN'
  refresh_token: bench-refresh-token
  access_expires: 9999999999
api:
  graph_url: $URL/v1.0
  login_url: $URL
  tenant: common
EOS
printf 'hello\n' > "$WORK/small.txt"
"$CLI" -c "$WORK/state" mkdir Docs
"$CLI" -c "$WORK/state" put "$WORK/small.txt" Docs

curl_get() { # the item, then its download URL (as `get` does)
    local dl
    dl=$("${CURL[@]}" -H "$AUTH" "$URL/v1.0/me/drive/root:/Docs/small.txt" |
        sed -E 's/.*"@microsoft.graph.downloadUrl":"([^"]+)".*/\1/')
    "${CURL[@]}" "$dl" > /dev/null
}

now() { date +%s.%N; }
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
timed() { local t0 t1; t0=$(now); "$@" > /dev/null; t1=$(now); awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }'; }

row() { # row NAME OURS... -- CURL...
    local name=$1; shift
    local ours=() theirs=() a=() b=() seen=0
    for x in "$@"; do
        if [ "$x" = "--" ]; then seen=1; continue; fi
        if [ $seen = 0 ]; then a+=("$x"); else b+=("$x"); fi
    done
    "${a[@]}" > /dev/null; "${b[@]}" > /dev/null   # warm-up
    for _ in $(seq "$RUNS"); do
        ours+=("$(timed "${a[@]}")")
        theirs+=("$(timed "${b[@]}")")
    done
    local mo mc
    mo=$(median "${ours[@]}"); mc=$(median "${theirs[@]}")
    awk -v n="$name" -v o="$mo" -v c="$mc" \
        'BEGIN { printf "%-10s ours %6.1f ms   curl %6.1f ms   ours/curl %.2f\n", n, o * 1000, c * 1000, o / c }'
}

echo "one-shot commands over TLS on loopback, medians of $RUNS alternating runs (whole processes)"
row quota "$CLI" -c "$WORK/state" quota -- "${CURL[@]}" -H "$AUTH" "$URL/v1.0/me/drive"
row "ls Docs" "$CLI" -c "$WORK/state" ls Docs -- "${CURL[@]}" -H "$AUTH" "$URL/v1.0/me/drive/root:/Docs:/children"
row "get" "$CLI" -c "$WORK/state" get Docs/small.txt - -- curl_get
