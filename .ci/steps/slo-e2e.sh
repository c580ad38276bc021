#!/usr/bin/env bash
# SLO rules and Grafana dashboards (issue 6), with the real tools and
# OMNIMETRICS_REAL_TOOLS=1, so that a missing tool fails the tests:
# - slo_cli: `omnimetrics rules` / `explain` as a binary; promtool check
#   rules on every generated file (generic, options, a running program's
#   declared objectives); promtool test rules on the declared rules;
# - dashboards: the dashboards' JSON structure and variables, and promtool
#   parsing every query with Grafana-style substitution;
# - slo_e2e: two real Prometheus servers load the generic and the declared
#   rules, scrape a service that breaks its objectives and the demo; the
#   recorded ratios, the alerts, every dashboard query and every doc-link
#   query are checked over the HTTP API.
# (promtool unit tests of the rules themselves: .ci/steps/slo-rules.sh.)
# Exits non-zero on any failure.
set -euo pipefail
# shellcheck source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

start=$SECONDS
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

step() { printf '\n== %s (%ds)\n' "$*" "$((SECONDS - start))"; }

step "tools"
if ! command -v prometheus >/dev/null 2>&1 || ! command -v promtool >/dev/null 2>&1; then
    apt_install prometheus
fi
prometheus --version 2>&1 | head -n 1
promtool --version 2>&1 | head -n 1

step "build the demo and the tests"
cargo build --quiet --locked -p omnimetrics-exporter --example demo
export OMNIMETRICS_DEMO_BIN="$root/target/debug/examples/demo"
cargo test --quiet --locked -p omnimetrics-exporter --test slo_cli --test dashboards --test slo_e2e --no-run

step "tests with promtool and Prometheus"
export OMNIMETRICS_REAL_TOOLS=1
cargo test --locked -p omnimetrics-exporter --test slo_cli --test dashboards --test slo_e2e -- --nocapture

step "done"
