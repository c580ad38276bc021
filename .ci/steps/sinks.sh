#!/usr/bin/env bash
# CI step for omnimetrics-sinks (issue 3): installs the independent tools
# the sinks are checked against, then runs lints, all tests with the real
# tools (promtool, Python prometheus_client), the thumbv6m no-alloc build,
# the size report, the frame decoder fuzz target for a bounded time, and
# the encode benchmark in quick mode (timings are printed, not asserted).
#
# Environment: FUZZ_SECONDS (default 60), BENCH=0 to skip the benchmark.
set -euo pipefail
# shellcheck source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

CARGO_FUZZ_VERSION=0.13.1
FUZZ_SECONDS="${FUZZ_SECONDS:-60}"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
started=$SECONDS
step() { printf '\n==> [%4ds] %s\n' "$(( SECONDS - started ))" "$*"; }

step "tools"
if ! command -v promtool >/dev/null; then
    apt_install prometheus
fi
promtool --version 2>&1 | head -n1
pip_prometheus_client
rustup target add thumbv6m-none-eabi
rustup component add llvm-tools
if ! cargo fuzz --version 2>/dev/null | grep -q " $CARGO_FUZZ_VERSION\$"; then
    cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
fi
cargo fuzz --version

step "format, clippy, docs"
cargo fmt -p omnimetrics-sinks -- --check
cargo clippy -p omnimetrics-sinks --all-targets -- -D warnings
cargo clippy -p omnimetrics-sinks --all-targets --all-features -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc -p omnimetrics-sinks --no-deps --all-features

step "tests, with the real tools"
OMNIMETRICS_REAL_TOOLS=1 cargo test -p omnimetrics-sinks --all-features
# Without features too: the encoders and their doctests need no alloc.
cargo test -p omnimetrics-sinks

step "thumbv6m-none-eabi, no alloc"
cargo build -p omnimetrics-sinks --target thumbv6m-none-eabi --no-default-features
cargo build -p omnimetrics-sinks --target thumbv6m-none-eabi --no-default-features --release

step "size report"
sinks/size-report/report.sh

step "fuzz the frame decoder for ${FUZZ_SECONDS}s"
scratch="$(mktemp -d)"
log="$(mktemp)"
trap 'rm -rf "$scratch" "$log"' EXIT
# New inputs go to the scratch directory; the committed corpus is read
# only. A crash fails the run and leaves its input in sinks/fuzz/artifacts.
if ! (cd sinks/fuzz && cargo +nightly fuzz run decode --target-dir "$root/target/sinks-fuzz" \
    "$scratch" corpus/decode -- -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 >"$log" 2>&1); then
    tail -n 80 "$log" >&2
    exit 1
fi
grep -E '^(Done|stat::number_of_executed_units|stat::peak_rss_mb|INFO: seed corpus)' "$log" || true

if [[ "${BENCH:-1}" != 0 ]]; then
    step "benchmark (quick: prints cost per series, asserts nothing)"
    cargo bench -p omnimetrics-sinks --bench encode -- --quick --warm-up-time 1 --measurement-time 1 |
        grep -E '^(text|frames)/|^ +time:|ns/series|mean encode'
fi

step "done in $(( SECONDS - started ))s"
