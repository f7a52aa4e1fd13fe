#!/usr/bin/env bash
# Benchmark rdpdiag against `cat`, tshark and nDPI on mixed captures of
# several sizes, then measure its peak memory on two stress captures.
#
#   benches/compare.sh [FILE]     (default: generated mixed captures of $SIZES MB)
#
# Every command of one size runs on the same file, from the page cache, in
# one go. rdpdiag runs `analyze` with the text report, `--format json`, and
# `--format jsonl` when the binary knows it (a format it rejects is skipped).
#
# Environment:
#   SIZES        generated sizes in MB (default "128 1024"; "128 1024 4096"
#                for the 4 GB point: needs 4 GB free in $BENCH_DIR)
#   BENCH_DIR    where generated files go (default target/bench); each is
#                deleted after its size unless KEEP=1
#   RUNS         runs of the fast commands, best kept (default 3)
#   TSHARK_RUNS  runs of tshark and ndpiReader (default 1; 0 skips them)
#   STRESS_N     flows of the stress captures (default 1000000; 0 skips them)
#   SLOW         spread the generated mixes' synthetic traffic SLOW times
#                wider in capture time (gencap --slow; default 1: a 1 GB mix
#                spans 76 s, where nothing is final before the end of the
#                file; SLOW=50 spreads it over an hour, as a real capture of
#                a busy server is, and shows what streaming the text report
#                and JSON lines saves)
#
# Needs /usr/bin/time (Debian `time`); tshark (`tshark`) and ndpiReader
# (`libndpi-bin`) are used when installed. Wall times on a shared machine
# measure the neighbours too, so CPU times (user+sys) are reported next to
# them, with the load average.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=${SIZES:-"128 1024"}
RUNS=${RUNS:-3}
TSHARK_RUNS=${TSHARK_RUNS:-1}
STRESS_N=${STRESS_N:-1000000}
TARGET=${CARGO_TARGET_DIR:-target}
BENCH_DIR=${BENCH_DIR:-$TARGET/bench}

if [ ! -x /usr/bin/time ]; then
  echo "compare.sh: /usr/bin/time is missing (apt-get install time)" >&2
  exit 2
fi
cargo build -q --release --bin rdpdiag --example gencap
RDPDIAG=$TARGET/release/rdpdiag
GENCAP=$TARGET/release/examples/gencap
mkdir -p "$BENCH_DIR"

tmp=$(mktemp)
generated=""
cleanup() {
  rm -f "$tmp"
  if [ -n "$generated" ] && [ "${KEEP:-0}" != 1 ]; then rm -f "$generated"; fi
}
trap cleanup EXIT

calc() { awk "BEGIN { print ($1) }"; }

# measure NAME RUNS CMD...: best wall and CPU time, peak RSS (KiB) over the runs.
declare -A WALL CPU RSS
measure() {
  local name=$1 runs=$2
  shift 2
  local best_wall="" best_cpu="" max_rss=0
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %U %S %M" -o "$tmp" "$@" > /dev/null 2>&1 || true
    read -r wall user sys rss < <(tail -1 "$tmp")
    cpu=$(calc "$user + $sys")
    if [ -z "$best_wall" ] || [ "$(calc "$wall < $best_wall")" = 1 ]; then best_wall=$wall; fi
    if [ -z "$best_cpu" ] || [ "$(calc "$cpu < $best_cpu")" = 1 ]; then best_cpu=$cpu; fi
    if (( rss > max_rss )); then max_rss=$rss; fi
  done
  WALL[$name]=$best_wall
  CPU[$name]=$best_cpu
  RSS[$name]=$max_rss
}

# Formats this binary accepts (a tiny capture is enough to ask): exit 2 is
# a usage error; 0 and 1 are verdicts.
probe_file="$BENCH_DIR/probe.pcap"
"$GENCAP" "$probe_file" --scan 10 2> /dev/null
formats=(text)
for f in json jsonl; do
  rc=0
  "$RDPDIAG" --no-config analyze "$probe_file" --format "$f" > /dev/null 2>&1 || rc=$?
  if [ "$rc" != 2 ]; then formats+=("$f"); fi
done
rm -f "$probe_file"

