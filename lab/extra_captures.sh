#!/bin/bash
# extra_captures.sh - more real RDP failure captures, for rules the main lab
# (../shared/lab/make_captures.sh) does not exercise: a RST forged by a router,
# a RST mid-session, zero window, stall, SYN-ACK never acknowledged, DNS SERVFAIL.
#
# Same approach as the main lab, whose helper library it reuses read-only
# (lib/topo.sh, lib/common.sh: process handling, tcpdump, xrdp/shadow/xfreerdp
# runners, truth-file checks): real xrdp 0.9.21 / freerdp-shadow-cli 2.11 /
# xfreerdp 2.11 / dnsmasq in private network namespaces with no default route,
# tcpdump on the client's interface. The difference is the topology: the
# middle namespace is an IP *router* (not a bridge), so packets that really
# come from the server arrive with TTL 63 while anything the router itself
# sends (an iptables REJECT --reject-with tcp-reset) arrives with TTL 64.
#
#   ns rdplab2-cli                 ns rdplab2-wan (router)                 ns rdplab2-srv
#   cli0 10.203.1.2/24 --- wanc 10.203.1.1 | wans 10.203.0.254 --- srv0 10.203.0.1/24
#
# usage: sudo lab/extra_captures.sh [scenario...]     (default: all)
#        lab/extra_captures.sh --list
# env:   RDPLAB_LIB  the main lab's lib/ (default ../shared/lab/lib next to the repo)
#        RDPLAB_OUT  output dir (default /tmp/rdplab2/out), RDPLAB_WORK (/tmp/rdplab2/work)
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LIB=${RDPLAB_LIB:-$HERE/../../shared/lab/lib}
WORK=${RDPLAB_WORK:-/tmp/rdplab2/work}
OUT=${RDPLAB_OUT:-/tmp/rdplab2/out}
GEN=$HERE

SCENARIOS=(middlebox_rst_clienthello middlebox_rst_midsession server_rst_midsession
    synack_dropped_at_client zero_window_client_stopped stall_network_outage dns_refused dns_servfail
    nla_ext_refused)
# Tried and dropped (kept below for the record, not in the default run):
#  stall_client_hung      xfreerdp sets TCP keep-alive (5 s idle, 2 s interval), so a frozen
#                         client's kernel keeps the connection chatty: no silence on the wire.
#                         The stall is seen from the server side in stall_network_outage.
#  shadow_server_stopped  freerdp-shadow-cli stopped mid-session sends no Set Error Info and no
#                         Deactivate All: on SIGTERM its kernel resets the connection, on SIGINT
#                         it sends TLS close_notify + FIN. It had sent no screen output either,
#                         so the capture is ambiguous ground truth and is not bundled.

if [[ ${1:-} == --list ]]; then
    printf '%s\n' "${SCENARIOS[@]}"
    exit 0
fi
[[ $EUID -eq 0 ]] || { echo "must run as root (network namespaces, tcpdump, iptables)" >&2; exit 1; }
[[ -f $LIB/common.sh ]] || { echo "main lab library not found (set RDPLAB_LIB)" >&2; exit 1; }

# shellcheck source=/dev/null
source "$LIB/topo.sh"
# shellcheck source=/dev/null
source "$LIB/common.sh"

# own namespace names: never collide with a concurrent run of the main lab
NS_CLI=rdplab2-cli
NS_SRV=rdplab2-srv
NS_WAN=rdplab2-wan
NETNS_ETC=/etc/netns/$NS_CLI
CLI_IP=10.203.1.2
RTR_CLI=10.203.1.1
RTR_SRV=10.203.0.254
SRV_IP=10.203.0.1
USER_OK=labuser
PASS_OK='Passw0rd!'

