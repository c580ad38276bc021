#!/usr/bin/env bash
# SLO rules and generated queries, checked with the real tools: promtool
# (check rules, unit tests of the alerts) and a Prometheus server (the
# build_info join of every query). Needs Debian's `prometheus` package.
set -euo pipefail
# shellcheck source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

cd "$(dirname "${BASH_SOURCE[0]}")/../.."

if ! command -v promtool >/dev/null 2>&1 || ! command -v prometheus >/dev/null 2>&1; then
  apt_install prometheus
fi
promtool --version 2>&1 | head -n 1
prometheus --version 2>&1 | head -n 1

OMNIMETRICS_REAL_TOOLS=1 cargo test -p omnimetrics-query
