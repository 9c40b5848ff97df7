#!/usr/bin/env bash
# Soak test: clone the repository afresh N times and run `make test` in each clone.
#   scripts/soak-tests.sh N [REPO]        (REPO defaults to this checkout; its HEAD is cloned)
# Prints one line per run: number, PASS/FAIL, wall time, and the slowest tests; the full
# logs stay in the printed folder. Exit status: 0 only if every run passed.
# Environment: SOAK_TARGET (default "test") runs another make target, e.g. SOAK_TARGET=lint
# for a quick dry run of the script itself; SOAK_KEEP=1 keeps the clones.
set -uo pipefail
n="${1:?Cách dùng: scripts/soak-tests.sh N [KHO]}"
repo="${2:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
target="${SOAK_TARGET:-test}"
work="$(mktemp -d "${TMPDIR:-/tmp}/soak-XXXXXX")"
echo "Soak: $n lần 'make $target' trên bản clone mới của $repo ($(git -C "$repo" rev-parse --short HEAD)); nhật ký: $work"
failed=0
for i in $(seq 1 "$n"); do
  clone="$work/run-$i/repo"
  log="$work/run-$i/make.log"
  mkdir -p "$work/run-$i"
  git clone -q "$repo" "$clone"
  start=$(date +%s)
  # --durations lists the slowest tests; PYTEST_ADDOPTS reaches the pytest inside make test.
  (cd "$clone" && PYTEST_ADDOPTS="--durations=5 ${PYTEST_ADDOPTS:-}" make "$target") >"$log" 2>&1
  code=$?
  secs=$(( $(date +%s) - start ))
  status=PASS
  [ "$code" -eq 0 ] || { status=FAIL; failed=$((failed + 1)); }
  printf 'Lần %d/%d: %s  %dm%02ds  (make %s, mã thoát %d)\n' "$i" "$n" "$status" \
    $((secs / 60)) $((secs % 60)) "$target" "$code"
  slow=$(sed -n '/slowest .*durations/,/^=\{5,\}/p' "$log" | grep -E '^[0-9.]+s ' | head -5)
  [ -n "$slow" ] && echo "$slow" | sed 's/^/    /'
  if [ "$status" = FAIL ]; then
    grep -E '^(FAILED|ERROR) ' "$log" | head -10 | sed 's/^/    /'
    echo "    nhật ký: $log"
  fi
  [ "${SOAK_KEEP:-0}" = 1 ] || [ "$status" = FAIL ] || rm -rf "$clone"
done
echo "Tổng: $((n - failed))/$n lần xanh."
[ "$failed" -eq 0 ]
