#!/usr/bin/env bash
# How fast `tree` reads a large drive, against the round-trip lower bound, the original's
# folder-by-folder walk, and rclone, side by side over the emulator.
#
#   bench/listing.sh
#   RUNS=5 LATENCY=20 RCLONE=rclone bench/listing.sh
#
# Environment (all optional): FOLDERS (2000), FILES (20000), DEPTH (6), LATENCY (20 ms per
# response), RUNS (3; rows show the median), RCLONE (path to rclone: its rows need root,
# see below), NO_BUILD=1, CARGO_TARGET_DIR.
#
# Builds the release CLI and emulator, starts the emulator with --latency-ms LATENCY,
# fills the drive with the populate route (FOLDERS folders nested DEPTH deep, FILES files
# spread over them), then times, as whole processes:
#   1. `tree` (delta: one stream, ceil(items / 1000) pages);
#   2. `tree --no-delta` (the listing walk, --checkers 8);
#   3. `tree --no-delta --checkers 1`: one folder at a time, as the original walked;
# each with the requests it made (the emulator's statistics), and for 1. the ratio to
# the lower bounds of delta, i.e. what a client with no cost of its own would take:
#   - one stream: (1 + ceil(items / 1000)) round trips x LATENCY (the folder's item, then
#     the delta pages one after the other);
#   - one stream per subfolder, as `tree` reads a tree larger than a page: (2 + the
#     largest subfolder's pages) round trips (the folder's item; its first page and
#     children together; then the streams side by side). The pages of each subfolder
#     are counted before the runs, untimed.
#   4. with RCLONE set and as root: the emulator served as https://graph.microsoft.com
#      (emulator/fidelity/lib.sh; undone on exit), rclone `lsf -R --fast-list
#      --onedrive-delta` and `lsf -R` (its defaults) against our `tree` on that same
#      emulator.
# Every run's output is checked (the number of lines naming files).
set -euo pipefail

FOLDERS=${FOLDERS:-2000}
FILES=${FILES:-20000}
DEPTH=${DEPTH:-6}
LATENCY=${LATENCY:-20}
RUNS=${RUNS:-3}
CLIENT_ID=3b1c5e2a-7d4f-4e0b-9a6c-1f2e3d4c5b6a
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
CLI=$TARGET/release/onedrive-cli
EMU=$TARGET/release/onedrive-emulator
WORK=$(mktemp -d "${TMPDIR_BENCH:-/dev/shm}/listing-bench.XXXXXX" 2>/dev/null || mktemp -d)
# shellcheck source=lib.sh
. "$ROOT/bench/lib.sh"

if [ "${NO_BUILD:-0}" != 1 ]; then
    echo "building the release CLI and emulator..." >&2
    (cd "$ROOT" && cargo build --release -q -p onedrive-cli -p onedrive-emulator)
fi
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

populate() {
    curl -sS -f -X POST -H 'Content-Type: application/json' \
        -d "{\"path\":\"\",\"folders\":$FOLDERS,\"files\":$FILES,\"size\":1,\"depth\":$DEPTH}" \
        "$URL/_emulator/populate" > /dev/null
}
requests() { curl -sS -f "$URL/_emulator/stats" | json_num total_requests; }

ROWS=()
row() { # row LABEL SECONDS REQUESTS REF_SECONDS|- NOTE
    ROWS+=("$(awk -v l="$1" -v s="$2" -v n="$3" -v r="$4" -v note="$5" 'BEGIN {
        ratio = (r == "-") ? "-" : sprintf("%.2f", r / s)
        printf "  %-52s %8.3f %9s %8s  %s", l, s, n, ratio, note }')")
}

