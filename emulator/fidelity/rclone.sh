#!/usr/bin/env bash
# Fidelity check: independent clients written for the real OneDrive (rclone's onedrive
# backend; abraunegg's `onedrive` when installed) run against the emulator served over
# HTTPS under the service's own host names, on this machine only.
#
# Needs root: it binds 127.0.0.1:443, adds marked lines to /etc/hosts and trusts a
# throwaway CA in the system store; all three are undone on exit (trap), whatever happens.
# Not part of `cargo test`. Usage (from the workspace root):
#     sudo emulator/fidelity/rclone.sh            # rclone, then onedrive if installed
#     KEEP=1 emulator/fidelity/rclone.sh          # keep the work dir (logs) after exit
# Prerequisites: `apt-get install -y rclone onedrive openssl curl python3`.
# Output: one PASS/FAIL line per operation, then "N passed, N failed".
set -uo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
# shellcheck source=lib.sh
. "$ROOT/emulator/fidelity/lib.sh"
fidelity_check_root
command -v "${RCLONE:-rclone}" >/dev/null || { echo "missing ${RCLONE:-rclone}" >&2; exit 2; }

WORK="$(mktemp -d /tmp/emu-fidelity.XXXXXX)"
cleanup() {
    fidelity_down
    if [ -n "${KEEP:-}" ]; then echo "work dir kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fidelity_up "$WORK" || { echo "certificate set-up failed" >&2; exit 1; }
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
(cd "$ROOT" && cargo build -q -p onedrive-emulator --release) || exit 1
# shellcheck disable=SC2086 # EMU_FLAGS is a list of flags
fidelity_start_emulator "$CARGO_TARGET_DIR/release/onedrive-emulator" "$WORK" \
    --copy-delay-ms 100 ${EMU_FLAGS:-} || exit 1

PASS=0; FAIL=0
check() { # check NAME COMMAND...: runs it, logs its output, prints PASS/FAIL
    local name="$1"; shift
    if "$@" >> "$WORK/steps.log" 2>&1; then echo "PASS $name"; PASS=$((PASS+1));
    else echo "FAIL $name (log: $WORK/steps.log)"; FAIL=$((FAIL+1)); KEEP=1; fi
}

# --- tokens from the emulator: auth-code flow, as a browser would run it -------------
json() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$@"; }
fidelity_tokens "$FIDELITY_RCLONE_ID" "http://localhost:53682/" "$FIDELITY_RCLONE_SECRET" \
    "$WORK/rclone-token.json" || { echo "FAIL token (auth-code flow)"; exit 1; }

# --- rclone --------------------------------------------------------------------------
export RCLONE_CONFIG="$WORK/rclone.conf"
fidelity_rclone_conf "$WORK/rclone-token.json" "$RCLONE_CONFIG" || { echo "FAIL /me/drive"; exit 1; }
RCLONE="${RCLONE:-rclone}"
R="$RCLONE -v --retries 1 --low-level-retries 2"
$RCLONE version | head -1
L="$WORK/local"; mkdir -p "$L/src/sub dir" "$L/back"
printf 'hello fidelity\n' > "$L/src/small.txt"
printf 'ünïcödé # %% + name\n' > "$L/src/sub dir/ü #%+.txt"
head -c 23000000 /dev/urandom > "$L/src/large.bin"   # > 2 chunks of 10 MiB: upload session

check "rclone about (quota)"            $R about emu:
check "rclone mkdir"                    $R mkdir emu:fid
check "rclone copy small (simple PUT)"  $R copy "$L/src/small.txt" emu:fid
check "rclone copy large (session)"     $R copy --onedrive-chunk-size 10M "$L/src/large.bin" emu:fid
check "rclone copy special names"       $R copy "$L/src/sub dir" "emu:fid/sub dir"
check "rclone lsjson -R"                $R lsjson -R --hash emu:
check "rclone cat small"                bash -c "$R cat emu:fid/small.txt | cmp - '$L/src/small.txt'"
check "rclone copy back + cmp"          bash -c "$R copy emu:fid '$L/back' && cmp '$L/back/large.bin' '$L/src/large.bin' && cmp '$L/back/sub dir/ü #%+.txt' '$L/src/sub dir/ü #%+.txt'"
check "rclone check (hashes)"           $R check "$L/src" emu:fid
check "rclone check --download"         $R check --download "$L/src" emu:fid
check "rclone hashsum (server hashes)"  bash -c "$R hashsum \$($R backend features emu: | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"Hashes\"][0])') emu:fid"
check "rclone moveto (rename)"          $R moveto emu:fid/small.txt emu:fid/renamed.txt
check "rclone moveto (move to folder)"  $R moveto emu:fid/renamed.txt "emu:fid/sub dir/moved.txt"
check "rclone copyto (server-side)"     $R copyto emu:fid/large.bin emu:fid/large-copy.bin
check "rclone server-side copy bytes"   bash -c "$R cat emu:fid/large-copy.bin | cmp - '$L/src/large.bin'"
check "rclone link"                     $R link emu:fid/large.bin
check "rclone delete (file)"            $R deletefile emu:fid/large-copy.bin
check "rclone rmdir non-empty refused"  bash -c "! $R rmdir emu:fid"
check "rclone purge"                    $R purge emu:fid
check "rclone lsf after purge is empty" bash -c "[ -z \"\$($R lsf emu:)\" ]"
check "rclone sync dir"                 $R sync "$L/src" emu:sync
check "rclone sync again (no changes)"  bash -c "$R sync '$L/src' emu:sync 2>&1 | tee /dev/stderr | grep -q 'There was nothing to transfer'"

# --- abraunegg's onedrive (built-in public client, refresh token file) ---------------
if command -v onedrive >/dev/null; then
    fidelity_tokens "$FIDELITY_ONEDRIVE_ID" "https://login.microsoftonline.com/common/oauth2/nativeclient" "" \
        "$WORK/onedrive-token.json" || echo "FAIL onedrive token"
    C="$WORK/onedrive-conf"; S="$WORK/onedrive-sync"; mkdir -p "$C" "$S/nested"
    json "$WORK/onedrive-token.json" 'd["refresh_token"]' | tr -d '\n' > "$C/refresh_token"
    chmod 600 "$C/refresh_token"
    printf 'sync_dir = "%s"\n' "$S" > "$C/config"
    printf 'from onedrive\n' > "$S/od-a.txt"
    head -c 5000000 /dev/urandom > "$S/od-b.bin"          # > 4 MiB: upload session
    printf 'nested\n' > "$S/nested/od-c.txt"
    O="onedrive --confdir $C --verbose --verbose"
    check "onedrive --display-config"      $O --display-config
    check "onedrive --synchronize (up)"    $O --synchronize
    check "onedrive uploaded bytes"        bash -c "$R cat emu:od-b.bin | cmp - '$S/od-b.bin' && [ \"\$($R cat emu:nested/od-c.txt)\" = nested ]"
    check "onedrive --synchronize (down)"  bash -c "$R copyto emu:sync/small.txt emu:od-remote.txt && $O --synchronize && cmp '$S/od-remote.txt' '$L/src/small.txt'"
    check "onedrive --synchronize (delete)" bash -c "rm '$S/od-a.txt' && $O --synchronize && ! $R lsf emu: | grep -qx od-a.txt"
    # 2.4.23 deletes local files whose delta entry lacks parentReference.path (see README).
    check "onedrive nested file kept (2nd delta round)" test -f "$S/nested/od-c.txt"
fi

echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
