#!/usr/bin/env bash
# Build (or reuse) the participants' environment: a venv made from Debian's /usr/bin/python3
# in a world-readable place, so every participant's OS user can run it. A venv made from a
# Python under /root (mode 700, e.g. pyenv) fails with "Permission denied" for them.
#
#   hub/build-participant-env.sh [PREFIX]      (default /opt/ai-kinh-doanh)
#
# The venv is PREFIX/env-<hash of the pin lists>, so a rerun with the same pins reuses it;
# PREFIX/env points at the current one. The course package (course + autograder) is
# reinstalled only when its source changes. Prints the venv path on the last line.
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

if [ ! -f "$env/.complete" ]; then
  echo "== Tạo môi trường cho học viên: $env (lần đầu mất vài phút)" >&2
  rm -rf "$env"
  "$base_python" -m venv "$env"
  # (grep drops pip's notes about unreachable extra index folders on some machines)
  "$env/bin/python" -m pip install -q --upgrade pip 2>&1 | grep -v '^WARNING: Location' >&2 || true
  (cd "$repo/hub" && "$env/bin/python" -m pip install -q -r participant-requirements.txt) 2>&1 \
    | grep -v '^WARNING: Location' >&2 || true
  "$env/bin/python" -c "import jupyterhub, nbgitpuller, nbgrader"  # fails the build if pip did
  chmod -R a+rX "$env"
  touch "$env/.complete"
fi

src_hash="$(cd "$repo" && find course autograder pyproject.toml -type f \
  ! -path '*/__pycache__/*' -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-12)"
if [ "$(cat "$env/.course-src" 2>/dev/null)" != "$src_hash" ]; then
  echo "== Cài gói course vào môi trường học viên" >&2
  build="$(mktemp -d)"
  # Copy first: building in the checkout would leave build/ and egg-info behind.
  # Only `course`: autograder/ (its simulator knows the answers) never reaches participants.
  (cd "$repo" && tar cf - pyproject.toml README.md course binder/requirements.txt) \
    | tar xf - -C "$build"
  "$env/bin/python" -m pip install -q --no-deps --force-reinstall "$build" >&2
  rm -rf "$build"
  # Offline token counts: tiktoken's cache in a read-only shared folder.
  TIKTOKEN_CACHE_DIR="$env/share/tiktoken" "$env/bin/python" -m course.prepare >&2 || true
  # Participant extensions only (the instructor's extra config folder turns Formgrader back on).
  "$env/bin/jupyter" labextension disable --level=sys_prefix \
    @jupyter/nbgrader:create-assignment @jupyter/nbgrader:formgrader \
    @jupyter/nbgrader:course-list >/dev/null 2>&1
  "$env/bin/jupyter" server extension disable --sys-prefix \
    nbgrader.server_extensions.formgrader nbgrader.server_extensions.course_list >/dev/null 2>&1
  "$env/bin/jupyter" server extension enable --sys-prefix \
    nbgrader.server_extensions.validate_assignment \
    nbgrader.server_extensions.assignment_list nbgitpuller >/dev/null 2>&1
  settings="$env/share/jupyter/lab/settings"
  mkdir -p "$settings"
  cp "$repo/course/jupyter_config/labconfig/default_setting_overrides.json" "$settings/overrides.json"
  chmod -R a+rX "$env"
  echo "$src_hash" > "$env/.course-src"
fi

# The instructor's tools: autograder/ in a folder only the instructors' OS group can read;
# instructors' servers get it on PYTHONPATH.
group="${COURSE_HUB_INSTRUCTOR_GROUP:-giang-vien}"
getent group "$group" >/dev/null || groupadd --system "$group"
rm -rf "$prefix/instructor.new"
mkdir -p "$prefix/instructor.new"
(cd "$repo" && tar cf - --exclude=__pycache__ autograder) | tar xf - -C "$prefix/instructor.new"
chgrp -R "$group" "$prefix/instructor.new"
chmod -R u=rwX,g=rX,o= "$prefix/instructor.new"
rm -rf "$prefix/instructor"
mv "$prefix/instructor.new" "$prefix/instructor"

# Files the participants' servers read at start: copied here because the checkout itself
# may sit in a folder they cannot enter.
rm -rf "$env/hub-files.new"
cp -r "$repo/hub/participant" "$env/hub-files.new"
rm -rf "$env/hub-files"
chmod -R a+rX "$env/hub-files.new"
mv "$env/hub-files.new" "$env/hub-files"
ln -sfn "$env" "$prefix/env"
echo "$env"
