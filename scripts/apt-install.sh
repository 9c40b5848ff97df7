#!/usr/bin/env bash
# Install Debian packages with apt-get, waiting for apt's lock instead of failing at once.
#
#   scripts/apt-install.sh --what "bubblewrap (hộp cách ly khi chấm bài)" bubblewrap
#   scripts/apt-install.sh --run check          # any apt-get command, same waiting (tests)
#
# On a new Ubuntu server, unattended-upgrades holds apt's lock for minutes after boot; a plain
# `apt-get install` then fails and the package silently stays missing. Here apt itself waits
# (-o DPkg::Lock::Timeout=APT_LOCK_WAIT seconds, default 1200) while we tell the person, in
# Vietnamese, who holds the lock and how long we have waited; when the install finally fails
# we say so clearly, with the command to run later. Exit status: apt-get's.
#
# Settings (environment): APT_LOCK_WAIT (seconds, default 1200), APT_GET (default apt-get),
# APT_OPTS (extra apt-get options, e.g. "-o Dir::State::status=/tmp/x/status" in tests).
set -uo pipefail

APT_LOCK_WAIT="${APT_LOCK_WAIT:-1200}"
APT_GET="${APT_GET:-apt-get}"
read -r -a extra_opts <<< "${APT_OPTS:-}"
LOCK_RE='Waiting for cache lock|Could not get lock|Unable to acquire the dpkg frontend lock|Unable to lock'
REPORT_EVERY=30

holder_of() {  # "process 1234 (unattended-upgr)" from apt's message, if it names one
  grep -o 'held by process [0-9]* ([^)]*)' "$1" 2>/dev/null | tail -n 1 | sed 's/^held by //'
}

# apt_run ARGS...: one apt-get command; says in Vietnamese while it waits for the lock.
apt_run() {
  local log pid rc start now told_at=-1 holder
  log="$(mktemp)"
  LC_ALL=C DEBIAN_FRONTEND=noninteractive "$APT_GET" -o "DPkg::Lock::Timeout=$APT_LOCK_WAIT" \
    ${extra_opts[@]+"${extra_opts[@]}"} "$@" >"$log" 2>&1 &
  pid=$!
  start=$SECONDS
  while kill -0 "$pid" 2>/dev/null; do
    now=$((SECONDS - start))
    if grep -Eq "$LOCK_RE" "$log" && { [ "$told_at" -lt 0 ] || [ $((now - told_at)) -ge "$REPORT_EVERY" ]; }; then
      holder="$(holder_of "$log")"
      echo "Đang chờ: một chương trình khác đang dùng apt${holder:+ ($holder)}, thường là bản cập nhật tự động của máy chủ mới. Đã chờ ${now} giây, chờ tối đa ${APT_LOCK_WAIT} giây."
      told_at=$now
    fi
    sleep 1
  done
  wait "$pid"
  rc=$?
  if [ "$rc" -ne 0 ]; then
    if grep -Eq "$LOCK_RE" "$log"; then
      holder="$(holder_of "$log")"
      echo "Thất bại: apt vẫn bị chương trình khác giữ${holder:+ ($holder)} sau ${APT_LOCK_WAIT} giây." >&2
    else
      echo "apt-get $* báo lỗi (mã $rc):" >&2
      tail -n 5 "$log" >&2
    fi
  fi
  rm -f "$log"
  return "$rc"
}

what=""
if [ "${1:-}" = "--run" ]; then
  shift
  apt_run "$@"
  exit $?
fi
if [ "${1:-}" = "--what" ]; then
  what="$2"
  shift 2
fi
[ "$#" -gt 0 ] || { echo "usage: $0 [--what MÔ-TẢ] PACKAGE... | --run APT-GET-ARGS..." >&2; exit 2; }
if apt_run update -qq && apt_run install -y -qq "$@"; then
  echo "Đã cài ${what:-$*}."
  exit 0
fi
echo "KHÔNG CÀI ĐƯỢC ${what:-$*}. Hãy chạy lại sau ít phút: sudo apt-get install $*" >&2
exit 1
