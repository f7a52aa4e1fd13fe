#!/bin/sh
# Run fuzz targets one after another (never in parallel: shared cores).
#
# Usage: fuzz/run-all.sh [--fresh] SECONDS [TARGET...|parsers|pipeline|all]
#        fuzz/run-all.sh --smoke SECONDS [TARGET...|all]
#
# Default targets: every parser target. Each target's corpus stays in
# fuzz/corpus/<target>/ between runs (seed it with fuzz/seeds.py). Logs go to
# fuzz/logs/<target>.log, a line per finished run to fuzz/logs/summary.txt,
# crash inputs to fuzz/artifacts/<target>/.
#
# Resumable: a campaign is the budget and target list of one invocation,
# recorded in fuzz/logs/campaign.txt with one line per target that ran its
# whole budget clean. Run the same command again after an interruption
# (Ctrl-C, reboot) and the finished targets are skipped; a target that
# crashed or was interrupted runs again (from its kept corpus). A different
# budget or target list starts a new campaign (the old file is kept as
# campaign-<time>.txt); --fresh starts a new one anyway.
#
# --smoke: CI's harness-rot check. Runs each target's already built binary
# (cargo fuzz build -a -s none --features pipeline) for SECONDS from a
# throwaway corpus holding the saved regression inputs; no campaign, no kept
# corpus; exits non-zero when a target fails.
set -u
cd "$(dirname "$0")"

PARSERS="tpkt_x224 nego mcs_gcc rdp_pdu tls_x509 auth rdpeudp dns rdg"
PIPELINE="capture_reader flow_engine analyze tls_decrypt keylog config redact probe_replies pcapng_dsb gzip_damaged"

fresh=0
smoke=0
case ${1:-} in
--fresh) fresh=1; shift ;;
--smoke) smoke=1; shift ;;
esac
secs=${1:-600}
shift 2>/dev/null || true
targets=${*:-parsers}
case $targets in
parsers) targets=$PARSERS ;;
pipeline) targets=$PIPELINE ;;
all) targets="$PARSERS $PIPELINE" ;;
esac

# Per-target flags: the pipeline targets take whole captures (the largest
# real one is just under 1 MiB), the parser targets one PDU.
flags() {
    case " $PIPELINE " in
    *" $1 "*) echo "--features pipeline|-max_len=1100000" ;;
    *) echo "|-max_len=16384" ;;
    esac
}

# Where the saved crash inputs of a target live (replayed by cargo test).
regressions() {
    case " $PIPELINE " in
    *" $1 "*) echo "../tests/fuzz_regressions/$1" ;;
    *) echo "../parsers/tests/fuzz_regressions/$1" ;;
    esac
}

if [ "$smoke" = 1 ]; then
    bin=target/x86_64-unknown-linux-gnu/release
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    failed=""
    for t in $targets; do
        mkdir -p "$tmp/$t"
        reg=$(regressions "$t")
        [ -d "$reg" ] && cp "$reg"/* "$tmp/$t/" 2>/dev/null
        max_len=$(flags "$t" | cut -d'|' -f2)
        mkdir -p "artifacts/$t"
        start=$(date +%s)
        if "$bin/$t" "$tmp/$t" -max_total_time="$secs" "$max_len" -timeout=10 \
            -rss_limit_mb=1024 -artifact_prefix="artifacts/$t/" >"$tmp/$t.log" 2>&1; then
            echo "fuzz smoke: $t clean ($(($(date +%s) - start)) s, $(grep -o 'Done [0-9]* runs' "$tmp/$t.log"))"
        else
            echo "fuzz smoke: $t FAILED; last lines of its log:"
            tail -n 30 "$tmp/$t.log"
            failed="$failed $t"
        fi
    done
    [ -z "$failed" ] || { echo "fuzz smoke failed:$failed"; exit 1; }
    exit 0
fi

mkdir -p logs
campaign=logs/campaign.txt
header="campaign secs=$secs targets=$(echo $targets)"
if [ -f "$campaign" ] && { [ "$fresh" = 1 ] || [ "$(head -n 1 "$campaign")" != "$header" ]; }; then
    mv "$campaign" "logs/campaign-$(date -u +%Y%m%dT%H%M%SZ).txt"
fi
if [ ! -f "$campaign" ]; then
    echo "$header" >"$campaign"
    echo "started $(date -u +%FT%TZ)" >>"$campaign"
fi

for t in $targets; do
    if grep -q "^done $t " "$campaign"; then
        echo "$t: already ran its ${secs}s in this campaign ($campaign), skipped"
        continue
    fi
    f=$(flags "$t")
    features=${f%%|*}
    max_len=${f#*|}
    mkdir -p "corpus/$t"
    start=$(date -u +%FT%TZ)
    # shellcheck disable=SC2086 # $features is empty or two words
    RUSTC_BOOTSTRAP=1 nice -n 10 cargo fuzz run -a -s none $features "$t" "corpus/$t" -- \
        -max_total_time="$secs" "$max_len" -timeout=10 -rss_limit_mb=1024 -print_final_stats=1 \
        >"logs/$t.log" 2>&1
    rc=$?
    runs=$(grep -o 'Done [0-9]* runs' "logs/$t.log" | tail -n 1)
    echo "$t start=$start end=$(date -u +%FT%TZ) secs=$secs rc=$rc ${runs:-} load=\"$(cut -d' ' -f1-3 /proc/loadavg)\"" |
        tee -a logs/summary.txt
    if [ "$rc" = 0 ]; then
        echo "done $t $(date -u +%FT%TZ) ${runs:-}" >>"$campaign"
    elif [ "$rc" -gt 128 ]; then
        # Interrupted (SIGINT/SIGTERM): stop here; rerun to resume.
        echo "interrupted at $t; run the same command again to resume"
        exit "$rc"
    fi
done
