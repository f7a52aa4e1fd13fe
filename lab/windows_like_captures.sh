#!/bin/bash
# windows_like_captures.sh - real xfreerdp 2.11 client against a lab server
# whose failure PDUs come from independent encoders (IronRDP's ironrdp-pdu,
# Devolutions' sspi, rustls): lab/ironrdp-peer. Each scenario makes the server
# fail the way a Windows host does (CredSSP errorCode, Early User Authorization
# ACCESS_DENIED, MCS Connect-Response failure, licensing error, Set Error Info
# 0x7); what the client does next is the real client's reaction (xfreerdp;
# for HYBRID_EX, which FreeRDP 2 lacks, IronRDP's connector: lab/ironrdp-peer/src/bin). One more
# scenario records Kerberos KDC errors from Debian's MIT krb5-kdc to kinit/kvno, then
# the RDP client's NTLM attempt (FreeRDP 2.11 on Debian is built WITH_GSSAPI=OFF:
# it cannot do Kerberos, so kinit/kvno stand in for its KDC exchanges).
#
#   ns rdplab14-cli  cli0 10.203.4.2/24 <--veth--> srv0 10.203.4.1/24  ns rdplab14-srv
#   (no default route; nothing leaves the machine; static ARP)
#
# usage: sudo lab/windows_like_captures.sh [scenario...]     (default: all)
#        lab/windows_like_captures.sh --list
# env:   OUT (default /tmp/rdplab14/out), WORK (default /tmp/rdplab14/work)
# Output per scenario: OUT/NAME.pcap (client side, tcpdump -s 0), NAME.keys.txt
# (server-side rustls key log: SSLKEYLOGFILE format), NAME.client.log,
# NAME.server.log, NAME.truth.txt. Needs: freerdp2-x11 xvfb tcpdump openssl iproute2, cargo
# (builds lab/ironrdp-peer with its own lock file and target dir), and for the
# Kerberos scenario krb5-kdc krb5-admin-server krb5-user.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PEER_DIR=$HERE/ironrdp-peer
WORK=${WORK:-/tmp/rdplab14/work}
OUT=${OUT:-/tmp/rdplab14/out}
NS_CLI=rdplab14-cli
NS_SRV=rdplab14-srv
CLI_IP=10.203.4.2
SRV_IP=10.203.4.1
USER_OK=labuser
PASS_OK='Passw0rd!'
REALM=LAB.TEST

# scenario -> ironrdp-peer mode, and the xfreerdp arguments (after /v:)
declare -A PEER_MODE=(
    [nla_errorcode_logon_failure]=credssp_logon_failure
    [nla_errorcode_account_restriction]=credssp_account_restriction
    [nla_errorcode_unsupported_function]=credssp_ntlm_refused
    [hybrid_ex_selected_freerdp2]=eua_denied
    [nla_early_user_auth_denied]=eua_denied
    [mcs_connect_response_failure]=mcs_connect_failed
    [licensing_no_license_server]=licensing_error
    [set_error_info_server_denied]=set_error_info_denied
)
declare -A CLIENT_ARGS=(
    [nla_errorcode_logon_failure]="/u:$USER_OK /p:WrongPass1 /d:LAB /sec:nla"
    [nla_errorcode_account_restriction]="/u:$USER_OK /p:$PASS_OK /d:LAB /sec:nla"
    [nla_errorcode_unsupported_function]="/u:$USER_OK /p:$PASS_OK /d:LAB /sec:nla"
    [hybrid_ex_selected_freerdp2]="/u:$USER_OK /p:$PASS_OK /sec:ext"
    # xfreerdp 2.11 cannot do HYBRID_EX: IronRDP's connector is the client here
    [nla_early_user_auth_denied]="@ironrdp-lab-client"
    [mcs_connect_response_failure]="/u:$USER_OK /p:$PASS_OK /sec:tls"
    [licensing_no_license_server]="/u:$USER_OK /p:$PASS_OK /sec:tls"
    [set_error_info_server_denied]="/u:$USER_OK /p:$PASS_OK /sec:tls"
)
SCENARIOS=(nla_errorcode_logon_failure nla_errorcode_account_restriction nla_errorcode_unsupported_function
    hybrid_ex_selected_freerdp2 nla_early_user_auth_denied mcs_connect_response_failure licensing_no_license_server
    set_error_info_server_denied kerberos_kdc_errors_then_ntlm)

