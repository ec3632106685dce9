#!/usr/bin/env bash
# Measures curl uploading and downloading a file through the emulator on loopback.
#
#   bench/emulator-throughput.sh [SIZE_MIB]     (default 1024: a 1 GiB file)
#
# Builds the release emulator, starts it on a free port, then:
#   1. simple upload: one `PUT /root:/bench.bin:/content` of the whole file (the simple
#      upload limit is raised by flag for this);
#   2. upload session: fragments of 187 x 320 KiB (59.8 MiB, the largest allowed), each a
#      separate `curl -T` as a client would send them;
#   3. download: `GET /content` → 302 → the pre-authenticated URL, body to /dev/null.
# Prints MB/s (10^6 bytes per second) for each. The source file and its fragments live
# in /dev/shm when available, so the disk is not what is measured.
set -euo pipefail

SIZE_MIB=${1:-1024}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
WORK=$(mktemp -d "${TMPDIR_BENCH:-/dev/shm}/emu-bench.XXXXXX" 2>/dev/null || mktemp -d)
EMU_PID=""
cleanup() {
    [ -n "$EMU_PID" ] && kill "$EMU_PID" 2>/dev/null && wait "$EMU_PID" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT

echo "building the release emulator..." >&2
(cd "$ROOT" && cargo build --release -q -p onedrive-emulator)

SIZE=$((SIZE_MIB * 1024 * 1024))
echo "making a ${SIZE_MIB} MiB test file in $WORK..." >&2
head -c "$SIZE" /dev/urandom > "$WORK/src.bin"

"$TARGET/release/onedrive-emulator" --listen 127.0.0.1:0 \
    --simple-upload-limit $((SIZE + 1)) --quota 1T > "$WORK/url" &
EMU_PID=$!
for _ in $(seq 100); do [ -s "$WORK/url" ] && break; sleep 0.05; done
URL=$(head -n1 "$WORK/url")
[ -n "$URL" ] || { echo "the emulator did not start" >&2; exit 1; }
TOKEN=$(curl -sS -X POST "$URL/_emulator/tokens" | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
AUTH="Authorization: Bearer $TOKEN"

now() { date +%s.%N; }
mbps() { awk -v b="$1" -v t0="$2" -v t1="$3" 'BEGIN { printf "%.0f", b / (t1 - t0) / 1e6 }'; }
# CPU time (user + system, in clock ticks) the emulator has used so far. On a busy
# machine wall-clock throughput mostly measures the scheduler; CPU seconds per GB say
# what the emulator itself costs (its ceiling is SIZE / cpu time).
TICK=$(getconf CLK_TCK)
cpu() { awk '{ print $14 + $15 }' "/proc/$EMU_PID/stat"; }
ceiling() { awk -v b="$1" -v c="$2" -v t="$TICK" 'BEGIN { if (c > 0) printf "%.0f", b / (c / t) / 1e6; else print "inf" }'; }

# 1. Simple upload.
c0=$(cpu)
t0=$(now)
curl -sS -f -o /dev/null -H "$AUTH" -H "Content-Type: application/octet-stream" \
    -T "$WORK/src.bin" "$URL/v1.0/me/drive/root:/bench-simple.bin:/content"
t1=$(now)
SIMPLE=$(mbps "$SIZE" "$t0" "$t1")
SIMPLE_CEIL=$(ceiling "$SIZE" $(($(cpu) - c0)))

# 2. Upload session.
FRAG=$((187 * 320 * 1024))
split -b "$FRAG" -d -a 4 "$WORK/src.bin" "$WORK/frag."
UPLOAD_URL=$(curl -sS -f -X POST -H "$AUTH" -H "Content-Type: application/json" -d '{}' \
    "$URL/v1.0/me/drive/root:/bench-session.bin:/createUploadSession" |
    sed -E 's/.*"uploadUrl":"([^"]+)".*/\1/')
c0=$(cpu)
t0=$(now)
offset=0
for f in "$WORK"/frag.*; do
    n=$(stat -c %s "$f")
    curl -sS -f -o /dev/null -H "Content-Range: bytes $offset-$((offset + n - 1))/$SIZE" \
        -T "$f" "$UPLOAD_URL"
    offset=$((offset + n))
done
t1=$(now)
SESSION=$(mbps "$SIZE" "$t0" "$t1")
SESSION_CEIL=$(ceiling "$SIZE" $(($(cpu) - c0)))
rm -f "$WORK"/frag.*

# 3. Download (the session-uploaded file).
LOCATION=$(curl -sS -o /dev/null -w '%{redirect_url}' -H "$AUTH" \
    "$URL/v1.0/me/drive/root:/bench-session.bin:/content")
c0=$(cpu)
t0=$(now)
GOT=$(curl -sS -f -o /dev/null -w '%{size_download}' "$LOCATION")
t1=$(now)
DOWNLOAD=$(mbps "$GOT" "$t0" "$t1")
DOWNLOAD_CEIL=$(ceiling "$SIZE" $(($(cpu) - c0)))
[ "$GOT" = "$SIZE" ] || { echo "downloaded $GOT bytes, expected $SIZE" >&2; exit 1; }

echo "file: ${SIZE_MIB} MiB ($SIZE bytes), loopback, $(nproc) cores, load average $(cut -d' ' -f1 /proc/loadavg)"
echo "                                     measured    emulator CPU ceiling"
printf '%-36s %6s MB/s  %6s MB/s\n' "simple upload (1 PUT):" "$SIMPLE" "$SIMPLE_CEIL"
printf '%-36s %6s MB/s  %6s MB/s\n' "upload session (59.8 MiB fragments):" "$SESSION" "$SESSION_CEIL"
printf '%-36s %6s MB/s  %6s MB/s\n' "download (302 + GET):" "$DOWNLOAD" "$DOWNLOAD_CEIL"