topo_router_up() {
    topo_down
    ip netns add "$NS_CLI"
    ip netns add "$NS_SRV"
    ip netns add "$NS_WAN"
    ip link add cli0 netns "$NS_CLI" type veth peer name wanc netns "$NS_WAN"
    ip link add srv0 netns "$NS_SRV" type veth peer name wans netns "$NS_WAN"
    in_cli ip link set cli0 address 02:00:00:cb:01:02
    in_wan ip link set wanc address 02:00:00:cb:01:01
    in_wan ip link set wans address 02:00:00:cb:00:fe
    in_srv ip link set srv0 address 02:00:00:cb:00:01
    in_cli ip addr add "$CLI_IP/24" dev cli0
    in_wan ip addr add "$RTR_CLI/24" dev wanc
    in_wan ip addr add "$RTR_SRV/24" dev wans
    in_srv ip addr add "$SRV_IP/24" dev srv0
    local ns
    for ns in "$NS_CLI" "$NS_SRV" "$NS_WAN"; do
        ip netns exec "$ns" ip link set lo up
        ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
        ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
    done
    in_wan sysctl -qw net.ipv4.ip_forward=1
    in_cli ip link set cli0 up
    in_srv ip link set srv0 up
    in_wan ip link set wanc up
    in_wan ip link set wans up
    _offloads_off "$NS_CLI" cli0
    _offloads_off "$NS_SRV" srv0
    _offloads_off "$NS_WAN" wanc
    _offloads_off "$NS_WAN" wans
    in_cli ip route add 10.203.0.0/24 via "$RTR_CLI"
    in_srv ip route add 10.203.1.0/24 via "$RTR_SRV"
    # static ARP: no ARP chatter in the captures
    in_cli ip neigh replace "$RTR_CLI" lladdr 02:00:00:cb:01:01 dev cli0 nud permanent
    in_wan ip neigh replace "$CLI_IP" lladdr 02:00:00:cb:01:02 dev wanc nud permanent
    in_wan ip neigh replace "$SRV_IP" lladdr 02:00:00:cb:00:01 dev wans nud permanent
    in_srv ip neigh replace "$RTR_SRV" lladdr 02:00:00:cb:00:fe dev srv0 nud permanent
}

make_cert() {
    [[ -f $WORK/selfsigned.pem ]] && return 0
    openssl req -x509 -newkey rsa:2048 -nodes -sha256 -keyout "$WORK/selfsigned.key" \
        -out "$WORK/selfsigned.pem" -subj "/CN=rdp-srv" -days 365 2>/dev/null
}

XVFB_PIDS=()
start_displays() {
    CLI_DISP=$(free_display 121)
    spawn xvfb-client "$WORK/logs/xvfb-client.log" Xvfb ":$CLI_DISP" -nolisten tcp -noreset -screen 0 1024x768x24
    XVFB_PIDS+=("$LAST_PID")
    local i
    for ((i = 0; i < 50; i++)); do [[ -e /tmp/.X11-unix/X$CLI_DISP ]] && break; sleep 0.1; done
    # a small shadow-server screen keeps the streamed updates (and the captures) small
    SRV_DISP=$(free_display $((CLI_DISP + 1)))
    spawn xvfb-server "$WORK/logs/xvfb-server.log" Xvfb ":$SRV_DISP" -nolisten tcp -noreset -screen 0 320x240x24
    XVFB_PIDS+=("$LAST_PID")
    for ((i = 0; i < 50; i++)); do [[ -e /tmp/.X11-unix/X$SRV_DISP ]] && break; sleep 0.1; done
}
free_display() {
    local n=$1
    while [[ -e /tmp/.X$n-lock || -e /tmp/.X11-unix/X$n ]]; do n=$((n + 1)); done
    echo "$n"
}

# (begin_capture, client_desc, server_screen_activity: as in make_captures.sh)
begin_capture() {
    cap_start "$NS_CLI" cli0 "$OUT/$SCN.pcap"
    CAPTURE_DESC="client side: tcpdump -i cli0 -s 0 in ns $NS_CLI"
    if ((SERVER_PCAP)); then
        cap_start "$NS_SRV" srv0 "$OUT/$SCN.server.pcap"
        CAPTURE_DESC+="; server side: tcpdump -i srv0 -s 0 in ns $NS_SRV -> $SCN.server.pcap"
    fi
    sleep 0.3
}
client_desc() { echo "xfreerdp (FreeRDP $(dpkg-query -W -f='${Version}' freerdp2-x11))"; }
server_screen_activity() { # seconds : keep the shadow server's X display changing
    spawn xactivity "$WORK/logs/$SCN.xactivity.log" /usr/bin/python3 "$LIB/xactivity.py" ":$SRV_DISP" "$1"
    ACTIVITY_PID=$LAST_PID
}

