#!/usr/bin/env bash
# Install a headless browser for the player page tests (pytest -m browser): Debian's chromium
# via apt, and Playwright for Python (pip; its own browser download is never used: the tests launch
# /usr/bin/chromium). Idempotent and quiet; skips whatever is already there.
#   usage: scripts/install_browser.sh [PYTHON]     (PYTHON defaults to $PYTHON, then python3)
set -euo pipefail

PY="${1:-${PYTHON:-python3}}"

if [ ! -x /usr/bin/chromium ]; then
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "install_browser: apt-get not found; install chromium by hand (browser tests will be skipped)" >&2
        exit 1
    fi
    SUDO=""
    if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
    export DEBIAN_FRONTEND=noninteractive
    # refresh the package lists only when chromium is not yet known to apt
    if ! apt-cache show chromium >/dev/null 2>&1; then
        $SUDO apt-get update -qq >/dev/null
    fi
    if ! $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>/tmp/install_browser.log; then
        $SUDO apt-get update -qq >/dev/null
        $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
    fi
fi

if ! "$PY" -c "import playwright.sync_api" >/dev/null 2>&1; then
    "$PY" -m pip install -q --disable-pip-version-check "playwright>=1.40" \
        || echo "install_browser: could not pip-install playwright into $PY (browser tests will be skipped)" >&2
fi

/usr/bin/chromium --version 2>/dev/null | head -n1 || true
