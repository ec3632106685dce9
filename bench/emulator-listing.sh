#!/usr/bin/env bash
# What listing costs in the emulator itself: delta pages, children pages, a whole delta
# walk, over loopback with no added latency.
#
#   bench/emulator-listing.sh
#   FOLDERS=2000 FILES=20000 DEPTH=6 RUNS=7 bench/emulator-listing.sh
#
# Environment (all optional): FOLDERS (2000), FILES (20000), DEPTH (6: the listing
# benchmark's drive), WIDE (100000: children of the wide folder), RUNS (7: walks per
# row, the row shows the median), NO_BUILD=1, CARGO_TARGET_DIR.
#
# Builds the release emulator, starts it on a free port, fills the drive with the
# emulator's populate route (FOLDERS folders nested DEPTH levels deep, FILES files of 1
# byte spread over them), then measures with Python's standard http.client over one
# kept-alive connection (a public client; curl would pay a process start per page):
#   1. delta walks of the drive with $top=1000, without and with $select (the fields a
#      tree listing prints): the first page (the emulator takes the round's snapshot
#      then), the median of the following pages, and the whole walk (every page until
#      the deltaLink). Each figure is the time from sending the request to having read
#      the whole body; parsing the JSON (to find the nextLink) is not counted;
#   2. two walks at once on two connections (the machine's cores): their wall time
#      against one walk's, to show whether concurrent streams serialise;
#   3. children pages of 1,000 items of a folder of WIDE children: the first page and
#      the last (the $skiptoken deepest into the folder).
# Each row is the median over RUNS; min and max show the noise.
# Targets (issue: emulator listing speed): first delta page <= 10 ms, following pages
# <= 5 ms, a whole walk <= 0.15 s.
set -euo pipefail

