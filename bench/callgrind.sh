#!/usr/bin/env bash
# Instructions per call of each variant, by callgrind (counts, not time:
# the same whatever else the machine does), counted inside the calling
# loop only, the loop's own few instructions included.
# Then the same for encoding: instructions per series of each encoder over
# the encoding benchmark's family of 1,000 and 10,000 series, counted inside
# the encoding loop only (`ENCODE_ROUNDS` encodes, default 2).
# Usage: bench/callgrind.sh [calls]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-20000}
cargo build --release -q -p omnimetrics-bench --example hot_path
dir=${CARGO_TARGET_DIR:-target}
exe="$dir/release/examples/hot_path"
total() { # variant count [fast]: instructions inside the measured loop
    valgrind --tool=callgrind --callgrind-out-file=/dev/null \
        --toggle-collect='hot_path::run_loop' "$exe" "$@" 2>&1 \
        | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
per_call() { # variant [fast]
    local v=$1; shift
    echo $(($(total "$v" "$n" "$@") / n))
}
printf '%-32s %8s %8s\n' variant "instr" "added"
for clock in std fast; do
    extra=()
    [ "$clock" = fast ] && extra=(fast)
    bare=$(per_call bare "${extra[@]}")
    printf '%-32s %8s\n' "bare ($clock)" "$bare"
    variants=(floor omnimetrics omnimetrics_nested)
    [ "$clock" = std ] && variants+=(floor_instant autometrics_prometheus_client measured prometheus prometheus_client)
    for v in "${variants[@]}"; do
        c=$(per_call "$v" "${extra[@]}")
        printf '%-32s %8s %8s\n' "$v ($clock)" "$c" "$((c - bare))"
    done
done

rounds=${ENCODE_ROUNDS:-2}
encode_total() { # encoder series: instructions inside the encoding loop
    valgrind --tool=callgrind --callgrind-out-file=/dev/null \
        --toggle-collect='hot_path::encode_loop' "$exe" "encode_$1" "$rounds" "$2" 2>&1 \
        | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
echo
printf '%-32s %12s %12s\n' "encoder" "1,000 series" "10,000"
for e in omnimetrics omnimetrics_openmetrics floor measured prometheus_client prometheus; do
    printf '%-32s' "$e"
    for series in 1000 10000; do
        printf ' %12s' "$(($(encode_total "$e" "$series") / (rounds * series)))"
    done
    printf '\n'
done
echo "(instructions per series)"
