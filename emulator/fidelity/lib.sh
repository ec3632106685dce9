# Shared by emulator/fidelity/rclone.sh and bench/transfers.sh: serve the emulator over
# HTTPS under the service's own host names on this machine only, so that clients written
# for the real service (rclone, abraunegg's onedrive) talk to it unchanged.
#
# Source it, then:
#   fidelity_check_root                 exits 2 unless root with openssl, curl, python3 and port 443 free
#   fidelity_up WORK                    throwaway CA + server certificate in WORK, the CA in the
#                                       system store, the host names in /etc/hosts
#   fidelity_start_emulator EMU WORK [FLAGS...]
#                                       starts EMU on 127.0.0.1:443 with the certificate, the
#                                       public and transfer URLs and both clients registered;
#                                       sets FIDELITY_EMU_PID
#   fidelity_stop_emulator
#   fidelity_down                       undoes fidelity_up (call it from an EXIT trap)
#   fidelity_tokens CLIENT_ID REDIRECT SECRET OUT_JSON
#                                       runs the auth-code flow as a browser would
#   fidelity_rclone_conf TOKEN_JSON OUT rclone config with remote "emu" (drive id and type read
#                                       from /me/drive)
# Every change to the system is marked and undone by fidelity_down, whatever happened.

# files.onedrive-emulator.test carries the download/upload/monitor URLs (--transfer-url):
# the service serves those on other hosts than Graph, which is what makes a redirect-
# following client drop its Authorization header.
FIDELITY_TRANSFER_HOST=files.onedrive-emulator.test
FIDELITY_HOSTS="graph.microsoft.com login.microsoftonline.com login.live.com $FIDELITY_TRANSFER_HOST"
FIDELITY_MARK="# onedrive-emulator-fidelity"
FIDELITY_CA_LINK=/usr/local/share/ca-certificates/onedrive-emulator-fidelity.crt
# rclone is a confidential client here (its own app registration: id + secret);
# abraunegg's onedrive uses its built-in public client id.
FIDELITY_RCLONE_ID=5f4b0c6e-2a51-4c3e-9b86-0a1d5c2e7f10
FIDELITY_RCLONE_SECRET=fidelity-secret
FIDELITY_ONEDRIVE_ID=d50ca740-c83f-4d1b-b616-12c519384f0c
FIDELITY_EMU_PID=""

fidelity_check_root() {
    [ "$(id -u)" = 0 ] || { echo "needs root (port 443, /etc/hosts, CA store)" >&2; exit 2; }
    local t
    for t in openssl curl python3 update-ca-certificates; do
        command -v "$t" >/dev/null || { echo "missing $t" >&2; exit 2; }
    done
    if ss -ltn 2>/dev/null | grep -q '127.0.0.1:443 \|0.0.0.0:443 \|\*:443 '; then
        echo "port 443 is busy" >&2; exit 2
    fi
}

fidelity_up() { # fidelity_up WORK
    local work=$1 san
    san="$(printf 'DNS:%s,' $FIDELITY_HOSTS)"; san="${san%,}"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=onedrive-emulator fidelity CA" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -keyout "$work/ca.key" -out "$work/ca.pem" 2>/dev/null || return 1
    openssl req -newkey rsa:2048 -nodes -subj "/CN=graph.microsoft.com" \
        -keyout "$work/server.key" -out "$work/server.csr" 2>/dev/null || return 1
    printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' "$san" > "$work/ext"
    openssl x509 -req -in "$work/server.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial \
        -days 2 -extfile "$work/ext" -out "$work/server.pem" 2>/dev/null || return 1
    cp "$work/ca.pem" "$FIDELITY_CA_LINK" && update-ca-certificates >/dev/null 2>&1
    export SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
    echo "127.0.0.1 $FIDELITY_HOSTS $FIDELITY_MARK" >> /etc/hosts
}

fidelity_down() {
    fidelity_stop_emulator
    # Rewrite in place (not sed -i): /etc/hosts is often a bind mount.
    if grep -q "$FIDELITY_MARK" /etc/hosts; then
        # Held in memory: a full disk must not leave the host names pointing here.
        local kept; kept="$(grep -v "$FIDELITY_MARK" /etc/hosts)"
        printf '%s\n' "$kept" > /etc/hosts
    fi
    if [ -e "$FIDELITY_CA_LINK" ]; then
        rm -f "$FIDELITY_CA_LINK"
        update-ca-certificates --fresh >/dev/null 2>&1
    fi
}

fidelity_start_emulator() { # fidelity_start_emulator EMU WORK [FLAGS...]
    local emu=$1 work=$2; shift 2
    fidelity_stop_emulator
    : > "$work/emulator.out"
    "$emu" --listen 127.0.0.1:443 \
        --tls-cert "$work/server.pem" --tls-key "$work/server.key" \
        --public-url https://graph.microsoft.com --transfer-url "https://$FIDELITY_TRANSFER_HOST" \
        --client "$FIDELITY_RCLONE_ID:$FIDELITY_RCLONE_SECRET" --client "$FIDELITY_ONEDRIVE_ID" \
        "$@" > "$work/emulator.out" 2> "$work/emulator.err" &
    FIDELITY_EMU_PID=$!
    local _
    for _ in $(seq 100); do [ -s "$work/emulator.out" ] && break; sleep 0.1; done
    [ -s "$work/emulator.out" ] || { echo "emulator did not start:" >&2; cat "$work/emulator.err" >&2; return 1; }
}

fidelity_stop_emulator() {
    if [ -n "$FIDELITY_EMU_PID" ]; then
        kill "$FIDELITY_EMU_PID" 2>/dev/null || true
        wait "$FIDELITY_EMU_PID" 2>/dev/null || true
        FIDELITY_EMU_PID=""
    fi
    return 0
}

fidelity_tokens() { # fidelity_tokens CLIENT_ID REDIRECT_URI SECRET(or empty) OUT_JSON
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

fidelity_rclone_conf() { # fidelity_rclone_conf TOKEN_JSON OUT: remote "emu"
    local tok=$1 out=$2 access drive
    access="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["access_token"])' "$tok")" || return 1
    drive="$(curl -sf -H "Authorization: Bearer $access" https://graph.microsoft.com/v1.0/me/drive)" || return 1
    python3 - "$tok" "$drive" "$FIDELITY_RCLONE_ID" "$FIDELITY_RCLONE_SECRET" > "$out" <<'PY'
import json, sys, datetime
t = json.load(open(sys.argv[1])); d = json.loads(sys.argv[2])
exp = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=int(t["expires_in"]))
tok = {"access_token": t["access_token"], "token_type": t["token_type"],
       "refresh_token": t["refresh_token"], "expiry": exp.isoformat()}
print("[emu]\ntype = onedrive\nclient_id = %s\nclient_secret = %s" % (sys.argv[3], sys.argv[4]))
print("token = " + json.dumps(tok))
print("drive_id = %s\ndrive_type = %s" % (d["id"], d["driveType"]))
PY
}
