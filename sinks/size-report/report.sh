#!/usr/bin/env bash
# Size report: what the sinks add to a minimal Cortex-M0 firmware.
#
# Builds the variants of this crate for thumbv6m-none-eabi (opt-level "z",
# fat LTO, panic=abort) and prints, from llvm-size, their flash (vector
# table + .text + .rodata + .data) and static RAM (.data + .bss), the
# difference of each from `base` (metrics recorded, nothing read) and from
# `reader` (the registry walked without encoding: what any reader costs).
# "vs reader" is what an encoder itself adds. Fails if any binary holds
# float formatting code.
#
# Needs: rustup target thumbv6m-none-eabi, rustup component llvm-tools.
# Usage: sinks/size-report/report.sh   (from anywhere)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
bin_dir="$(rustc --print sysroot)/lib/rustlib/$(rustc -vV | sed -n 's/^host: //p')/bin"
size="$bin_dir/llvm-size"
nm="$bin_dir/llvm-nm"
for tool in "$size" "$nm"; do
    [[ -x "$tool" ]] || { echo "missing $tool: rustup component add llvm-tools" >&2; exit 1; }
done

variants=(empty base reader text frames both records_hand records_postcard)
(cd "$here" && cargo build --release --target-dir "$target_dir" --quiet $(printf -- '--bin %s ' "${variants[@]}"))
out="$target_dir/thumbv6m-none-eabi/release"

# flash and RAM of one ELF, from `llvm-size -A` (decimal sizes).
sizes() {
    "$size" -A -d "$1" | awk '
        $1 == ".vector_table" || $1 == ".text" || $1 == ".rodata" { flash += $2 }
        $1 == ".data" { flash += $2; ram += $2 }
        $1 == ".bss" || $1 == ".uninit" { ram += $2 }
        END { printf "%d %d\n", flash, ram }'
}

declare -A flash ram
printf '%-18s %8s %8s %10s %12s\n' variant flash ram "vs base" "vs reader"
for v in "${variants[@]}"; do
    read -r f r < <(sizes "$out/$v")
    flash[$v]=$f
    ram[$v]=$r
done
for v in "${variants[@]}"; do
    vs_base=$(( flash[$v] - flash[base] ))
    vs_reader=$(( flash[$v] - flash[reader] ))
    printf '%-18s %8d %8d %+10d %+12d\n' "$v" "${flash[$v]}" "${ram[$v]}" "$vs_base" "$vs_reader"
done
echo
echo "text encoder:  +$(( flash[text] - flash[reader] )) bytes over a plain reader, +$(( flash[text] - flash[base] )) over no reader"
echo "frame encoder: +$(( flash[frames] - flash[reader] )) bytes over a plain reader, +$(( flash[frames] - flash[base] )) over no reader"
echo "both:          +$(( flash[both] - flash[reader] )) bytes over a plain reader (one registry walk shared)"
echo "value records, postcard serializer vs hand-written varints: $(( flash[records_postcard] - flash[records_hand] )) bytes"

# Float formatting must not be linked (integers and Decimal only).
pattern='float_to_decimal|float_to_exponential|flt2dec|grisu|dragon|fmt::float|impl core::fmt::Display for f(32|64)|impl core::fmt::Debug for f(32|64)'
status=0
for v in "${variants[@]}"; do
    if hits=$("$nm" --demangle "$out/$v" | grep -E "$pattern"); then
        echo "FLOAT FORMATTING in $v:" >&2
        echo "$hits" >&2
        status=1
    fi
done
if [[ $status -eq 0 ]]; then
    echo "no float formatting symbols in any variant"
fi
exit $status
