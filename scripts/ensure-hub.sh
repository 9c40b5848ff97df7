#!/usr/bin/env bash
# The workshop hub (hub/) needs JupyterHub and its plug-ins in the venv and
# configurable-http-proxy from npm. `make test` and `make hub` call this; it does nothing
# when both are already there at the pinned versions.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
venv="${1:-.venv}"
stamp="$venv/.hub-installed"
want="$(sha256sum hub/requirements.txt hub/package.json | sha256sum | cut -c1-16)"
if [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] && [ -x "$venv/hub-node/node_modules/.bin/configurable-http-proxy" ]; then
  exit 0
fi
echo "Installing the hub's packages (hub/requirements.txt, configurable-http-proxy)..."
"$venv/bin/python" -m pip install -q -r hub/requirements.txt
if command -v npm >/dev/null 2>&1; then
  mkdir -p "$venv/hub-node"
  cp hub/package.json "$venv/hub-node/package.json"
  (cd "$venv/hub-node" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
else
  echo "npm is missing: install Node.js 20 (apt-get install nodejs npm); the hub tests will be skipped."
  exit 0
fi
echo "$want" > "$stamp"
