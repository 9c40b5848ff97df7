#!/usr/bin/env bash
# Runs as the participant's own OS user: the spawner's command on the workshop hub.
# 1. Sync the participant edition into ~/khoa-hoc with nbgitpuller (first login: clone;
#    later: pull the instructor's updates, merging so the participant's own edits are kept).
# 2. Become the single-user Jupyter server.
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
env_bin="${COURSE_HUB_ENV_BIN:?set by the hub spawner}"
if [ -n "${COURSE_EDITION_REPO:-}" ]; then
  cd "$HOME" || exit 1
  # The edition repository belongs to root; git refuses another owner's repository unless it
  # is named safe in the global scope, so this one command gets its own global config file
  # (nothing is written to ~/.gitconfig).
  if ! GIT_CONFIG_GLOBAL="$here/gitconfig" "$env_bin/gitpuller" "$COURSE_EDITION_REPO" "${COURSE_EDITION_BRANCH:-main}" \
       "${COURSE_EDITION_DIR:-khoa-hoc}" >"$HOME/.khoa-hoc-sync.log" 2>&1; then
    echo "Không đồng bộ được bản khóa học (xem ~/.khoa-hoc-sync.log); máy chủ vẫn mở." >&2
  fi
fi
exec "$env_bin/jupyterhub-singleuser" "$@"
