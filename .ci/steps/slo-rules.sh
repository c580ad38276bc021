#!/usr/bin/env bash
# SLO rules and generated queries, checked with the real tools: promtool
# (check rules, unit tests of the alerts) and a Prometheus server (the
# build_info join of every query). Needs Debian's `prometheus` package.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."

if ! command -v promtool >/dev/null 2>&1 || ! command -v prometheus >/dev/null 2>&1; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends prometheus
  # On a host with systemd the package starts a server on :9090; the tests
  # start their own on free ports and do not need it.
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus 2>/dev/null; then
    $sudo systemctl stop prometheus || true
  fi
fi
promtool --version 2>&1 | head -n 1
prometheus --version 2>&1 | head -n 1

OMNIMETRICS_REAL_TOOLS=1 cargo test -p omnimetrics-query
