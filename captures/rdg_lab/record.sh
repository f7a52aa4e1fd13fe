#!/bin/bash
# Record one RD Gateway test capture: a real FreeRDP 2.11 client against the
# emulated gateway (fake_gateway.py), on loopback, with the client's TLS
# secrets from the lab's OpenSSL key-log preload (../shared/lab/lib/sslkeylog.c).
# Needs root (tcpdump, port 443), xfreerdp 2.11, Xvfb, python3, gcc, openssl.
#
# usage: record.sh MODE OUTDIR [extra xfreerdp args]
#   MODE: auth_fail forbidden unavailable rap_denied cap_denied ts_failed ok
#   ok relays the tunnel to a real RDP server at $RDG_TARGET (default
#   127.0.0.1:33890); rdg_ok was made with, beforehand,
#     DISPLAY=:78 freerdp-shadow-cli /port:33890 /sec:tls -auth   (on its own Xvfb :78)
#   and `record.sh ok OUT /sec:tls` (the client stopped by `timeout 8`).
set -euo pipefail
M=$1 OUT=$2
shift 2
HERE=$(cd "$(dirname "$0")" && pwd)
LAB=${RDPLAB:-$HERE/../../../shared/lab}
W=$(mktemp -d)
gcc -shared -fPIC -O2 -o "$W/sslkeylog.so" "$LAB/lib/sslkeylog.c" -ldl
openssl req -x509 -newkey rsa:2048 -nodes -sha256 -keyout "$W/gw.key" -out "$W/gw.pem" \
    -subj "/CN=rdg.lab" -addext "subjectAltName=DNS:rdg.lab,IP:127.0.0.1" -days 365 2>/dev/null
Xvfb :77 -nolisten tcp -screen 0 800x600x24 >/dev/null 2>&1 & XV=$!
python3 "$HERE/fake_gateway.py" "$M" "$W/gw.pem" "$W/gw.key" 127.0.0.1 443 2>"$OUT/$M.server.log" & GW=$!
tcpdump -i lo -s 0 -U -w "$OUT/$M.pcap" 'tcp port 443' 2>/dev/null & TD=$!
sleep 1
DISPLAY=:77 SSLKEYLOGFILE="$OUT/$M.keys.txt" LD_PRELOAD="$W/sslkeylog.so" timeout "${RDG_CLIENT_TIMEOUT:-20}" \
    xfreerdp /v:10.203.0.1 /u:alice /p:Secret1 /g:127.0.0.1:443 /gu:alice /gp:GwPass1 /gd:LAB \
    /gt:http /cert:ignore /log-level:INFO "$@" >"$OUT/$M.client.log" 2>&1 || true
sleep 1
kill $TD $GW $XV 2>/dev/null || true
wait 2>/dev/null || true
rm -rf "$W"