FOLDERS=${FOLDERS:-2000}
FILES=${FILES:-20000}
DEPTH=${DEPTH:-6}
WIDE=${WIDE:-100000}
RUNS=${RUNS:-7}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
EMU=$TARGET/release/onedrive-emulator
WORK=$(mktemp -d "${TMPDIR_BENCH:-/dev/shm}/emu-listing.XXXXXX" 2>/dev/null || mktemp -d)
EMU_PID=""
cleanup() {
    if [ -n "$EMU_PID" ]; then kill "$EMU_PID" 2>/dev/null || true; wait "$EMU_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

command -v python3 >/dev/null || { echo "missing python3" >&2; exit 2; }
if [ "${NO_BUILD:-0}" != 1 ]; then
    echo "building the release emulator..." >&2
    (cd "$ROOT" && cargo build --release -q -p onedrive-emulator)
fi
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
"$EMU" --listen 127.0.0.1:0 --token-ttl 86400 > "$WORK/url" 2> "$WORK/err" &
EMU_PID=$!
for _ in $(seq 100); do [ -s "$WORK/url" ] && break; sleep 0.05; done
URL=$(head -n1 "$WORK/url")
[ -n "$URL" ] || { echo "the emulator did not start:" >&2; cat "$WORK/err" >&2; exit 1; }

python3 - "$URL" "$FOLDERS" "$FILES" "$DEPTH" "$WIDE" "$RUNS" <<'PY'
import http.client, json, statistics, sys, threading, time, urllib.parse

url, folders, files, depth, wide, runs = sys.argv[1], *map(int, sys.argv[2:])
base = urllib.parse.urlsplit(url)

def conn():
    return http.client.HTTPConnection(base.hostname, base.port, timeout=120)

def post(path, body):
    c = conn()
    c.request("POST", path, body=json.dumps(body), headers={"Content-Type": "application/json"})
    r = c.getresponse(); data = r.read(); c.close()
    if r.status != 200:
        sys.exit(f"POST {path}: {r.status} {data[:200]!r}")
    return json.loads(data)

token = post("/_emulator/tokens", {})["access_token"]
auth = {"Authorization": "Bearer " + token}

def get(c, target):
    """One GET on connection c: (seconds from send to the body's last byte, body)."""
    t0 = time.perf_counter()
    c.request("GET", target, headers=auth)
    r = c.getresponse()
    data = r.read()
    t = time.perf_counter() - t0
    if r.status != 200:
        sys.exit(f"GET {target}: {r.status} {data[:300]!r}")
    return t, data

def rel(link):
    """A nextLink/deltaLink as a request target on this connection."""
    p = urllib.parse.urlsplit(link)
    return p.path + ("?" + p.query if p.query else "")

def walk(c, first):
    """A delta round: [seconds of each page], items seen."""
    times, items, target = [], 0, first
    while True:
        t, data = get(c, target)
        times.append(t)
        page = json.loads(data)
        items += len(page["value"])
        nxt = page.get("@odata.nextLink")
        if not nxt:
            assert "@odata.deltaLink" in page, "a round ends with a deltaLink"
            return times, items
        target = rel(nxt)

t0 = time.perf_counter()
post("/_emulator/populate", {"path": "", "folders": folders, "files": files, "size": 1, "depth": depth})
print(f"drive: {folders:,} folders (up to {depth} deep) and {files:,} files, populated in "
      f"{time.perf_counter() - t0:.2f} s", file=sys.stderr)
expected = 1 + folders + files

rows = []
def row(label, values, unit="ms"):
    k = 1000 if unit == "ms" else 1
    rows.append((label, statistics.median(values) * k, min(values) * k, max(values) * k, unit))

SELECT = "$select=id,name,size,parentReference,file,folder,fileSystemInfo,deleted"
for label, first in (("delta $top=1000", "/v1.0/me/drive/root/delta?$top=1000"),
                     ("delta $top=1000 $select", "/v1.0/me/drive/root/delta?$top=1000&" + SELECT)):
    c = conn()
    get(c, "/v1.0/me/drive/root?$select=id")       # connect outside the timing
    firsts, follows, walks = [], [], []
    for i in range(runs):
        times, items = walk(c, first)
        if items != expected:
            sys.exit(f"{label}: the walk saw {items} items, expected {expected}")
        firsts.append(times[0]); follows.append(statistics.median(times[1:]) if len(times) > 1 else times[0])
        walks.append(sum(times))
    pages = len(times)
    c.close()
    row(f"{label}: first page", firsts)
    row(f"{label}: following pages (median of a walk)", follows)
    row(f"{label}: whole walk ({pages} pages, {expected:,} items)", walks, "s")

# Two walks at once, each on its own connection.
def timed_walk(out, i):
    c = conn()
    get(c, "/v1.0/me/drive/root?$select=id")
    t0 = time.perf_counter()
    _, items = walk(c, "/v1.0/me/drive/root/delta?$top=1000")
    out[i] = (time.perf_counter() - t0, items)
    c.close()
one, two = [], []
for _ in range(runs):
    out = [None]
    timed_walk(out, 0); one.append(out[0][0])
    out = [None, None]
    ts = [threading.Thread(target=timed_walk, args=(out, i)) for i in range(2)]
    t0 = time.perf_counter()
    for t in ts: t.start()
    for t in ts: t.join()
    two.append(time.perf_counter() - t0)
    if any(o is None or o[1] != expected for o in out):
        sys.exit("a concurrent walk failed")
row("one delta walk, wall (parsing included)", one, "s")
row("two delta walks at once, wall (parsing included)", two, "s")

# A wide folder: pages of 1,000 children.
post("/_emulator/populate", {"path": "/wide", "folders": 0, "files": wide, "size": 1})
c = conn()
get(c, "/v1.0/me/drive/root?$select=id")
t, data = get(c, "/v1.0/me/drive/root:/wide:/children?$top=1000")
firsts, lasts = [], []
last_link = None
page = json.loads(data)
# Find the last page's link once (untimed), then time first and last pages.
while page.get("@odata.nextLink"):
    last_link = rel(page["@odata.nextLink"])
    _, data = get(c, last_link)
    page = json.loads(data)
for _ in range(runs):
    t, data = get(c, "/v1.0/me/drive/root:/wide:/children?$top=1000")
    assert len(json.loads(data)["value"]) == 1000
    firsts.append(t)
    if last_link:
        t, _ = get(c, last_link); lasts.append(t)
row(f"children $top=1000 of {wide:,}: first page", firsts)
if lasts:
    row(f"children $top=1000 of {wide:,}: last page", lasts)
c.close()

print()
print(f"onedrive-emulator listing over loopback, no added latency; {runs} runs per row")
print(f"  {'':58} {'median':>9} {'min':>9} {'max':>9}")
for label, med, lo, hi, unit in rows:
    print(f"  {label:58} {med:7.1f}{unit:>2} {lo:7.1f}{unit:>2} {hi:7.1f}{unit:>2}"
          if unit == "ms" else
          f"  {label:58} {med:8.3f}{unit} {lo:8.3f}{unit} {hi:8.3f}{unit}")
PY
echo "load average at start: $LOAD_START, at end: $(cut -d' ' -f1-3 /proc/loadavg)"
