#!/usr/bin/env bash
# Instructions per call of each variant, by callgrind (counts, not time:
# the same whatever else the machine does), counted inside the calling
# loop only, the loop's own few instructions included.
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
