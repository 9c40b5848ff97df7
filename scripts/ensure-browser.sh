#!/usr/bin/env bash
# The real-browser test drives Debian's Chromium. Install it when missing and we may;
# otherwise the test skips itself and prints why.
set -uo pipefail
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser test..."
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
    || echo "chromium could not be installed; the browser test will be skipped."
else
  echo "chromium is missing and cannot be installed here; the browser test will be skipped."
fi
exit 0