if [[ ${1:-} == --list ]]; then
    printf '%s\n' "${SCENARIOS[@]}"
    exit 0
fi
[[ $EUID -eq 0 ]] || { echo "must run as root (network namespaces, tcpdump)" >&2; exit 1; }
mkdir -p "$WORK" "$OUT"

log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
in_cli() { ip netns exec "$NS_CLI" "$@"; }
in_srv() { ip netns exec "$NS_SRV" "$@"; }

topo_down() {
    ip netns del "$NS_CLI" 2>/dev/null
    ip netns del "$NS_SRV" 2>/dev/null
    rm -rf "/etc/netns/$NS_CLI"
    return 0
}
topo_up() {
    topo_down
    ip netns add "$NS_CLI"
    ip netns add "$NS_SRV"
    ip link add cli0 netns "$NS_CLI" type veth peer name srv0 netns "$NS_SRV"
    in_cli ip link set cli0 address 02:00:00:cb:04:02
    in_srv ip link set srv0 address 02:00:00:cb:04:01
    in_cli ip addr add "$CLI_IP/24" dev cli0
    in_srv ip addr add "$SRV_IP/24" dev srv0
    local ns
    for ns in "$NS_CLI" "$NS_SRV"; do
        ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
        ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
        ip netns exec "$ns" ip link set lo up
    done
    in_cli ip link set cli0 up
    in_srv ip link set srv0 up
    # segments as they are on the wire (no GSO/GRO super-packets in the pcap)
    if command -v ethtool >/dev/null; then
        in_cli ethtool -K cli0 tso off gso off gro off >/dev/null 2>&1
        in_srv ethtool -K srv0 tso off gso off gro off >/dev/null 2>&1
    fi
    in_cli ip neigh replace "$SRV_IP" lladdr 02:00:00:cb:04:01 dev cli0 nud permanent
    in_srv ip neigh replace "$CLI_IP" lladdr 02:00:00:cb:04:02 dev srv0 nud permanent
}

build_peer() {
    (cd "$PEER_DIR" && cargo build --release --locked -q) || { echo "ironrdp-peer build failed" >&2; exit 1; }
    PEER=$PEER_DIR/target/release/ironrdp-peer # and ironrdp-lab-client beside it
}

# RSA 2048 self-signed, CN = a Windows-like host name, as an RDP listener's
# default certificate; the peer needs the PKCS#1 RSAPublicKey for CredSSP.
make_cert() {
    [[ -f $WORK/srv.pem ]] && return 0
    openssl req -x509 -newkey rsa:2048 -nodes -sha256 -keyout "$WORK/srv.key" -out "$WORK/srv.pem" \
        -subj "/CN=WIN-LAB14" -days 365 2>/dev/null
    openssl x509 -in "$WORK/srv.pem" -noout -pubkey |
        openssl rsa -pubin -RSAPublicKey_out -outform DER -out "$WORK/srv.pub.der" 2>/dev/null
}

XVFB_PID=
start_display() {
    DISP=141
    while [[ -e /tmp/.X$DISP-lock || -e /tmp/.X11-unix/X$DISP ]]; do DISP=$((DISP + 1)); done
    Xvfb ":$DISP" -nolisten tcp -noreset -screen 0 1024x768x24 >"$WORK/xvfb.log" 2>&1 &
    XVFB_PID=$!
    local i
    for ((i = 0; i < 50; i++)); do [[ -e /tmp/.X11-unix/X$DISP ]] && break; sleep 0.1; done
}

TD_PID=
cap_start() { # file
    # ip netns exec execs the command: $! is tcpdump itself (a shell function would add a subshell)
    SSLKEYLOGFILE= ip netns exec "$NS_CLI" tcpdump -i cli0 -s 0 -U -n -w "$1" >"$WORK/tcpdump.log" 2>&1 &
    TD_PID=$!
    sleep 0.5
}
cap_stop() {
    sleep 1
    [[ -n $TD_PID ]] && kill "$TD_PID" 2>/dev/null && wait "$TD_PID" 2>/dev/null
    TD_PID=
}

