#!/usr/bin/env bash
# Soak test (issue #9): a mixed workload for a bounded time against the emulator failing
# a fraction of requests at random, with several processes sharing one state file (as
# cron jobs share ~/.lcrc), short-lived access tokens and every token expired midway.
#
#   bash bench/soak.sh                      # 300 s, 4 processes, --fault-rate 0.2
#   SECS=60 WORKERS=2 FAULT_RATE=0.1 bash bench/soak.sh
#
# Each worker loops over: put+get of a small file, put+get of a 12 MiB file (upload
# session in 320 KiB fragments), put -r / get -r of a 20-file tree, ls and tree, mv,
# cp, rm, and get -b of a byte range. Every download is compared with what was sent.
# It prints operations attempted and succeeded, retries and resumes (from --debug
# traces), token refreshes (the emulator's count of token requests), faults injected,
# data mismatches (must be 0) and whether the state file is intact; it exits 1 on any
# mismatch or a damaged state file. Failed operations are allowed (a fault can outlast
# the retries); wrong bytes are not.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SECS=${SECS:-300}
WORKERS=${WORKERS:-4}
FAULT_RATE=${FAULT_RATE:-0.2}
TOKEN_TTL=${TOKEN_TTL:-150}
SEED=${SEED:-1}
CLIENT_ID=3b1c5e2a-7d4f-4e0b-9a6c-1f2e3d4c5b6a
WORK=$(mktemp -d /dev/shm/soak.XXXXXX)
EMU_PID=""
cleanup() {
    [ -z "$EMU_PID" ] || kill "$EMU_PID" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

(cd "$ROOT" && cargo build --release -q -p onedrive-cli -p onedrive-emulator)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
CLI=$TARGET/release/onedrive-cli
EMU=$TARGET/release/onedrive-emulator

"$EMU" --listen 127.0.0.1:0 --fault-rate "$FAULT_RATE" --seed "$SEED" \
    --token-ttl "$TOKEN_TTL" --device-interval 1 --device-pending-polls 0 \
    --copy-delay-ms 300 > "$WORK/emu.url" 2> "$WORK/emu.err" &
EMU_PID=$!
for _ in $(seq 200); do [ -s "$WORK/emu.url" ] && break; sleep 0.05; done
URL=$(head -n1 "$WORK/emu.url")
[ -n "$URL" ] || { echo "the emulator did not start:" >&2; cat "$WORK/emu.err" >&2; exit 1; }

STATE=$WORK/lcrc
printf 'client:\n  id: %s\napi:\n  graph_url: %s/v1.0\n  login_url: %s\n  tenant: common\n' \
    "$CLIENT_ID" "$URL" "$URL" > "$STATE"
# A real sign-in (device code flow, approved at once by the emulator), so that the
# refresh token works when the access tokens expire. Faults hit Graph calls only.
"$CLI" -c "$STATE" auth --device > /dev/null
cp "$STATE" "$WORK/state.signed-in"

op() { # op WORKER NAME CMD...: runs one CLI operation, counting it
    local w=$1 name=$2; shift 2
    echo "$name" >> "$WORK/w$w.attempted"
    if "$CLI" -c "$STATE" --debug "$@" >> "$WORK/w$w.out" 2>> "$WORK/w$w.log"; then
        echo "$name" >> "$WORK/w$w.succeeded"
        return 0
    fi
    echo "$name: $(tail -n1 "$WORK/w$w.log")" >> "$WORK/w$w.failed"
    return 1
}

mismatch() { echo "$1" >> "$WORK/w$2.mismatches"; }

# What the drive holds is only known after a successful upload: a `.ref` copy of the
# local file is kept then, and dropped when an upload or move fails (the drive may or may
# not have changed). Downloads are compared with the `.ref`.
put_ref() { # put_ref WORKER NAME LOCAL REF PUT-ARGS...
    local w=$1 name=$2 local=$3 ref=$4; shift 4
    if op "$w" "$name" put "$@" "$local" "soak/w$w"; then cp "$local" "$ref"; else rm -f "$ref"; return 1; fi
}

check() { # check WORKER WHAT EXPECTED GOT
    cmp -s "$3" "$4" || mismatch "$2" "$1"
}

worker() { # worker K DEADLINE
    # Failures are counted by `op`, never a reason to stop the loop early.
    set +e
    local w=$1 deadline=$2 i=0 d=$WORK/w$1
    mkdir -p "$d/up" "$d/got"
    : > "$WORK/w$w.attempted"; : > "$WORK/w$w.succeeded"; : > "$WORK/w$w.mismatches"
    op "$w" mkdir mkdir -p "soak/w$w/moved" || op "$w" mkdir mkdir -p "soak/w$w/moved" || true
    while [ "$(date +%s)" -lt "$deadline" ]; do
        i=$((i + 1))
        case $((i % 8)) in
        0)  head -c $((RANDOM * 3 + 1)) /dev/urandom > "$d/up/small.bin"
            if put_ref "$w" put-small "$d/up/small.bin" "$d/small.ref" &&
                op "$w" get-small get "soak/w$w/small.bin" "$d/got/small.bin"; then
                check "$w" "small #$i" "$d/small.ref" "$d/got/small.bin"
            fi ;;
        1)  head -c $((12 * 1024 * 1024 + RANDOM)) /dev/urandom > "$d/up/large.bin"
            if put_ref "$w" put-large "$d/up/large.bin" "$d/large.ref" --chunk-size 320K &&
                op "$w" get-large get "soak/w$w/large.bin" "$d/got/large.bin"; then
                check "$w" "large #$i" "$d/large.ref" "$d/got/large.bin"
            fi ;;
        2)  rm -rf "$d/up/tree" "$d/got/tree"; mkdir -p "$d/up/tree/sub"
            for f in $(seq 10); do head -c $((RANDOM + 1)) /dev/urandom > "$d/up/tree/f$f"; done
            for f in $(seq 10); do head -c $((RANDOM + 1)) /dev/urandom > "$d/up/tree/sub/g$f"; done
            if op "$w" put-r put -r "$d/up/tree" "soak/w$w" &&
                op "$w" get-r get -r "soak/w$w/tree" "$d/got"; then
                diff -r "$d/up/tree" "$d/got/tree" > /dev/null || mismatch "tree #$i" "$w"
            fi ;;
        3)  op "$w" ls ls "soak/w$w" > /dev/null || true
            op "$w" tree tree "soak/w$w" > /dev/null || true ;;
        4)  if [ -f "$d/small.ref" ]; then
                mv "$d/small.ref" "$d/moved.ref"
                if op "$w" mv mv "soak/w$w/small.bin" "soak/w$w/moved"; then
                    if op "$w" get-moved get "soak/w$w/moved/small.bin" "$d/got/moved.bin"; then
                        check "$w" "moved #$i" "$d/moved.ref" "$d/got/moved.bin"
                    fi
                fi
                op "$w" rm-moved rm "soak/w$w/moved/small.bin" || true
                rm -f "$d/moved.ref"
            fi ;;
        5)  if [ -f "$d/large.ref" ] && op "$w" cp cp "soak/w$w/large.bin" "soak/w$w/moved"; then
                # The copy is asynchronous: wait for it, then compare.
                for _ in $(seq 50); do
                    "$CLI" -c "$STATE" info "soak/w$w/moved/large.bin" > /dev/null 2>&1 && break
                    sleep 0.2
                done
                if op "$w" get-copy get "soak/w$w/moved/large.bin" "$d/got/copy.bin"; then
                    check "$w" "copy #$i" "$d/large.ref" "$d/got/copy.bin"
                fi
            fi ;;
        6)  op "$w" rm rm "soak/w$w/moved/large.bin" || true ;;
        7)  if [ -f "$d/large.ref" ] &&
                op "$w" get-range get -b 1000000-1999999 "soak/w$w/large.bin" "$d/got/range.bin"; then
                dd if="$d/large.ref" of="$d/range.ref" bs=1000000 skip=1 count=1 status=none
                check "$w" "range #$i" "$d/range.ref" "$d/got/range.bin"
            fi ;;
        esac
    done
}

