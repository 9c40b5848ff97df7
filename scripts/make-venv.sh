#!/usr/bin/env bash
# Create the course's virtual environment. On a bare Debian, `python3 -m venv`
# needs the python3-venv package: install it when we are allowed to.
set -euo pipefail
py="$1"; venv="$2"
if ! "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "Cần Python 3.11 trở lên / Python 3.11 or newer is required (found: $("$py" --version 2>&1))." >&2
  exit 1
fi
if "$py" -m venv "$venv" 2>/dev/null && [ -x "$venv/bin/pip" ]; then exit 0; fi
rm -rf "$venv"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  ver=$("$py" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
  apt-get update -qq && (apt-get install -y -qq "python${ver}-venv" || apt-get install -y -qq python3-venv)
  "$py" -m venv "$venv"
else
  echo "Không tạo được môi trường ảo. Hãy cài gói python3-venv (sudo apt install python3-venv) rồi chạy lại." >&2
  echo "Could not create the virtual environment: install python3-venv and run again." >&2
  exit 1
fi
