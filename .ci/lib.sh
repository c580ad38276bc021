# Shared by the step scripts in .ci/steps (sourced, not run): installing
# what a step needs, the same way in every step.

# The Python prometheus_client whose parsers check our text output.
PROMETHEUS_CLIENT_VERSION=0.21.1

# apt_install PACKAGE...: installs Debian packages quietly, as root or
# through sudo. Then stops the servers some of them start under systemd
# (Prometheus on :9090, the Pushgateway on :9091): the tests start their own
# on free ports.
apt_install() {
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
    if command -v systemctl >/dev/null 2>&1; then
        local unit
        for unit in prometheus prometheus-pushgateway; do
            if systemctl is-active --quiet "$unit" 2>/dev/null; then
                $sudo systemctl stop "$unit" || true
            fi
        done
    fi
}

# pip_prometheus_client: the pinned prometheus_client, unless it is there.
pip_prometheus_client() {
    if ! python3 -m pip show prometheus_client 2>/dev/null | grep -qx "Version: $PROMETHEUS_CLIENT_VERSION"; then
        python3 -m pip install --quiet --disable-pip-version-check "prometheus_client==$PROMETHEUS_CLIENT_VERSION"
    fi
    echo "prometheus_client $PROMETHEUS_CLIENT_VERSION"
}
