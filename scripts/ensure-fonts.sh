#!/usr/bin/env bash
# Vietnamese-safe webfonts for JupyterLab (course/fonts.py): fetched once from the npm registry
# at set-up time and served by the course's Jupyter config, so no font CDN is needed at run time.
# Usage: scripts/ensure-fonts.sh PYTHON
set -euo pipefail
PY="${1:-python3}"
cd "$(dirname "$0")/.."
if "$PY" -c 'import sys, course.fonts as f; sys.exit(0 if f.installed() else 1)' 2>/dev/null; then
  exit 0
fi
PACKAGES=("@fontsource/noto-sans-mono@5.3.0" "@fontsource/noto-sans@5.3.0" "@fontsource/noto-emoji@5.3.2")
if ! command -v npm >/dev/null 2>&1; then
  echo "npm is missing: JupyterLab will use the machine's own fonts (install Node.js for the course fonts)."
  exit 0
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
dirs=()
for pkg in "${PACKAGES[@]}"; do
  if ! tgz="$(cd "$work" && npm pack --silent "$pkg" | tail -n 1)" || [ -z "$tgz" ]; then
    echo "Could not fetch $pkg from the npm registry: JupyterLab will use the machine's fonts."
    exit 0
  fi
  dest="$work/${tgz%.tgz}"
  mkdir -p "$dest"
  tar xzf "$work/$tgz" -C "$dest" --strip-components=1
  dirs+=("$dest")
done
"$PY" -m course.fonts "${dirs[@]}"
