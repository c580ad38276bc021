#!/usr/bin/env bash
# omnimetrics bridge (issue 8, the host side), after .ci/steps/firmware.sh:
# - the micro:bit firmware runs in QEMU with its UART on a TCP socket the
#   bridge connects to, the LM3S6965 capture is piped into the bridge's
#   stdin, and a copy of the micro:bit capture damaged on purpose is read
#   from a file; a real Prometheus scrapes the bridge, and each function's
#   call and error totals must equal the firmware's own counts, the damaged
#   stream's bad frames must be counted one by one (tests/bridge_qemu.rs);
# - frames of functions instrumented on the host, piped into the bridge and
#   scraped by Prometheus, including a device restart seen as a counter
#   reset (tests/bridge_prometheus.rs);
# - the tool-free tests: TCP, file, stdin and pseudo-terminal inputs,
#   disconnects, reboots, corrupted streams while /metrics is scraped,
#   random bytes, limits, CLI errors (tests/bridge.rs, unit and doc tests);
# - the bridge library builds on its own (no server, no CLI).
# Exits non-zero on any failure.
set -euo pipefail
# shellcheck source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

start=$SECONDS
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
fw="$root/examples/firmware/target/ci"

step() { printf '\n== %s (%ds)\n' "$*" "$((SECONDS - start))"; }

step "tools"
if ! command -v prometheus >/dev/null || ! command -v promtool >/dev/null \
    || ! command -v qemu-system-arm >/dev/null; then
    apt_install prometheus qemu-system-arm
fi
prometheus --version 2>&1 | head -1
qemu-system-arm --version | head -1

step "firmware"
missing=0
for f in microbit.elf microbit.uart microbit.expect lm3s6965.uart lm3s6965.expect; do
    [ -f "$fw/$f" ] || missing=1
done
if ((missing)); then
    echo "the firmware's CI output is missing from $fw: running .ci/steps/firmware.sh"
    .ci/steps/firmware.sh
fi
ls -l "$fw/microbit.elf" "$fw/microbit.uart" "$fw/lm3s6965.uart"

export OMNIMETRICS_REAL_TOOLS=1
export OMNIMETRICS_FIRMWARE_DIR="$fw"

step "bridge library builds alone"
cargo build --quiet --locked -p omnimetrics-exporter --lib --no-default-features --features bridge

step "unit and doc tests"
cargo test --quiet --locked -p omnimetrics-exporter --all-features --lib bridge
cargo test --quiet --locked -p omnimetrics-exporter --all-features --doc bridge

step "integration tests (real Prometheus, QEMU)"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
cargo test --locked -p omnimetrics-exporter --all-features \
    --test bridge --test bridge_prometheus --test bridge_qemu -- --nocapture 2>&1 | tee "$log"
# The firmware test skips itself without its tools and files: make sure it ran.
grep -q 'microbit: sum(function_calls_total{device="microbit",function="read_sensor",result="error"}) = ' "$log" \
    || { echo "the firmware-to-Prometheus test did not run" >&2; exit 1; }

step "bridge checks passed in $((SECONDS - start))s"
