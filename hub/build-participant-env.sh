#!/usr/bin/env bash
# Build (or reuse) the participants' environment: a venv made from Debian's /usr/bin/python3
# in a world-readable place, so every participant's OS user can run it. A venv made from a
# Python under /root (mode 700, e.g. pyenv) fails with "Permission denied" for them.
#
#   hub/build-participant-env.sh [PREFIX]      (default /opt/ai-kinh-doanh)
#
# The venv is PREFIX/env-<hash of the pin lists>, so a rerun with the same pins reuses it;
# PREFIX/env points at the current one. The course package, the hub's participant files and
# the instructor tools go into ENV/release-<hash of their source>, and ENV/current points at
# the newest: a server already running keeps the release it started with, so a rebuild never
# changes files under it. Prints the venv path on the last line.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
prefix="${1:-${COURSE_HUB_PREFIX:-/opt/ai-kinh-doanh}}"
base_python="${COURSE_HUB_PYTHON:-/usr/bin/python3}"
umask 022

req_hash="$(cat "$repo/binder/requirements.txt" "$repo/hub/participant-requirements.txt" \
  | sha256sum | cut -c1-12)"
env="$prefix/env-$req_hash"
mkdir -p "$prefix"
chmod 755 "$prefix"
exec 9>"$prefix/.build.lock"
flock 9  # two test runs at once build one after the other

if [ ! -f "$env/.complete" ]; then
  echo "== Tạo môi trường cho học viên: $env (lần đầu mất vài phút)" >&2
  rm -rf "$env"
  "$base_python" -m venv "$env"
  # (grep drops pip's notes about unreachable extra index folders on some machines)
  "$env/bin/python" -m pip install -q --upgrade pip 2>&1 | grep -v '^WARNING: Location' >&2 || true
  (cd "$repo/hub" && "$env/bin/python" -m pip install -q -r participant-requirements.txt) 2>&1 \
    | grep -v '^WARNING: Location' >&2 || true
  "$env/bin/python" -c "import jupyterhub, nbgitpuller, nbgrader"  # fails the build if pip did
  # Participant extensions only (the instructor's config folder turns Formgrader back on).
  "$env/bin/jupyter" labextension disable --level=sys_prefix \
    @jupyter/nbgrader:create-assignment @jupyter/nbgrader:formgrader \
    @jupyter/nbgrader:course-list >/dev/null 2>&1
  "$env/bin/jupyter" server extension disable --sys-prefix \
    nbgrader.server_extensions.formgrader nbgrader.server_extensions.course_list >/dev/null 2>&1
  "$env/bin/jupyter" server extension enable --sys-prefix \
    nbgrader.server_extensions.validate_assignment nbgitpuller >/dev/null 2>&1
  chmod -R a+rX "$env"
  touch "$env/.complete"
fi
# Server start cost (benchmarks/README.md, "Participant server start"): jsonschema, which every
# Jupyter server imports, loads the optional rfc3987-syntax checker for the "iri" format, and
# that compiles ~35 Lark grammars at import: about 1 s of CPU and 17 MB per server, for a
# format no Jupyter schema uses. Without the package jsonschema simply has no "iri" check.
# Outside the build step above so that an environment built before this line is trimmed too.
if compgen -G "$env/lib/python3*/site-packages/rfc3987_syntax" >/dev/null; then
  "$env/bin/python" -m pip uninstall -q -y rfc3987-syntax lark 2>&1 \
    | grep -v '^WARNING: Location' >&2 || true
fi

src_hash="$(cd "$repo" && find course autograder hub/participant pyproject.toml -type f \
  ! -path '*/__pycache__/*' -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-12)"
release="$env/release-$src_hash"
if [ ! -f "$release/.complete" ]; then
  echo "== Cài gói course vào môi trường học viên ($release)" >&2
  rm -rf "$release"
  mkdir -p "$release"
  build="$(mktemp -d)"
  # Copy first: building in the checkout would leave build/ and egg-info behind.
  # Only `course`: autograder/ (its simulator knows the answers) never reaches participants.
  (cd "$repo" && tar cf - pyproject.toml README.md course binder/requirements.txt) \
    | tar xf - -C "$build"
  "$env/bin/python" -m pip install -q --no-deps --target "$release/lib" "$build" 2>&1 \
    | grep -v '^WARNING: Location' >&2 || true
  rm -rf "$build"
  test -f "$release/lib/course/__init__.py"
  # Files the participants' servers read at start: copied because the checkout itself may
  # sit in a folder they cannot enter.
  cp -r "$repo/hub/participant" "$release/hub-files"
  # Bytecode now: the participants cannot write __pycache__ here, so each start would compile.
  "$env/bin/python" -m compileall -q "$release/lib" "$release/hub-files" >/dev/null
  chmod -R a+rX "$release"
  # The instructor's tools: autograder/ in a folder only the instructors' OS group can read;
  # instructors' servers get it on PYTHONPATH.
  group="${COURSE_HUB_INSTRUCTOR_GROUP:-giang-vien}"
  getent group "$group" >/dev/null || groupadd --system "$group"
  mkdir -p "$release/instructor"
  (cd "$repo" && tar cf - --exclude=__pycache__ autograder) | tar xf - -C "$release/instructor"
  chgrp -R "$group" "$release/instructor"
  chmod -R u=rwX,g=rX,o= "$release/instructor"
  touch "$release/.complete"
fi
if [ ! -d "$env/share/tiktoken" ]; then
  # Offline token counts: tiktoken's cache in a read-only shared folder.
  PYTHONPATH="$release/lib" TIKTOKEN_CACHE_DIR="$env/share/tiktoken" \
    "$env/bin/python" -m course.prepare >&2 || true
  chmod -R a+rX "$env/share/tiktoken" 2>/dev/null || true
fi
settings="$env/share/jupyter/lab/settings"
mkdir -p "$settings"
cp "$repo/course/jupyter_config/labconfig/default_setting_overrides.json" "$settings/overrides.json"
chmod a+r "$settings/overrides.json"
ln -sfn "$release" "$env/current"
# Keep the four newest releases (older ones belong to no running server in practice).
ls -1dt "$env"/release-* | tail -n +5 | xargs -r rm -rf
ln -sfn "$env" "$prefix/env"
echo "$env"
