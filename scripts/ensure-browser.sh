#!/usr/bin/env bash
# The real-browser test drives Debian's Chromium. Install it when missing and we may (waiting
# for apt's lock: scripts/apt-install.sh); otherwise the test skips itself and prints why.
set -uo pipefail
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Cài Chromium (trình duyệt cho bài kiểm tra giao diện)..."
  "$(dirname "${BASH_SOURCE[0]}")/apt-install.sh" --what "Chromium (trình duyệt cho bài kiểm tra giao diện)" chromium \
    || echo "Không có Chromium: bài kiểm tra bằng trình duyệt sẽ bị bỏ qua."
else
  echo "Thiếu Chromium và không cài được ở đây (cần root và apt-get): bài kiểm tra bằng trình duyệt sẽ bị bỏ qua."
fi
exit 0
