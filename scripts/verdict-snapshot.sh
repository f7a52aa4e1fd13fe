#!/usr/bin/env bash
# Snapshot every verdict rdpdiag gives on every capture we have, so a refactor
# can be checked byte-for-byte:
#   scripts/verdict-snapshot.sh BIN OUTDIR      (run before and after)
#   diff -r before/ after/                      (must print nothing)
# Each capture is analyzed as JSON and as verbose text, without keys, and with
# its key log when one sits beside it (NAME.keys.txt); a sidecar's `port = N`
# is passed as --port N.
set -uo pipefail
bin=${1:?usage: verdict-snapshot.sh BIN OUTDIR}
out=${2:?usage: verdict-snapshot.sh BIN OUTDIR}
root=$(cd "$(dirname "$0")/.." && pwd)
shared=$(cd "${RDPDIAG_SHARED:-$root/../shared}" 2>/dev/null && pwd || echo /nonexistent)
mkdir -p "$out"
find "$root/captures" "$shared/captures" -type f \
  \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' -o -name '*.pcap.gz' -o -name '*.pcapng.gz' \) 2>/dev/null |
  sort | while read -r f; do
    rel=${f#"$root/"}
    rel=${rel#"$shared/"}
    tag=$(printf '%s' "$rel" | tr '/' '_')
    stem=${f%.gz}; stem=${stem%.*}
    args=()
    side="$stem.expect.toml"
    [ -f "$side" ] || side="${f}.expect.toml"
    if [ -f "$side" ]; then
      p=$(sed -n 's/^port *= *\([0-9]*\).*/\1/p' "$side" | head -1)
      [ -n "$p" ] && args+=(--port "$p")
    fi
    runs=("plain")
    [ -f "$stem.keys.txt" ] && runs+=("keys")
    for r in "${runs[@]}"; do
      k=()
      [ "$r" = keys ] && k=(--keylog "$stem.keys.txt")
      # --no-config: the developer's own config file must not colour the result.
      # Output paths are replaced by a stable name so two checkouts compare.
      SSLKEYLOGFILE= "$bin" --no-config analyze --format json "${args[@]}" "${k[@]}" "$f" 2>&1 </dev/null |
        sed "s#$root/##g; s#$shared/##g" >"$out/$tag.$r.json"
      echo "exit ${PIPESTATUS[0]}" >>"$out/$tag.$r.json"
      SSLKEYLOGFILE= "$bin" --no-config analyze -v --color never "${args[@]}" "${k[@]}" "$f" 2>&1 </dev/null |
        sed "s#$root/##g; s#$shared/##g" >"$out/$tag.$r.txt"
    done
  done
echo "snapshot: $(ls "$out" | wc -l) files in $out"
