#!/usr/bin/env bash
# The demo and its dashboard (issue 5), the way a user meets them:
# - builds the demo, then starts it with the README's first command, word
#   for word, on a free port (OMNIMETRICS_DEMO_ADDR=127.0.0.1:0, so runs
#   can go in parallel);
# - opens the dashboard in headless Chromium (Debian's; playwright-core,
#   pinned in std-exporter/tests/dashboard_browser/package-lock.json, drives
#   it, no browser download), waits until the charts have data, and checks
#   from the page's DOM that every function the demo's /metrics exports is
#   listed with a request rate above zero, that the failing function
#   (demo::db::query) shows an error ratio above zero, that each function
#   shows its PromQL queries, that objectives have a verdict, and that the
#   page fetched nothing from any other origin;
# - saves screenshots as artifacts: target/dashboard.png (what a laptop
#   screen shows) and target/dashboard-full.png (the whole page);
#   OMNIMETRICS_UPDATE_SCREENSHOT=1 also copies the first to
#   docs/dashboard.png, the README's picture;
# - stops the demo with Ctrl-C's signal (SIGINT) and checks it exits 0
#   after saying so, then starts it again and does the same with SIGTERM.
set -euo pipefail
# shellcheck source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
started=$SECONDS
step() { printf '\n==> [%4ds] %s\n' "$((SECONDS - started))" "$*"; }

browser_dir=std-exporter/tests/dashboard_browser
out=target/demo
mkdir -p "$out"
demo_pid=""
demo_url=""

cleanup() {
    if [ -n "$demo_pid" ] && kill -0 "$demo_pid" 2>/dev/null; then
        kill -KILL "$demo_pid" 2>/dev/null || true
    fi
}
trap cleanup EXIT

step "tools"
if ! command -v chromium >/dev/null; then
    apt_install chromium
fi
command -v node >/dev/null || { echo "node is needed (Debian: apt-get install nodejs npm)" >&2; exit 1; }
chromium --version
echo "node $(node --version)"
# The pinned playwright-core, installed from the lock file unless it is there.
want="$(node -p "require('./$browser_dir/package-lock.json').packages['node_modules/playwright-core'].version")"
have="$(node -p "try { require('./$browser_dir/node_modules/playwright-core/package.json').version } catch { '' }")"
if [ "$want" != "$have" ]; then
    (cd "$browser_dir" && npm ci --no-audit --no-fund --loglevel=error)
fi
echo "playwright-core $want"

step "build the demo (release, as the README runs it)"
cargo build --locked --release -p omnimetrics-exporter --example demo

readme_cmd="$(grep -m1 -E '^cargo run ' README.md || true)"
case "$readme_cmd" in
    *"--example demo"*) ;;
    *) echo "README.md's first cargo run command does not start the demo: '$readme_cmd'" >&2; exit 1 ;;
esac

# start_demo LOG: runs the README's command in the background on a free
# port; sets demo_pid, and demo_url once it is serving.
start_demo() {
    local log=$1
    # `cargo run` execs the program on Unix, so the pid is the demo's own.
    OMNIMETRICS_DEMO_ADDR=127.0.0.1:0 OMNIMETRICS_DEMO_RPS=40 $readme_cmd >"$log" 2>&1 &
    demo_pid=$!
    local url="" i
    demo_url=""
    for i in $(seq 1 600); do
        url="$(grep -o -m1 'dashboard  http://[^ ]*' "$log" | awk '{print $2}' || true)"
        [ -n "$url" ] && break
        if ! kill -0 "$demo_pid" 2>/dev/null; then
            echo "the demo exited before serving:" >&2
            cat "$log" >&2
            return 1
        fi
        sleep 0.5
    done
    [ -n "$url" ] || { echo "the demo printed no dashboard URL:" >&2; cat "$log" >&2; return 1; }
    demo_url=$url
}

# stop_demo SIGNAL LOG: sends SIGNAL, then expects a clean exit (status 0,
# "demo: stopped") within 10 s.
stop_demo() {
    local signal=$1 log=$2 i status=0
    kill "-$signal" "$demo_pid"
    for i in $(seq 1 100); do
        kill -0 "$demo_pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$demo_pid" 2>/dev/null; then
        echo "the demo did not stop within 10 s of SIG$signal" >&2
        return 1
    fi
    wait "$demo_pid" || status=$?
    demo_pid=""
    grep -q '^demo: stopped$' "$log" || { echo "no 'demo: stopped' after SIG$signal:" >&2; cat "$log" >&2; return 1; }
    [ "$status" = 0 ] || { echo "the demo exited with status $status after SIG$signal" >&2; return 1; }
    echo "SIG$signal: the demo stopped cleanly (status 0)"
}

step "start: $readme_cmd"
start_demo "$out/demo.log"
url=$demo_url
sed -n '1,8p' "$out/demo.log"

step "the dashboard in headless Chromium ($url)"
metrics_before="$(curl -fsS "${url}metrics" | grep -c '^function_calls_total{' || true)"
echo "/metrics has $metrics_before function_calls_total series"
CHROMIUM="$(command -v chromium)" node "$browser_dir/check.mjs" "$url" \
    target/dashboard.png target/dashboard-full.png demo::db::query
if [ "${OMNIMETRICS_UPDATE_SCREENSHOT:-}" = 1 ]; then
    mkdir -p docs
    cp target/dashboard.png docs/dashboard.png
    echo "updated docs/dashboard.png"
fi

step "Ctrl-C stops it"
stop_demo INT "$out/demo.log"

step "SIGTERM stops it"
start_demo "$out/demo-term.log"
stop_demo TERM "$out/demo-term.log"

step "done: artifacts target/dashboard.png, target/dashboard-full.png, $out/*.log"