bench_file() {
  local file=$1 size
  size=$(stat -c %s "$file")
  cat "$file" > /dev/null # warm the page cache
  WALL=() CPU=() RSS=()
  local names=(cat)
  measure cat "$RUNS" sh -c "cat '$file' > /dev/null"
  for f in "${formats[@]}"; do
    if [ "$f" = text ]; then
      measure "rdpdiag" "$RUNS" "$RDPDIAG" --no-config analyze "$file"
      names+=(rdpdiag)
    else
      measure "rdpdiag-$f" "$RUNS" "$RDPDIAG" --no-config analyze "$file" --format "$f"
      names+=("rdpdiag-$f")
    fi
  done
  if [ "$TSHARK_RUNS" -gt 0 ] && command -v tshark > /dev/null; then
    measure "tshark-iostat" "$TSHARK_RUNS" tshark -r "$file" -q -z io,stat,0
    measure "tshark-rdp" "$TSHARK_RUNS" tshark -r "$file" -d tcp.port==3389,tpkt -Y rdp
    names+=(tshark-iostat tshark-rdp)
  fi
  if [ "$TSHARK_RUNS" -gt 0 ] && command -v ndpiReader > /dev/null; then
    measure "ndpiReader" "$TSHARK_RUNS" ndpiReader -i "$file" -q
    names+=(ndpiReader)
  fi
  echo
  echo "file: $file ($((size / 1000000)) MB), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
  printf "%-15s %9s %9s %10s %9s %10s %9s %9s\n" command wall_s cpu_s MB/s_wall MB/s_cpu "x cat" "x cat cpu" rss_MB
  for n in "${names[@]}"; do
    local w=${WALL[$n]} c=${CPU[$n]}
    printf "%-15s %9.2f %9.2f %10.0f %9.0f %10.1f %9.1f %9.1f\n" "$n" "$w" "$c" \
      "$(calc "$size / 1000000 / ($w + 0.0001)")" "$(calc "$size / 1000000 / ($c + 0.0001)")" \
      "$(calc "$w / (${WALL[cat]} + 0.0001)")" "$(calc "$c / (${CPU[cat]} + 0.0001)")" \
      "$(calc "${RSS[$n]} / 1024")"
  done
}

if [ $# -ge 1 ]; then
  bench_file "$1"
else
  for mb in $SIZES; do
    file="$BENCH_DIR/mixed-$mb${SLOW:+-slow$SLOW}.pcap"
    if [ ! -f "$file" ]; then
      generated=$file
      "$GENCAP" "$file" --size-mb "$mb" --slow "${SLOW:-1}" captures ../shared/captures
    fi
    bench_file "$file"
    if [ "$generated" = "$file" ] && [ "${KEEP:-0}" != 1 ]; then rm -f "$file"; generated=""; fi
  done
fi

# Peak memory on port scans (SYN-only probes: to 3389 each one is an RDP
# attempt with a record and a verdict; to 445 only the flow table sees them)
# and on connections with data that never close (port 443).
if [ "$STRESS_N" -gt 0 ]; then
  echo
  echo "stress: $STRESS_N flows each, load $(cut -d' ' -f1-3 /proc/loadavg)"
  printf "%-28s %8s %9s %9s\n" capture file_MB cpu_s rss_MB
  for spec in scan:3389 scan:445 open:443; do
    kind=${spec%:*} port=${spec#*:}
    file="$BENCH_DIR/stress-$kind-$port.pcap"
    generated=$file
    "$GENCAP" "$file" "--$kind" "$STRESS_N" --port "$port" 2> /dev/null
    for f in "${formats[@]}"; do
      measure "$spec-$f" 1 "$RDPDIAG" --no-config analyze "$file" --format "$f"
      printf "%-28s %8d %9.2f %9.1f\n" "$kind $port ($f)" "$(($(stat -c %s "$file") / 1000000))" \
        "${CPU[$spec-$f]}" "$(calc "${RSS[$spec-$f]} / 1024")"
    done
    rm -f "$file"
    generated=""
  done
fi
echo
echo "targets: >= 1 GB/s text on one core (MB/s_cpu), peak RSS <= 64 MB on the stress captures"