CLI_BASE=(/v:"$SRV_IP" /size:640x480 /log-level:INFO)
XRDP_TLS=(security_layer=negotiate "certificate=$WORK/selfsigned.pem" "key_file=$WORK/selfsigned.key")

mouse_wiggle() {
    local i
    for i in 1 2 3 4 5; do
        DISPLAY=":$CLI_DISP" xdotool mousemove $((100 + i * 10)) $((100 + i * 7)) 2>/dev/null || true
        sleep 0.3
    done
}

# ------------------------------------------------------------------ scenarios
scn_middlebox_rst_clienthello() {
    TITLE="A router on the path forges a RST when the TLS ClientHello passes (iptables REJECT --reject-with tcp-reset in the FORWARD chain of the router namespace)"
    EXPECT="failure at tls: the RST claims to come from the server (10.203.0.1:3389) but has TTL 64 while the server's own packets arrive with TTL 63 (one routed hop)"
    start_xrdp "${XRDP_TLS[@]}"
    in_wan iptables -A FORWARD -p tcp -d "$SRV_IP" --dport 3389 -m string --algo bm --from 52 --to 60 --hex-string '|160301|' -j REJECT --reject-with tcp-reset
    FW_DESC="router: iptables -A FORWARD -p tcp -d $SRV_IP --dport 3389 -m string --hex-string |160301| -j REJECT --reject-with tcp-reset"
    begin_capture
    run_client fail 30 "${CLI_BASE[@]}" /u:$USER_OK /sec:tls /cert:ignore
}
chk_middlebox_rst_clienthello() {
    check "ClientHello sent" tlsraw 'tls.handshake.type==1' ge 1
    check "RST 'from the server' with TTL 64 (forged by the router)" nego 'tcp.flags.reset==1 && ip.src==10.203.0.1 && ip.ttl==64' ge 1
    check "server's real packets have TTL 63" nego 'ip.src==10.203.0.1 && ip.ttl==63' ge 2
    check "no ServerHello" tlsraw 'tls.handshake.type==2' eq 0
}

midsession_router_reject() {
    in_wan iptables -A FORWARD -p tcp -d "$SRV_IP" --dport 3389 -j REJECT --reject-with tcp-reset
    FW_DESC="after the session is up: router iptables -A FORWARD -p tcp -d $SRV_IP --dport 3389 -j REJECT --reject-with tcp-reset"
    mouse_wiggle
}
scn_middlebox_rst_midsession() {
    TITLE="Established TLS session killed by a RST forged by a router on the path (iptables REJECT --reject-with tcp-reset in the router's FORWARD chain, inserted after the session is up)"
    EXPECT="failure in the active session: Demand Active/Confirm Active done, fast-path output flowing; the client's next input is answered by a RST that claims to be from the server but has TTL 64 (server's packets: 63); the server never sees it"
    start_xrdp "${XRDP_TLS[@]}"
    begin_capture
    MIDSESSION_HOOK=midsession_router_reject
    run_client session 40 "${CLI_BASE[@]}" /u:$USER_OK /sec:tls /cert:ignore
}
chk_middlebox_rst_midsession() {
    check "decrypted: Demand Active PDU (session was up)" tls 'rdp.pduType.type==1' ge 1
    check "RST 'from the server' with TTL 64 (forged by the router)" nego 'tcp.flags.reset==1 && ip.src==10.203.0.1 && ip.ttl==64' ge 1
    check "server's real packets have TTL 63" nego 'ip.src==10.203.0.1 && ip.ttl==63' ge 10
}