PEER_PID=
peer_start() { # scenario mode
    SSLKEYLOGFILE=$OUT/$1.keys.txt ip netns exec "$NS_SRV" "$PEER" "$2" "$SRV_IP:3389" "$WORK/srv.pem" \
        "$WORK/srv.key" "$WORK/srv.pub.der" "$USER_OK" "$PASS_OK" >"$OUT/$1.server.log" 2>&1 &
    PEER_PID=$!
    sleep 0.5
}
client_run() { # scenario xfreerdp-args...
    local scn=$1
    shift
    DISPLAY=:$DISP ip netns exec "$NS_CLI" timeout 40 xfreerdp /v:$SRV_IP /cert:ignore /log-level:INFO "$@" \
        >>"$OUT/$scn.client.log" 2>&1
    echo "xfreerdp exit status: $?" >>"$OUT/$scn.client.log"
}
peer_wait() { # the peer ends 4 s after the client's last connection
    local i
    for ((i = 0; i < 40; i++)); do kill -0 "$PEER_PID" 2>/dev/null || break; sleep 0.5; done
    kill "$PEER_PID" 2>/dev/null
    wait "$PEER_PID" 2>/dev/null
    PEER_PID=
}

run_rdp() { # scenario
    local scn=$1
    rm -f "$OUT/$scn".*
    peer_start "$scn" "${PEER_MODE[$scn]}"
    cap_start "$OUT/$scn.pcap"
    if [[ ${CLIENT_ARGS[$scn]} == @ironrdp-lab-client ]]; then
        ip netns exec "$NS_CLI" timeout 40 "$PEER_DIR/target/release/ironrdp-lab-client" "$SRV_IP:3389" \
            "$USER_OK" "$PASS_OK" LAB >>"$OUT/$scn.client.log" 2>&1
        echo "ironrdp-lab-client exit status: $?" >>"$OUT/$scn.client.log"
    else
        # shellcheck disable=SC2086 # word splitting of the argument list is intended
        client_run "$scn" ${CLIENT_ARGS[$scn]}
    fi
    peer_wait
    cap_stop
    log "$scn: $(cat "$OUT/$scn.keys.txt" 2>/dev/null | wc -l) key lines, $(stat -c %s "$OUT/$scn.pcap") bytes pcap"
}

# MIT krb5 KDC for LAB.TEST in the server namespace; kinit / kvno in the client
# namespace (a private krb5.conf, no system files touched).
KDC_PID=
run_kdc_errors() {
    local scn=kerberos_kdc_errors_then_ntlm k=$WORK/krb5
    rm -f "$OUT/$scn".*
    rm -rf "$k"
    mkdir -p "$k"
    cat >"$k/krb5.conf" <<EOF
[libdefaults]
    default_realm = $REALM
    dns_lookup_kdc = false
    dns_lookup_realm = false
    rdns = false
    udp_preference_limit = 1
[realms]
    $REALM = {
        kdc = $SRV_IP
        admin_server = $SRV_IP
    }
EOF
    cat >"$k/kdc.conf" <<EOF
[kdcdefaults]
    kdc_listen = 88
    kdc_tcp_listen = 88
[realms]
    $REALM = {
        database_name = $k/principal
        key_stash_file = $k/stash
        supported_enctypes = aes256-cts-hmac-sha1-96:normal
    }
[logging]
    kdc = FILE:$OUT/$scn.server.log
EOF
    export KRB5_CONFIG=$k/krb5.conf KRB5_KDC_PROFILE=$k/kdc.conf
    kdb5_util create -s -r "$REALM" -P 'MasterKey1' >"$k/kdb.log" 2>&1
    kadmin.local -r "$REALM" -q "addprinc +requires_preauth -pw $PASS_OK $USER_OK" >>"$k/kdb.log" 2>&1
    kadmin.local -r "$REALM" -q "addprinc -randkey TERMSRV/win-lab14.lab.test" >>"$k/kdb.log" 2>&1
    ip netns exec "$NS_SRV" krb5kdc -n -r "$REALM" >>"$k/kdc.out" 2>&1 &
    KDC_PID=$!
    sleep 1
    peer_start "$scn" credssp_logon_failure
    cap_start "$OUT/$scn.pcap"
    {
        export KRB5CCNAME=FILE:$k/ccache
        echo "## 1. kinit an unknown user (expect KDC_ERR_C_PRINCIPAL_UNKNOWN)"
        echo 'x' | ip netns exec "$NS_CLI" kinit "nosuchuser@$REALM" 2>&1
        echo "## 2. kinit labuser, right password, then kvno TERMSRV/$SRV_IP (dialled by IP: no such SPN, expect KDC_ERR_S_PRINCIPAL_UNKNOWN)"
        echo "$PASS_OK" | ip netns exec "$NS_CLI" kinit "$USER_OK@$REALM" 2>&1
        ip netns exec "$NS_CLI" kvno "TERMSRV/$SRV_IP@$REALM" 2>&1
        ip netns exec "$NS_CLI" kdestroy 2>&1
        echo "## 3. kinit labuser with a wrong password (expect KDC_ERR_PREAUTH_REQUIRED, then KDC_ERR_PREAUTH_FAILED)"
        echo 'WrongPass1' | ip netns exec "$NS_CLI" kinit "$USER_OK@$REALM" 2>&1
        echo "## 4. xfreerdp /sec:nla with the same wrong password: NTLM (FreeRDP 2.11 here has no Kerberos); the peer answers STATUS_LOGON_FAILURE"
    } >"$OUT/$scn.client.log"
    client_run "$scn" /u:$USER_OK /p:WrongPass1 /d:LAB /sec:nla
    peer_wait
    cap_stop
    kill "$KDC_PID" 2>/dev/null
    wait "$KDC_PID" 2>/dev/null
    unset KRB5_CONFIG KRB5_KDC_PROFILE KRB5CCNAME
    log "$scn: $(stat -c %s "$OUT/$scn.pcap") bytes pcap"
}

