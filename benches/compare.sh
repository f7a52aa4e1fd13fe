#!/usr/bin/env bash
# Benchmark rdpdiag against `cat` and tshark on one large mixed capture.
#
#   benches/compare.sh [FILE]          (default: target/bench/mixed.pcap, generated if absent)
#
# Environment: SIZE_MB (generated file size, default 1100), RUNS (runs of the
# fast commands, best kept; default 3), TSHARK_RUNS (default 1; 0 skips
# tshark), KEEP=1 keeps a generated file. Needs /usr/bin/time (Debian
# package `time`) and tshark. Run it un-niced on an idle machine: wall
# times on a shared machine measure the neighbours too, so CPU times
# (user+sys) are reported next to them.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE_MB=${SIZE_MB:-1100}
RUNS=${RUNS:-3}
TSHARK_RUNS=${TSHARK_RUNS:-1}
TARGET=${CARGO_TARGET_DIR:-target}
FILE=${1:-$TARGET/bench/mixed.pcap}

if [ ! -x /usr/bin/time ]; then
  echo "compare.sh: /usr/bin/time is missing (apt-get install time)" >&2
  exit 2
fi
cargo build -q --release --bin rdpdiag --example gencap
RDPDIAG=$TARGET/release/rdpdiag
generated=0
if [ ! -f "$FILE" ]; then
  mkdir -p "$(dirname "$FILE")"
  "$TARGET/release/examples/gencap" "$FILE" --size-mb "$SIZE_MB" captures ../shared/captures
  generated=1
fi
size=$(stat -c %s "$FILE")
# Warm the page cache so every command reads from memory.
cat "$FILE" > /dev/null

tmp=$(mktemp)
trap 'rm -f "$tmp"; if [ $generated = 1 ] && [ "${KEEP:-0}" != 1 ]; then rm -f "$FILE"; fi' EXIT

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

measure cat "$RUNS" sh -c "cat '$FILE' > /dev/null"
measure rdpdiag "$RUNS" "$RDPDIAG" analyze "$FILE"
names=(cat rdpdiag)
if [ "$TSHARK_RUNS" -gt 0 ] && command -v tshark > /dev/null; then
  measure "tshark-iostat" "$TSHARK_RUNS" tshark -r "$FILE" -q -z io,stat,0
  measure "tshark-rdp" "$TSHARK_RUNS" tshark -r "$FILE" -d tcp.port==3389,tpkt -Y rdp
  names+=(tshark-iostat tshark-rdp)
fi

echo
echo "file: $FILE ($((size / 1000000)) MB), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
printf "%-15s %9s %9s %10s %10s %9s %9s\n" command wall_s cpu_s MB/s_wall "x cat" "x cat cpu" rss_MB
for n in "${names[@]}"; do
  w=${WALL[$n]} c=${CPU[$n]}
  rate=$(calc "$size / 1000000 / ($w + 0.0001)")
  xr=$(calc "$w / (${WALL[cat]} + 0.0001)")
  xc=$(calc "$c / (${CPU[cat]} + 0.0001)")
  printf "%-15s %9.2f %9.2f %10.0f %10.1f %9.1f %9.1f\n" "$n" "$w" "$c" "$rate" "$xr" "$xc" "$(calc "${RSS[$n]} / 1024")"
done
echo
echo "targets: rdpdiag within 7x of cat (wall), peak RSS <= 64 MB"