midsession_server_reject() {
    in_srv iptables -A INPUT -p tcp --dport 3389 -j REJECT --reject-with tcp-reset
    FW_DESC="after the session is up: server host iptables -A INPUT -p tcp --dport 3389 -j REJECT --reject-with tcp-reset"
    mouse_wiggle
}
scn_server_rst_midsession() {
    TITLE="Established TLS session torn down by a RST from the server host itself (host firewall REJECT inserted after the session is up), one routed hop"
    EXPECT="failure in the active session: the server host's RST arrives with the same TTL (63) as all the server's packets: a genuine server-side reset, not a middlebox"
    start_xrdp "${XRDP_TLS[@]}"
    begin_capture
    MIDSESSION_HOOK=midsession_server_reject
    run_client session 40 "${CLI_BASE[@]}" /u:$USER_OK /sec:tls /cert:ignore
}
chk_server_rst_midsession() {
    check "decrypted: Demand Active PDU (session was up)" tls 'rdp.pduType.type==1' ge 1
    check "RST from the server with TTL 63 (same as its other packets)" nego 'tcp.flags.reset==1 && ip.src==10.203.0.1 && ip.ttl==63' ge 1
    check "no packet from the server with another TTL" nego 'ip.src==10.203.0.1 && ip.ttl!=63' eq 0
}

scn_synack_dropped_at_client() {
    TITLE="The server's SYN-ACKs never reach the client's TCP stack (client-host firewall drops them: iptables INPUT DROP of SYN-ACK from port 3389)"
    EXPECT="failure at tcp: the capture (taken before the client's netfilter) shows SYN, SYN-ACK, SYN retransmissions each answered by a SYN-ACK retransmission, never an ACK; the client times out"
    USES_TLS=0
    start_xrdp "${XRDP_TLS[@]}"
    in_cli iptables -A INPUT -p tcp --sport 3389 --tcp-flags SYN,ACK SYN,ACK -j DROP
    FW_DESC="client host: iptables -A INPUT -p tcp --sport 3389 --tcp-flags SYN,ACK SYN,ACK -j DROP"
    begin_capture
    run_client fail 40 "${CLI_BASE[@]}" /u:$USER_OK /sec:tls /cert:ignore
}
chk_synack_dropped_at_client() {
    check "SYN-ACKs from the server" nego 'tcp.flags.syn==1 && tcp.flags.ack==1 && ip.src==10.203.0.1' ge 2
    check "several SYNs" nego 'tcp.flags.syn==1 && tcp.flags.ack==0' ge 2
    check "no data" nego 'tcp.len>0' eq 0
}

midsession_stop_client_zw() {
    local p
    p=$(awk '$2=="client"{p=$1} END{print p}' "$PIDFILE")
    HOOK_NOTE="SIGSTOP to xfreerdp pid $p for 45 s while the server streams screen updates, then SIGCONT; then the window is closed"
    kill -STOP "$p"
    sleep 45
    kill -CONT "$p"
    sleep 3
    /usr/bin/python3 "$LIB/wm_close.py" ":$CLI_DISP" "$p" >>"$WORK/logs/$SCN.harness.log" 2>&1 || true
}
scn_zero_window_client_stopped() {
    TITLE="Client process frozen (SIGSTOP) for 45 s while the server streams screen updates: its receive window fills (zero window), then it resumes and the user closes the session normally"
    EXPECT="success with a warning: NLA session to freerdp-shadow-cli, server screen busy; the client's kernel advertises a zero window, the server sends zero-window probes with backoff; after SIGCONT the window reopens, the session goes on, the user closes it"
    SERVER_PCAP=1
    start_shadow /sec:nla "/sam-file:$WORK/sam.txt"
    server_screen_activity 25
    # small socket buffers (client receive, server send) keep the capture small:
    # the window fills after ~64 KB and the backlog after SIGCONT is short
    in_cli sysctl -qw net.ipv4.tcp_rmem="4096 16384 65536"
    in_srv sysctl -qw net.ipv4.tcp_wmem="4096 16384 65536"
    begin_capture
    MIDSESSION_HOOK=midsession_stop_client_zw
    HOLD_S=2
    run_client session 90 "${CLI_BASE[@]}" /u:$USER_OK "/p:$PASS_OK" /sec:nla /cert:ignore
}
chk_zero_window_client_stopped() {
    check "decrypted: Demand Active PDU" tls 'rdp.pduType.type==1' ge 1
    check "client advertises a zero window" nego 'tcp.analysis.zero_window && ip.src==10.203.1.2' ge 3
    check "the client's window reopens after SIGCONT (window update)" nego 'tcp.analysis.window_update && ip.src==10.203.1.2' ge 1
    check "the client closes normally (FIN)" nego 'tcp.flags.fin==1 && ip.src==10.203.1.2' ge 1
}

