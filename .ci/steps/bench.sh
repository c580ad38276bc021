#!/usr/bin/env bash
# The performance comparison of issue 9, short: the whole of
# `cargo bench -p omnimetrics-bench` (the floor, #[autometrics] with the std
# and the fast clock, the autometrics crate with both backends, prometheus,
# prometheus-client and measured by hand, two threads, encoding 1,000 and
# 10,000 series) with reduced sample counts, so that it keeps compiling and
# running and prints the goals' ratios. It asserts nothing about time: on a
# shared CI machine the figures are indicative only; BENCHMARKS.md has the
# figures of a full run on a quiet machine. The driver does fail on what is
# not a time: an encode that allocates, or a run that produced no figures.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
start=$SECONDS

# Instruction counts (callgrind) where valgrind is installed: repeatable
# whatever the load, unlike the timings.
if command -v valgrind >/dev/null 2>&1; then
    bench/callgrind.sh 2000
fi

cargo bench --locked -p omnimetrics-bench -- \
    --warm-up-time 0.2 --measurement-time 0.4 --sample-size 10

echo "bench step: $((SECONDS - start)) s"
