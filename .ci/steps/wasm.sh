#!/usr/bin/env bash
# The wasm adapter and its Worker demo (wasm-demo/), checked with the real
# tools: wasm-bindgen tests under node, the demo inside workerd (miniflare)
# pushing to a real Pushgateway, the wrangler dry-run deploy, and the size
# report. Installs what it needs, reusing what is there:
#   - rustup target wasm32-unknown-unknown;
#   - wasm-bindgen-cli, exactly the wasm-bindgen version of Cargo.lock;
#   - the npm packages pinned in wasm-demo/package-lock.json (npm ci);
#   - Debian's prometheus-pushgateway.
# Needs node >= 20.18.1 (miniflare's undici) and npm on PATH.
set -euo pipefail
# shellcheck source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
root="$PWD"
t0=$SECONDS
export OMNIMETRICS_REAL_TOOLS=1
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

step() { printf '\n---- wasm: %s (%ss)\n' "$1" "$((SECONDS - t0))"; }

step "tools"
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown
fi

wb_version="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)"
[ -n "$wb_version" ] || { echo "Cargo.lock has no wasm-bindgen" >&2; exit 1; }
if [ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $wb_version" ]; then
  cargo install wasm-bindgen-cli --version "$wb_version" --locked ||
    cargo install wasm-bindgen-cli --version "$wb_version"
fi
wasm-bindgen --version
command -v wasm-bindgen-test-runner >/dev/null

command -v node >/dev/null && command -v npm >/dev/null ||
  { echo "node (>= 20.18.1) and npm are needed" >&2; exit 1; }
node -e 'const [a, b, c] = process.versions.node.split(".").map(Number);
  if (a < 20 || (a === 20 && (b < 18 || (b === 18 && c < 1)))) {
    console.error(`node ${process.version} is too old; need >= 20.18.1`);
    process.exit(1);
  }'
echo "node $(node --version)"
(cd wasm-demo && npm ci --no-audit --no-fund --loglevel=error)

if ! command -v prometheus-pushgateway >/dev/null 2>&1; then
  apt_install prometheus-pushgateway
fi
prometheus-pushgateway --version 2>&1 | head -n 1

step "lints for wasm32"
cargo clippy --locked -p omnimetrics-wasm --target wasm32-unknown-unknown --all-targets -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc --locked -p omnimetrics-wasm --no-deps --target wasm32-unknown-unknown

step "wasm-bindgen tests under node"
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  cargo test --locked --target wasm32-unknown-unknown -p omnimetrics-wasm

step "build (cargo, wasm-bindgen, wasm-opt)"
(cd wasm-demo && node scripts/build.mjs)

step "worker helpers and the built module in node (node --test)"
(cd wasm-demo && node --test test/)

step "end to end: workerd + Pushgateway"
(cd wasm-demo && node scripts/e2e.mjs)

step "deployable as is: wrangler deploy --dry-run"
(cd wasm-demo && node scripts/deploy-check.mjs)

step "size report"
report_dir="${CARGO_TARGET_DIR:-$root/target}"
mkdir -p "$report_dir"
(cd wasm-demo && node scripts/size.mjs) | tee "$report_dir/wasm-size-report.txt"

echo
echo "wasm: ok in $((SECONDS - t0))s"