# listing LABEL FILE_LINE_REGEX CMD...: RUNS runs of a listing command; sets S (median
# seconds) and N (requests of the last run); checks that it named every file.
listing() {
    local label=$1 pattern=$2 t=() r t0 t1 before lines; shift 2
    for r in $(seq "$RUNS"); do
        echo "$label: run $r/$RUNS" >&2
        before=$(requests)
        t0=$(now)
        "$@" > "$WORK/out.txt"
        t1=$(now)
        N=$(($(requests) - before))
        t+=("$(elapsed "$t0" "$t1")")
        lines=$(grep -c "$pattern" "$WORK/out.txt" || true)
        [ "$lines" = "$FILES" ] || { echo "$label listed $lines files, expected $FILES" >&2; exit 1; }
    done
    S=$(median "${t[@]}")
}
ours() { # ours LABEL ARGS...: `onedrive-cli tree ARGS`
    local label=$1; shift
    listing "$label" 'file-[0-9]*\.bin: file$' "$CLI" -c "$WORK/state" tree "$@"
}
rc() { # rc LABEL ARGS...: `rclone lsf -R ARGS emu:`
    local label=$1; shift
    listing "$label" 'file-[0-9]*\.bin$' "$RCLONE" --config "$WORK/fid/rclone.conf" -q lsf -R "$@" emu:
}

# --- 1-3: plain HTTP ---------------------------------------------------------------
start_emu "$LATENCY"
populate
ITEMS=$((1 + FOLDERS + FILES))
PAGES=$(((ITEMS + 999) / 1000))
BOUND=$(awk -v p="$PAGES" -v l="$LATENCY" 'BEGIN { printf "%.6f", (1 + p) * l / 1000 }')

# The largest top-level subfolder's delta pages (the split's critical path).
MAXPAGES=$(python3 - "$URL" "$(sed -nE "s/^  access_token: '(.*)'$/\1/p" "$WORK/state")" <<'PY2'
import json, sys, urllib.request
url, token = sys.argv[1], sys.argv[2]
def get(u):
    r = urllib.request.Request(u, headers={"Authorization": "Bearer " + token})
    return json.load(urllib.request.urlopen(r))
kids = get(url + "/v1.0/me/drive/root/children?$top=1000&$select=id,folder")["value"]
best = 0
for k in (k for k in kids if "folder" in k):
    pages, u = 0, url + "/v1.0/me/drive/items/" + k["id"] + "/delta?$top=1000&$select=id"
    while u:
        p = get(u); pages += 1; u = p.get("@odata.nextLink")
    best = max(best, pages)
print(best)
PY2
)
SPLIT=$(awk -v p="$MAXPAGES" -v l="$LATENCY" 'BEGIN { printf "%.6f", (2 + p) * l / 1000 }')
ours "tree (delta)"
DELTA_S=$S
row "tree (delta)" "$S" "$N" "-" "$(awk -v s="$S" -v b="$BOUND" -v sp="$SPLIT" 'BEGIN { printf "%.2fx one stream'"'"'s bound (%.3f s), %.2fx the split'"'"'s (%.3f s)", s / b, b, s / sp, sp }')"
ours "tree --no-delta" --no-delta
row "tree --no-delta (--checkers 8)" "$S" "$N" "-" "$(awk -v s="$S" -v d="$DELTA_S" 'BEGIN { printf "delta is %.1fx faster", s / d }')"
ours "tree --no-delta --checkers 1" --no-delta --checkers 1
row "tree --no-delta --checkers 1 (the original's walk)" "$S" "$N" "-" "$(awk -v s="$S" -v d="$DELTA_S" 'BEGIN { printf "delta is %.1fx faster", s / d }')"
stop_emu

# --- 4: rclone over HTTPS ------------------------------------------------------------
if rclone_ready; then
    rclone_up "$LATENCY"
    populate
    rc "rclone lsf -R --fast-list --onedrive-delta" --fast-list --onedrive-delta
    RC_S=$S
    row "rclone lsf -R --fast-list --onedrive-delta" "$S" "$N" "$S" "reference"
    rc "rclone lsf -R" ; row "rclone lsf -R (defaults)" "$S" "$N" "$RC_S" ""
    ours "tree over HTTPS"
    row "ours: tree (delta), same HTTPS emulator" "$S" "$N" "$RC_S" "$(awk -v s="$S" -v r="$RC_S" 'BEGIN { printf "%.2f of rclone'"'"'s time", s / r }')"
    rclone_down
fi

echo
echo "tree of a drive of $FOLDERS folders (up to $DEPTH deep) and $FILES files ($ITEMS items, $PAGES delta pages), ${LATENCY} ms per response, $RUNS run(s) per row, median"
echo "$("$CLI" --version | head -n1); load average at start: $LOAD_START, at end: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '  %-52s %8s %9s %8s\n' "" seconds requests "x rclone"
printf '%s\n' "${ROWS[@]}"
echo "$RCLONE_NOTE"