midsession_stop_client_kill() {
    local p
    p=$(awk '$2=="client"{p=$1} END{print p}' "$PIDFILE")
    kill -STOP "$p"
    sleep 40
    kill -KILL "$p"
}
scn_stall_client_hung() {
    TITLE="Client process hangs (SIGSTOP) in an established xrdp session for 40 s, then the user kills it (SIGKILL): the connection is silent, then closed"
    EXPECT="failure (hung client): session up (xrdp login screen, static), then no packet for 40 s, then the client's kernel closes the socket of the killed process (FIN or RST)"
    start_xrdp "${XRDP_TLS[@]}"
    begin_capture
    MIDSESSION_HOOK=midsession_stop_client_kill
    run_client session 80 "${CLI_BASE[@]}" /u:$USER_OK /sec:tls /cert:ignore
}
chk_stall_client_hung() {
    check "decrypted: Demand Active PDU" tls 'rdp.pduType.type==1' ge 1
    check "a silence of >= 30 s" nego 'frame.time_delta_displayed >= 30' ge 1
}

scn_dns_refused() {
    TITLE="DNS: the lab DNS server (dnsmasq 2.90) must forward .lab to an upstream it cannot reach (no route): it answers REFUSED (EDE: network error)"
    EXPECT="failure at dns: A/AAAA queries for rdp-srv.lab answered with rcode 5 (REFUSED); no TCP"
    USES_TLS=0
    start_xrdp "${XRDP_TLS[@]}"
    spawn dnsmasq "$WORK/logs/$SCN.dnsmasq.stdout" ip netns exec "$NS_SRV" dnsmasq --keep-in-foreground \
        --conf-file=/dev/null --pid-file="$WORK/logs/$SCN.dnsmasq.pid" --user=root \
        --no-resolv --no-hosts --no-poll --bind-interfaces --listen-address="$SRV_IP" \
        --server=/lab/192.0.2.53 --log-queries --log-facility="$OUT/$SCN.dns.log"
    DNS_PID=$LAST_PID
    DNS_DESC="dnsmasq on $SRV_IP:53, --server=/lab/192.0.2.53 (unroutable upstream)"
    sleep 1
    cli_resolver_set "$SRV_IP"
    begin_capture
    run_client fail 40 /v:rdp-srv.lab /size:640x480 /log-level:INFO /u:$USER_OK /sec:tls /cert:ignore
}
chk_dns_refused() {
    check "DNS queries for rdp-srv.lab" nego 'dns.flags.response==0 && dns.qry.name=="rdp-srv.lab"' ge 1
    check "REFUSED answers" nego 'dns.flags.response==1 && dns.flags.rcode==5' ge 1
    check "no TCP" nego 'tcp' eq 0
    check_log "dnsmasq logged the REFUSED" "$OUT/$SCN.dns.log" 'is REFUSED'
}

