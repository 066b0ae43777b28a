#!/usr/bin/env bash
# Install the headless browser for the player page tests (pytest -m browser): Debian's chromium via
# apt (plus a small CJK font so screenshots show Chinese), and Playwright for Python via pip. The
# tests launch /usr/bin/chromium; Playwright's own browser download ("playwright install") is never used.
# Idempotent and quiet: skips whatever is already there.
#   usage: scripts/install_browser.sh [PYTHON]     (PYTHON defaults to $PYTHON, then python3)
set -euo pipefail

PY="${1:-${PYTHON:-python3}}"
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive

apt_install() {  # apt_install PKG...: install, refreshing the package lists once if needed
    $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1 && return 0
    $SUDO apt-get update -qq >/dev/null
    $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

if [ ! -x /usr/bin/chromium ]; then
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "install_browser: apt-get not found; install chromium by hand (browser tests will be skipped)" >&2
        exit 1
    fi
    apt_install chromium
fi
if ! dpkg -s fonts-wqy-microhei >/dev/null 2>&1; then
    apt_install fonts-wqy-microhei || echo "install_browser: no CJK font installed (only screenshots suffer)" >&2
fi

if ! "$PY" -c "import playwright.sync_api" >/dev/null 2>&1; then
    "$PY" -m pip install -q --disable-pip-version-check "playwright>=1.40" \
        || echo "install_browser: could not pip-install playwright into $PY (browser tests will be skipped)" >&2
fi

/usr/bin/chromium --version 2>/dev/null | head -n1 || true
