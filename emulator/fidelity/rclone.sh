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
# files.onedrive-emulator.test carries the download/upload/monitor URLs (--transfer-url):
# the service serves those on other hosts than Graph, which is what makes a redirect-
# following client drop its Authorization header.
TRANSFER_HOST=files.onedrive-emulator.test
HOSTS="graph.microsoft.com login.microsoftonline.com login.live.com $TRANSFER_HOST"
MARK="# onedrive-emulator-fidelity"
CA_LINK=/usr/local/share/ca-certificates/onedrive-emulator-fidelity.crt
# rclone is a confidential client here (its own app registration: id + secret);
# abraunegg's onedrive uses its built-in public client id.
RCLONE_ID=5f4b0c6e-2a51-4c3e-9b86-0a1d5c2e7f10
RCLONE_SECRET=fidelity-secret
ONEDRIVE_ID=d50ca740-c83f-4d1b-b616-12c519384f0c

[ "$(id -u)" = 0 ] || { echo "needs root (port 443, /etc/hosts, CA store)" >&2; exit 2; }
for t in openssl curl python3 "${RCLONE:-rclone}"; do
    command -v "$t" >/dev/null || { echo "missing $t (apt-get install -y $t)" >&2; exit 2; }
done
if ss -ltn 2>/dev/null | grep -q '127.0.0.1:443 \|0.0.0.0:443 \|\*:443 '; then
    echo "port 443 is busy" >&2; exit 2
fi

WORK="$(mktemp -d /tmp/emu-fidelity.XXXXXX)"
EMU_PID=""
cleanup() {
    [ -n "$EMU_PID" ] && kill "$EMU_PID" 2>/dev/null && wait "$EMU_PID" 2>/dev/null
    # Rewrite in place (not sed -i): /etc/hosts is often a bind mount.
    if grep -q "$MARK" /etc/hosts; then
        # Held in memory: a full disk must not leave the host names pointing here.
        local kept; kept="$(grep -v "$MARK" /etc/hosts)"
        printf '%s\n' "$kept" > /etc/hosts
    fi
    if [ -e "$CA_LINK" ]; then
        rm -f "$CA_LINK"
        update-ca-certificates --fresh >/dev/null 2>&1
    fi
    if [ -n "${KEEP:-}" ]; then echo "work dir kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- throwaway CA and a server certificate for the service's host names -------------
san="$(printf 'DNS:%s,' $HOSTS)"; san="${san%,}"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=onedrive-emulator fidelity CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "$WORK/ca.key" -out "$WORK/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=graph.microsoft.com" \
    -keyout "$WORK/server.key" -out "$WORK/server.csr" 2>/dev/null
printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' "$san" > "$WORK/ext"
openssl x509 -req -in "$WORK/server.csr" -CA "$WORK/ca.pem" -CAkey "$WORK/ca.key" -CAcreateserial \
    -days 2 -extfile "$WORK/ext" -out "$WORK/server.pem" 2>/dev/null
cp "$WORK/ca.pem" "$CA_LINK" && update-ca-certificates >/dev/null 2>&1
export SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
echo "127.0.0.1 $HOSTS $MARK" >> /etc/hosts

# --- the emulator --------------------------------------------------------------------
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
(cd "$ROOT" && cargo build -q -p onedrive-emulator --release) || exit 1
"$CARGO_TARGET_DIR/release/onedrive-emulator" --listen 127.0.0.1:443 \
    --tls-cert "$WORK/server.pem" --tls-key "$WORK/server.key" \
    --public-url https://graph.microsoft.com --transfer-url "https://$TRANSFER_HOST" \
    --client "$RCLONE_ID:$RCLONE_SECRET" --client "$ONEDRIVE_ID" \
    --copy-delay-ms 100 ${EMU_FLAGS:-} > "$WORK/emulator.out" 2> "$WORK/emulator.err" &
EMU_PID=$!
for _ in $(seq 100); do [ -s "$WORK/emulator.out" ] && break; sleep 0.1; done
[ -s "$WORK/emulator.out" ] || { echo "emulator did not start:"; cat "$WORK/emulator.err"; exit 1; }

PASS=0; FAIL=0
check() { # check NAME COMMAND...: runs it, logs its output, prints PASS/FAIL
    local name="$1"; shift
    if "$@" >> "$WORK/steps.log" 2>&1; then echo "PASS $name"; PASS=$((PASS+1));
    else echo "FAIL $name (log: $WORK/steps.log)"; FAIL=$((FAIL+1)); KEEP=1; fi
}

# --- tokens from the emulator: auth-code flow, as a browser would run it -------------
# get_tokens CLIENT_ID REDIRECT_URI SECRET(or empty) OUT_JSON
get_tokens() {
    local cid="$1" redirect="$2" secret="$3" out="$4" scope loc code
    scope="Files.Read Files.ReadWrite Files.Read.All Files.ReadWrite.All Sites.Read.All offline_access"
    loc="$(curl -s -o /dev/null -w '%{redirect_url}' -G \
        https://login.microsoftonline.com/common/oauth2/v2.0/authorize \
        --data-urlencode "client_id=$cid" --data-urlencode response_type=code \
        --data-urlencode "redirect_uri=$redirect" --data-urlencode "scope=$scope" \
        --data-urlencode state=fidelity)"
    code="$(python3 -c 'import sys,urllib.parse as u; print(u.parse_qs(u.urlsplit(sys.argv[1]).query)["code"][0])' "$loc")" || return 1
    curl -sf https://login.microsoftonline.com/common/oauth2/v2.0/token \
        --data-urlencode grant_type=authorization_code --data-urlencode "client_id=$cid" \
        ${secret:+--data-urlencode "client_secret=$secret"} \
        --data-urlencode "code=$code" --data-urlencode "redirect_uri=$redirect" \
        --data-urlencode "scope=$scope" -o "$out"
}
json() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$@"; }

get_tokens "$RCLONE_ID" "http://localhost:53682/" "$RCLONE_SECRET" "$WORK/rclone-token.json" \
    || { echo "FAIL token (auth-code flow)"; exit 1; }
curl -sf -H "Authorization: Bearer $(json "$WORK/rclone-token.json" 'd["access_token"]')" \
    https://graph.microsoft.com/v1.0/me/drive -o "$WORK/drive.json" || { echo "FAIL /me/drive"; exit 1; }
DRIVE_ID="$(json "$WORK/drive.json" 'd["id"]')"
DRIVE_TYPE="$(json "$WORK/drive.json" 'd["driveType"]')"

# --- rclone --------------------------------------------------------------------------
export RCLONE_CONFIG="$WORK/rclone.conf"
python3 - "$WORK/rclone-token.json" > "$RCLONE_CONFIG" <<PY
import json, sys, datetime
t = json.load(open(sys.argv[1]))
exp = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=int(t["expires_in"]))
tok = {"access_token": t["access_token"], "token_type": t["token_type"],
       "refresh_token": t["refresh_token"], "expiry": exp.isoformat()}
print("[emu]\ntype = onedrive\nclient_id = $RCLONE_ID\nclient_secret = $RCLONE_SECRET")
print("token = " + json.dumps(tok))
print("drive_id = $DRIVE_ID\ndrive_type = $DRIVE_TYPE")
PY
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
    get_tokens "$ONEDRIVE_ID" "https://login.microsoftonline.com/common/oauth2/nativeclient" "" \
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