start=$(date +%s)
deadline=$((start + SECS))
pids=()
for w in $(seq "$WORKERS"); do worker "$w" "$deadline" & pids+=($!); done
# Every access token is expired midway (on top of the short lifetime).
sleep $((SECS / 2))
curl -sS -f -X POST "$URL/_emulator/tokens/expire" > /dev/null
wait "${pids[@]}" || true
took=$(( $(date +%s) - start ))

count() { cat "$WORK"/w*."$1" 2>/dev/null | wc -l; }
attempted=$(count attempted)
succeeded=$(count succeeded)
mismatches=$(count mismatches)
retries=$(cat "$WORK"/w*.log | grep -cE 'retrying in|asked to wait|resuming at byte|starting a new one|reading the item again|asking through an upload session|asking for the rest' || true)
stats=$(curl -sS -f "$URL/_emulator/stats")
refreshes=$(python3 -c 'import json,sys; s=json.load(sys.stdin); print(sum(r["count"] for r in s["requests"] if r["method"]=="POST" and r["route"].endswith("/oauth2/v2.0/token")))' <<< "$stats")
faults=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["faults_injected"])' <<< "$stats")
requests=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["total_requests"])' <<< "$stats")
# The state file: still the client's, still signed in (a read that needs the token).
if "$CLI" -c "$STATE" --retries 10 user > /dev/null 2> "$WORK/final.err" &&
    grep -q "refresh_token:" "$STATE" && grep -q "$CLIENT_ID" "$STATE"; then
    state=intact
else
    state="DAMAGED ($(cat "$WORK/final.err"))"
fi

echo "soak: $took s, $WORKERS processes, fault rate $FAULT_RATE, token lifetime ${TOKEN_TTL} s (all expired at $((SECS / 2)) s)"
echo "requests served: $requests, faults injected: $faults"
echo "operations attempted: $attempted, succeeded: $succeeded"
echo "retries and resumes: $retries"
echo "token refreshes: $refreshes"
echo "data mismatches: $mismatches"
echo "state file: $state"
if [ "$(count failed)" -gt 0 ]; then
    echo "failed operations by kind:"
    cat "$WORK"/w*.failed | cut -d: -f1 | sort | uniq -c | sort -rn | sed 's/^/  /'
    echo "last failures:"
    cat "$WORK"/w*.failed | tail -n 5 | cut -c1-200 | sed 's/^/  /'
fi
[ "$mismatches" = 0 ] && [ "$state" = intact ]
