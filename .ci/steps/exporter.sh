#!/usr/bin/env bash
# std-exporter (issue 4): the tests that need real tools, with
# OMNIMETRICS_REAL_TOOLS=1 so that a missing tool fails them:
# - e2e: an instrumented axum service scraped by a real Prometheus, checked
#   over Prometheus' HTTP API, and a live scrape checked by `promtool check
#   metrics` in both formats (and by Python prometheus_client's strict
#   OpenMetrics parser);
# - hardening, server, axum and unit tests and doctests (no tools needed,
#   but they are this crate's CI too);
# - the load check: wrk against /metrics with 1,000 series for 20 s, zero
#   errors, RSS at the end within 10% of RSS after warm-up; prints req/s
#   and p99 (release build, so the figures mean something).
# Exits non-zero on any failure.
set -euo pipefail
# shellcheck source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

start=$SECONDS
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

step() { printf '\n== %s (%ds)\n' "$*" "$((SECONDS - start))"; }

step "tools"
if ! command -v prometheus >/dev/null || ! command -v promtool >/dev/null || ! command -v wrk >/dev/null; then
    apt_install prometheus wrk
fi
# The e2e test reads the live OpenMetrics scrape with Python
# prometheus_client's strict parser too.
pip_prometheus_client
prometheus --version 2>&1 | head -1
wrk --version 2>&1 | head -1 || true

export OMNIMETRICS_REAL_TOOLS=1

step "tests and doctests (all features, real tools; the load check comes next)"
cargo test --locked -p omnimetrics-exporter --all-features -- --skip wrk_against_metrics

step "feature combinations build"
cargo build --quiet --locked -p omnimetrics-exporter --lib --no-default-features
cargo build --quiet --locked -p omnimetrics-exporter --lib --no-default-features --features axum

step "load check (release)"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
cargo test --locked --release -p omnimetrics-exporter --test load -- --nocapture 2>&1 | tee "$log"
grep -q '^load check: ' "$log" || { echo "the load check did not run" >&2; exit 1; }

step "done"
