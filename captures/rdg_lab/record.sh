#!/bin/bash
# Record one RD Gateway test capture: a real FreeRDP 2.11 client against the
# emulated gateway (fake_gateway.py), on loopback, with the client's TLS
# secrets from the lab's OpenSSL key-log preload (../shared/lab/lib/sslkeylog.c).
# Needs root (tcpdump, port 443), xfreerdp 2.11, Xvfb, python3, gcc, openssl;
# the kdc_* modes need MIT Kerberos (krb5-user; kdc_ok also krb5-kdc).
#
# usage: record.sh MODE OUTDIR [extra client args]
#   MODE: auth_fail forbidden unavailable rap_denied cap_denied ts_failed ok
#         ws_auth_fail ws_rap_denied ws_cap_denied ws_ts_failed ws_ok
#           (WebSocket transport; FreeRDP 2.11's /gt:http tries it first)
#         kdc_503 kdc_nokdc kdc_ok
#           (the client is MIT `kinit` with `kdc = https://127.0.0.1/KdcProxy`,
#            i.e. MS-KKDCP; kdc_ok starts a real MIT krb5kdc on 127.0.0.1:8888
#            for realm LAB.TEST with principal alice / Secret1). kinit's TLS
#            comes from the dlopen()ed k5tls plugin, so libssl is preloaded
#            too: the key-log shim finds SSL_new only when libssl is global.
#   ok relays the tunnel to a real RDP server at $RDG_TARGET (default
#   127.0.0.1:33890); rdg_ok and rdg_ws_ok were made with, beforehand,
#     DISPLAY=:78 freerdp-shadow-cli /port:33890 /sec:tls -auth   (on its own Xvfb :78)
#   and `record.sh ok OUT /sec:tls` (the client stopped by `timeout 8`).
#   rdg_ws_nla_rejected: the same relay to a shadow server with NLA whose SAM
#   file does not hold the client's password for alice:
#     winpr-hash -u alice -p RightPass1 -f sam >sam.txt
#     DISPLAY=:91 freerdp-shadow-cli /port:33890 /sec:nla /sam-file:sam.txt
#   then `record.sh ws_ok OUT /sec:nla`.
set -euo pipefail
M=$1 OUT=$2
shift 2
HERE=$(cd "$(dirname "$0")" && pwd)
LAB=${RDPLAB:-$HERE/../../../shared/lab}
W=$(mktemp -d)
gcc -shared -fPIC -O2 -o "$W/sslkeylog.so" "$LAB/lib/sslkeylog.c" -ldl
openssl req -x509 -newkey rsa:2048 -nodes -sha256 -keyout "$W/gw.key" -out "$W/gw.pem" \
    -subj "/CN=rdg.lab" -addext "subjectAltName=DNS:rdg.lab,IP:127.0.0.1" -days 365 2>/dev/null
KDC=
if [ "$M" = kdc_ok ]; then
    mkdir -p "$W/kdc"
    cat >"$W/kdc/kdc.conf" <<KDCCONF
[realms]
LAB.TEST = {
    database_name = $W/kdc/principal
    key_stash_file = $W/kdc/stash
    kdc_listen = 127.0.0.1:8888
    kdc_tcp_listen = 127.0.0.1:8888
    supported_enctypes = aes256-cts-hmac-sha1-96:normal
}
KDCCONF
    export KRB5_KDC_PROFILE="$W/kdc/kdc.conf"
    kdb5_util -r LAB.TEST create -s -P masterpw >/dev/null 2>&1
    kadmin.local -r LAB.TEST -q "addprinc -pw Secret1 +requires_preauth alice" >/dev/null 2>&1
    krb5kdc -r LAB.TEST -n >"$OUT/$M.kdc.log" 2>&1 & KDC=$!
    export KDC_TARGET=127.0.0.1:8888
fi
Xvfb :77 -nolisten tcp -screen 0 800x600x24 >/dev/null 2>&1 & XV=$!
python3 "$HERE/fake_gateway.py" "$M" "$W/gw.pem" "$W/gw.key" 127.0.0.1 443 2>"$OUT/$M.server.log" & GW=$!
tcpdump -i lo -s 0 -U -w "$OUT/$M.pcap" 'tcp port 443' 2>/dev/null & TD=$!
sleep 1
case $M in
kdc_*)
    cat >"$W/krb5.conf" <<KRBCONF
[libdefaults]
    default_realm = LAB.TEST
    dns_lookup_kdc = false
    dns_lookup_realm = false
[realms]
    LAB.TEST = {
        kdc = https://127.0.0.1/KdcProxy
        http_anchors = FILE:$W/gw.pem
    }
KRBCONF
    echo Secret1 | KRB5_CONFIG="$W/krb5.conf" KRB5CCNAME="FILE:$W/ccache" KRB5_TRACE="$OUT/$M.client.log" \
        SSLKEYLOGFILE="$OUT/$M.keys.txt" LD_PRELOAD="$W/sslkeylog.so $(ldconfig -p | awk '/libssl.so.3 .*x86-64/{print $NF; exit}')" timeout "${RDG_CLIENT_TIMEOUT:-20}" \
        kinit alice@LAB.TEST "$@" >>"$OUT/$M.client.log" 2>&1 || true
    ;;
*)
    # /v: is only named inside the tunnel request; the gateway relays to $RDG_TARGET.
    DISPLAY=:77 SSLKEYLOGFILE="$OUT/$M.keys.txt" LD_PRELOAD="$W/sslkeylog.so" timeout "${RDG_CLIENT_TIMEOUT:-20}" \
        xfreerdp /v:10.203.0.1 /u:alice /p:Secret1 /g:127.0.0.1:443 /gu:alice /gp:GwPass1 /gd:LAB \
        /gt:http /cert:ignore /log-level:INFO "$@" >"$OUT/$M.client.log" 2>&1 || true
    ;;
esac
sleep 1
kill $TD $GW $XV $KDC 2>/dev/null || true
wait 2>/dev/null || true
rm -rf "$W"
