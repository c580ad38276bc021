#!/usr/bin/env bash
# Firmware end to end in QEMU (issue 8): build both boards, run each under
# `timeout`, capture the UART, check what arrived against what the firmware
# counted itself (frames and Prometheus text), corrupt a captured stream on
# purpose and check the decoder, and print the micro:bit size report.
# Exits non-zero on any failure.
set -euo pipefail
# shellcheck source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

start=$SECONDS
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
fw="$root/examples/firmware"
out="$fw/target/ci"
qemu_timeout=${QEMU_TIMEOUT:-120}

step() { printf '\n== %s (%ds)\n' "$*" "$((SECONDS - start))"; }

step "tools"
installed_targets="$(rustup target list --installed)"
for t in thumbv6m-none-eabi thumbv7m-none-eabi; do
    grep -qx "$t" <<<"$installed_targets" || rustup target add "$t"
done
rustup component list --installed | grep -q '^llvm-tools' || rustup component add llvm-tools
if ! command -v qemu-system-arm >/dev/null || ! command -v arm-none-eabi-size >/dev/null; then
    apt_install qemu-system-arm binutils-arm-none-eabi
fi
qemu-system-arm --version | head -1

cd "$fw"
rm -rf "$out"
mkdir -p "$out"

# build PACKAGE TARGET NAME [cargo args...]: a release build copied to $out/NAME.elf
build() {
    local package=$1 target=$2 name=$3
    shift 3
    cargo build --quiet --release --locked -p "$package" --target "$target" "$@"
    cp "target/$target/release/$package" "$out/$name.elf"
}

step "format, lint, host-check unit tests"
# `-p`, not `--all`: `--all` also formats the path dependencies (the root
# workspace's crates), which are checked by the root's own lints.
cargo fmt -p firmware-app -p firmware-board -p firmware-microbit -p firmware-lm3s6965 -p firmware-host-check -- --check
# The board builds lint firmware-app with each of its feature sets.
for args in \
    "-p firmware-microbit --target thumbv6m-none-eabi" \
    "-p firmware-microbit --target thumbv6m-none-eabi --no-default-features" \
    "-p firmware-microbit --target thumbv6m-none-eabi --no-default-features --features metrics" \
    "-p firmware-microbit --target thumbv6m-none-eabi --features text" \
    "-p firmware-lm3s6965 --target thumbv7m-none-eabi" \
    "-p firmware-board --target thumbv6m-none-eabi" \
    "-p firmware-lm3s6965 --target thumbv7m-none-eabi --no-default-features" \
    "-p firmware-lm3s6965 --target thumbv7m-none-eabi --features text" \
    "-p firmware-host-check --all-targets"; do
    # shellcheck disable=SC2086 # word splitting of the arguments is intended
    cargo clippy --quiet --release --locked $args -- -D warnings
done
cargo test --quiet --locked -p firmware-host-check

step "build the boards"
build firmware-microbit thumbv6m-none-eabi microbit
build firmware-microbit thumbv6m-none-eabi microbit-text --features text
build firmware-microbit thumbv6m-none-eabi microbit-one --no-default-features --features metrics
build firmware-microbit thumbv6m-none-eabi microbit-bare --no-default-features
build firmware-lm3s6965 thumbv7m-none-eabi lm3s6965
build firmware-lm3s6965 thumbv7m-none-eabi lm3s6965-text --features text
cargo build --quiet --locked -p firmware-host-check
check="$fw/target/debug/firmware-host-check"

# run NAME MACHINE CPU: runs $out/NAME.elf until it exits through
# semihosting; UART to $out/NAME.uart, semihosting output to $out/NAME.expect
run() {
    local name=$1 machine=$2 cpu=$3 rc=0 t0=$SECONDS
    timeout "$qemu_timeout" qemu-system-arm -cpu "$cpu" -machine "$machine" \
        -display none -monitor none -serial "file:$out/$name.uart" \
        -semihosting-config enable=on,target=native -kernel "$out/$name.elf" \
        >"$out/$name.expect" 2>"$out/$name.stderr" || rc=$?
    if ((rc != 0)); then
        echo "FAIL: $name in QEMU exited with status $rc (124: timed out after ${qemu_timeout}s)"
        cat "$out/$name.expect" "$out/$name.stderr"
        return 1
    fi
    echo "$name: ran in $((SECONDS - t0))s, $(stat -c %s "$out/$name.uart") UART bytes," \
        "$(grep -h '^summary \|^stack ' "$out/$name.expect" | tr '\n' ' ')"
}

step "run in QEMU"
run microbit microbit cortex-m0
run microbit-text microbit cortex-m0
run microbit-bare microbit cortex-m0
run lm3s6965 lm3s6965evb cortex-m3
run lm3s6965-text lm3s6965evb cortex-m3

# The workload must do the same with and without instrumentation, and on
# both boards: the firmware's own counts agree everywhere.
calls() { grep '^call ' "$out/$1.expect"; }
for other in microbit-text microbit-bare lm3s6965 lm3s6965-text; do
    if ! diff <(calls microbit) <(calls "$other") >/dev/null; then
        echo "FAIL: $other counted different calls than microbit"
        diff <(calls microbit) <(calls "$other") || true
        exit 1
    fi
done
echo "the firmware's own call counts agree across all builds and boards"

step "decode frames, compare with the firmware's own counts"
"$check" frames "$out/microbit.expect" "$out/microbit.uart"
"$check" frames "$out/lm3s6965.expect" "$out/lm3s6965.uart"

step "Prometheus text mode"
"$check" text "$out/microbit-text.expect" "$out/microbit-text.uart"
"$check" text "$out/lm3s6965-text.expect" "$out/lm3s6965-text.uart"
if command -v promtool >/dev/null; then
    for name in microbit-text lm3s6965-text; do
        # The last report: everything after the last "# omnimetrics report" line.
        awk '/^# omnimetrics report /{buf=""; next} {buf=buf $0 "\n"} END{printf "%s", buf}' \
            "$out/$name.uart" >"$out/$name.last.prom"
        promtool check metrics <"$out/$name.last.prom"
        echo "$name: promtool check metrics: clean"
    done
else
    echo "promtool not installed: the text is checked by host-check only"
fi

step "corrupted streams"
"$check" corrupt "$out/microbit.expect" "$out/microbit.uart"
"$check" corrupt "$out/lm3s6965.expect" "$out/lm3s6965.uart"

step "size report"
llvm_size="$(rustc --print sysroot)/lib/rustlib/$(rustc -vV | sed -n "s/^host: //p")/bin/llvm-size"
"$llvm_size" "$out/microbit-bare.elf" "$out/microbit-one.elf" "$out/microbit.elf" "$out/microbit-text.elf"
# The goals are printed with how far off they are, and a missed goal fails
# the step; FIRMWARE_SIZE_STRICT=0 only prints (see examples/firmware/README.md).
enforce=()
[[ ${FIRMWARE_SIZE_STRICT:-1} == 0 ]] && enforce=(--no-enforce)
"$check" size --bare "$out/microbit-bare.elf" --one "$out/microbit-one.elf" \
    --full "$out/microbit.elf" --text "$out/microbit-text.elf" "${enforce[@]}"

step "firmware checks passed in $((SECONDS - start))s"