scn_dns_servfail() {
    TITLE="DNS: the client's DNS server answers SERVFAIL (rcode 2) for the server name (a minimal Python responder standing in for a broken recursive resolver; client resolver and queries are real)"
    EXPECT="failure at dns: A/AAAA queries for rdp-srv.lab (glibc stub resolver of xfreerdp) answered with rcode 2 (SERVFAIL); no TCP"
    USES_TLS=0
    start_xrdp "${XRDP_TLS[@]}"
    spawn dns-servfail "$OUT/$SCN.dns.log" ip netns exec "$NS_SRV" /usr/bin/python3 "$HERE/servfail_dns.py" "$SRV_IP"
    DNS_PID=$LAST_PID
    DNS_DESC="lab/servfail_dns.py on $SRV_IP:53: answers every query with SERVFAIL"
    sleep 1
    cli_resolver_set "$SRV_IP"
    begin_capture
    run_client fail 40 /v:rdp-srv.lab /size:640x480 /log-level:INFO /u:$USER_OK /sec:tls /cert:ignore
}
chk_dns_servfail() {
    check "DNS queries for rdp-srv.lab" nego 'dns.flags.response==0 && dns.qry.name=="rdp-srv.lab"' ge 1
    check "SERVFAIL answers" nego 'dns.flags.response==1 && dns.flags.rcode==2' ge 1
    check "no TCP" nego 'tcp' eq 0
}

midsession_outage() {
    in_wan iptables -A FORWARD -j DROP
    FW_DESC="after the session is up: router iptables -A FORWARD -j DROP for 40 s, then removed; then xrdp is stopped"
    sleep 40
    in_wan iptables -F FORWARD
    sleep 1
    stop_server
    sleep 1
}
scn_stall_network_outage() {
    TITLE="Network outage in an established xrdp session: the router drops everything for 40 s; the client's TCP keep-alives go unanswered and its kernel aborts the connection; after the outage the server closes its side. The stall is seen in the server-side capture"
    EXPECT="server-side capture: session up, then 40 s without a single packet, then the server's FIN and the client host's RST (its socket is gone). Client-side capture: keep-alive probes every 5 s without answer"
    SERVER_PCAP=1
    start_xrdp "${XRDP_TLS[@]}"
    begin_capture
    MIDSESSION_HOOK=midsession_outage
    run_client session 90 "${CLI_BASE[@]}" /u:$USER_OK /sec:tls /cert:ignore
}
chk_stall_network_outage() {
    check "decrypted: Demand Active PDU" tls 'rdp.pduType.type==1' ge 1
    check "server side: a silence of >= 30 s" nego 'frame.time_delta >= 30' ge 1 "$OUT/$SCN.server.pcap"
    check "client side: unanswered keep-alives, then the client's kernel aborts (RST)" nego 'tcp.analysis.keep_alive && ip.src==10.203.1.2' ge 2
    check_log "client: Connection timed out" "$OUT/$SCN.client.log" 'Connection timed out' 
}

scn_nla_ext_refused() {
    TITLE="Extended NLA (PROTOCOL_HYBRID_EX) against freerdp-shadow-cli 2.11 /sec:ext: the server refuses with a failure code that contradicts the request"
    EXPECT="failure at negotiation: the client (/sec:ext) requests SSL|HYBRID|HYBRID_EX; the server, with only its 'ext' security enabled, answers RDP_NEG_FAILURE SSL_REQUIRED_BY_SERVER although TLS was offered (server log: 'server supports only a SSL based Security (TLS or NLA)', 'Protocol security negotiation failure'); the client reports ERRCONNECT_SECURITY_NEGO_CONNECT_FAILED"
    start_shadow /sec:ext "/sam-file:$WORK/sam.txt"
    begin_capture
    run_client fail 30 "${CLI_BASE[@]}" /u:$USER_OK "/p:$PASS_OK" /sec:ext /cert:ignore
}
chk_nla_ext_refused() {
    check "client requested SSL|HYBRID|HYBRID_EX" nego 'rdp.negReq.requestedProtocols==0xb' ge 1
    check "RDP_NEG_FAILURE SSL_REQUIRED_BY_SERVER (1)" nego 'rdp.neg_type==3 && rdp.negFailure.failureCode==1' ge 1
    check_log "server log: protocol security negotiation failure" "$OUT/$SCN.server.log" 'Protocol security negotiation failure'
    check_log "client: ERRCONNECT_SECURITY_NEGO_CONNECT_FAILED" "$OUT/$SCN.client.log" 'ERRCONNECT_SECURITY_NEGO_CONNECT_FAILED'
}

