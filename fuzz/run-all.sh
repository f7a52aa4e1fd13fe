#!/bin/sh
# Run fuzz targets one after another (never in parallel: shared cores).
# Usage: fuzz/run-all.sh SECONDS [TARGET...]   (default: every parser target)
# Logs go to fuzz/logs/<target>.log; crash inputs to fuzz/artifacts/<target>/.
set -u
cd "$(dirname "$0")"
secs=${1:-600}
shift 2>/dev/null || true
targets=${*:-"tpkt_x224 nego mcs_gcc rdp_pdu tls_x509 auth rdpeudp dns rdg"}
mkdir -p logs
for t in $targets; do
    features=""
    case $t in capture_reader|flow_engine|analyze) features="--features pipeline" ;; esac
    mkdir -p "corpus/$t"
    start=$(date -u +%FT%TZ)
    RUSTC_BOOTSTRAP=1 nice -n 10 cargo fuzz run -a -s none $features "$t" "corpus/$t" -- \
        -max_total_time="$secs" -max_len=16384 -timeout=10 -rss_limit_mb=1024 -print_final_stats=1 \
        >"logs/$t.log" 2>&1
    rc=$?
    echo "$t start=$start end=$(date -u +%FT%TZ) secs=$secs rc=$rc" | tee -a logs/summary.txt
done