# NAME.truth.txt: the server's own log, the KDC log, the client's console
# errors and tshark's view (decrypted with the key log) of every data segment.
write_truth() { # scenario
    local s=$1
    {
        echo "# $s: ground truth (lab/windows_like_captures.sh; server = lab/ironrdp-peer," \
            "client = xfreerdp $(dpkg-query -W -f='${Version}' freerdp2-x11))"
        echo
        echo "## server log"
        grep '^\[ironrdp-peer\]' "$OUT/$s.server.log"
        if grep -q krb5kdc "$OUT/$s.server.log"; then
            echo
            echo "## KDC log (MIT krb5kdc $(dpkg-query -W -f='${Version}' krb5-kdc))"
            grep -E 'AS_REQ|TGS_REQ|preauth' "$OUT/$s.server.log" | sed -E 's/^.*krb5kdc\[[0-9]+\]\(info\): //; s/ \(8 etypes \{[^}]*\}\)//'
        fi
        echo
        echo "## client console (WARN/ERROR lines, kinit/kvno output, exit status)"
        grep -E 'WARN|ERROR|exit status|^##|kinit|kvno|^connect' "$OUT/$s.client.log" | sed -E 's/^\[[0-9:]+\] \[[0-9:]+\] //'
        echo
        echo "## tshark: segments with data, FIN or RST (TLS decrypted with the key log)"
        tshark -r "$OUT/$s.pcap" -o "tls.keylog_file:$OUT/$s.keys.txt" \
            -Y 'tcp.len>0 || tcp.flags.fin==1 || tcp.flags.reset==1' \
            -T fields -e frame.number -e ip.src -e tcp.srcport -e tcp.len -e _ws.col.Info 2>/dev/null | cut -c1-140
    } >"$OUT/$s.truth.txt"
}

cleanup() {
    [[ -n $TD_PID ]] && kill "$TD_PID" 2>/dev/null
    [[ -n $KDC_PID ]] && kill "$KDC_PID" 2>/dev/null
    [[ -n $PEER_PID ]] && kill "$PEER_PID" 2>/dev/null
    [[ -n $XVFB_PID ]] && kill "$XVFB_PID" 2>/dev/null
    topo_down
}
trap cleanup EXIT

((${#@})) && SCENARIOS=("$@")
topo_up
make_cert
build_peer
start_display
for s in "${SCENARIOS[@]}"; do
    if [[ $s == kerberos_kdc_errors_then_ntlm ]]; then
        run_kdc_errors
        write_truth "$s"
    elif [[ -n ${CLIENT_ARGS[$s]:-} ]]; then
        run_rdp "$s"
        write_truth "$s"
    else
        echo "unknown scenario $s" >&2
    fi
done
