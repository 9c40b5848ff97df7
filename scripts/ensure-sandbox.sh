#!/usr/bin/env bash
# The grader runs student code inside bubblewrap (Debian package `bubblewrap`). Install it
# when missing and we may (waiting for apt's lock: scripts/apt-install.sh); otherwise say how.
# Grading refuses to run without it (unless the instructor passes --unsandboxed), so nothing
# is graded unprotected by accident.
set -uo pipefail
if command -v bwrap >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Cài bubblewrap (hộp cách ly khi chấm bài)..."
  "$(dirname "${BASH_SOURCE[0]}")/apt-install.sh" --what "bubblewrap (hộp cách ly khi chấm bài)" bubblewrap \
    || echo "Chấm bài sẽ dừng cho tới khi cài được bubblewrap: sudo apt-get install bubblewrap"
else
  echo "Thiếu bubblewrap (hộp cách ly khi chấm bài). Hãy cài: sudo apt-get install bubblewrap"
fi
exit 0