midsession_stop_shadow() {
    kill -INT "$SRV_PID"
    HOOK_NOTE="SIGINT to freerdp-shadow-cli pid $SRV_PID"
    sleep 4
}
scn_shadow_server_stopped() {
    TITLE="The RDP server (freerdp-shadow-cli) is stopped (SIGINT) while a TLS session is active: what does it send?"
    EXPECT="failure in the active session (server shut down); look for Set Error Info / Deactivate All / Disconnect Provider Ultimatum"
    start_shadow /sec:tls
    server_screen_activity 20
    begin_capture
    MIDSESSION_HOOK=midsession_stop_shadow
    HOLD_S=2
    run_client session 40 "${CLI_BASE[@]}" /sec:tls /cert:ignore
}
chk_shadow_server_stopped() {
    check "decrypted: Demand Active PDU" tls 'rdp.pduType.type==1' ge 1
}

# ------------------------------------------------------------------ runner
run_one() {
    SCN=$1
    TITLE= EXPECT= FW_DESC= DNS_DESC= SERVER_PCAP=0 USES_TLS=1 CAPTURE_LO=0 CAPTURE_IF=
    MIDSESSION_HOOK= HOLD_S=4 CLIENT_NS= CLIENT_STDIN_TEXT= CLIENT_ENV=() XRDP_ENV=() XRDP_RUNAS=
    ACTIVITY_PID= HOOK_NOTE= RDP_PORT=3389 CERT_USED= DNS_PID= CAPTURE_DESC= CLIENT_CMD= SERVER_DESC= HARNESS_ACTION=
    rm -f "$OUT/$SCN".* "$WORK/logs/$SCN".*
    log "=== $SCN"
    topo_router_up
    "scn_$SCN"
    cap_stop
    stop_server
    stop_dns
    [[ -n $ACTIVITY_PID ]] && stop_pid "$ACTIVITY_PID" TERM 2
    topo_down
    truth_begin
    cat >>"$TRUTH" <<EOF
scenario: $SCN
title: $TITLE
expected: $EXPECT
verdict: PENDING
generated: $(date -u +%Y-%m-%dT%H:%M:%SZ) by rdpdiag lab/extra_captures.sh (real implementations, nothing hand-crafted)
client: $(client_desc) in ns $NS_CLI ($CLI_IP), via router ns $NS_WAN
client_command: $CLIENT_CMD
server: ${SERVER_DESC:-}
dns: ${DNS_DESC:-none}
firewall: ${FW_DESC:-none}
harness: $HARNESS_ACTION ${HOOK_NOTE:-}
capture: $CAPTURE_DESC

== checks ==
EOF
    "chk_$SCN"
    truth_finish
    truth_verdict
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    for p in "${CAP_PIDS[@]}"; do stop_pid "$p" INT 3; done
    [[ -n ${SRV_PID:-} ]] && stop_pid "$SRV_PID" TERM 3
    [[ -n ${DNS_PID:-} ]] && stop_pid "$DNS_PID" TERM 3
    [[ -n ${ACTIVITY_PID:-} ]] && stop_pid "$ACTIVITY_PID" TERM 3
    for p in "${XVFB_PIDS[@]}"; do stop_pid "$p" TERM 3; done
    reap_stale
    topo_down
    exit $rc
}

main() {
    mkdir -p "$WORK"/{logs,conf,home} "$OUT"
    PIDFILE="$WORK/pids.running"
    reap_stale
    rm -rf "$WORK/shadowhome" && mkdir -p "$WORK/shadowhome"
    if [[ ! -f $WORK/sslkeylog.so ]]; then
        gcc -shared -fPIC -O2 -Wall -o "$WORK/sslkeylog.so" "$LIB/sslkeylog.c" -ldl
    fi
    make_cert
    winpr-hash -u "$USER_OK" -p "$PASS_OK" -f sam >"$WORK/sam.txt"
    trap cleanup EXIT INT TERM
    start_displays
    local s scns=("$@")
    ((${#scns[@]})) || scns=("${SCENARIOS[@]}")
    for s in "${scns[@]}"; do run_one "$s"; done
}

main "$@"
