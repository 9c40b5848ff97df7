#!/usr/bin/env bash
# Runs as the participant's own OS user: the spawner's command on the workshop hub.
# 1. Sync the participant edition into ~/khoa-hoc with nbgitpuller (first login: clone;
#    later: pull the instructor's updates, merging so the participant's own edits are kept).
#    Skipped, with no git process at all, when the edition's commit is the one the last
#    successful sync brought and every file that sync brought is still there (a deleted lesson
#    comes back at the next start, as nbgitpuller's pull would bring it back).
# 2. Become the single-user Jupyter server (singleuser.py).
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
env_bin="${COURSE_HUB_ENV_BIN:?set by the hub spawner}"

# The commit of BRANCH in a local repository (work tree or bare), read from its files; empty
# when it cannot be read that way (a remote URL, another ref format): then the sync runs.
edition_commit() {
  local repo="$1" branch="$2" gitdir commit=""
  gitdir="$repo/.git"
  [ -d "$gitdir" ] || gitdir="$repo"
  if [ -f "$gitdir/refs/heads/$branch" ]; then
    read -r commit <"$gitdir/refs/heads/$branch"
  elif [ -f "$gitdir/packed-refs" ]; then
    while read -r sha ref _; do
      if [ "$ref" = "refs/heads/$branch" ]; then commit="$sha"; fi
    done <"$gitdir/packed-refs"
  fi
  case "$commit" in
    *[!0-9a-f]* | "") echo "" ;;
    *) echo "$commit" ;;
  esac
}

# True when every path listed (NUL-separated, relative to DIR) in MANIFEST exists.
all_present() {
  local dir="$1" manifest="$2" path
  [ -f "$manifest" ] || return 1
  while IFS= read -r -d '' path; do
    [ -e "$dir/$path" ] || return 1
  done <"$manifest"
}

if [ -n "${COURSE_EDITION_REPO:-}" ]; then
  cd "$HOME" || exit 1
  branch="${COURSE_EDITION_BRANCH:-main}"
  dir="${COURSE_EDITION_DIR:-khoa-hoc}"
  stamp="$HOME/.khoa-hoc-sync.commit"
  manifest="$HOME/.khoa-hoc-sync.files"
  commit="$(edition_commit "$COURSE_EDITION_REPO" "$branch")"
  last=""
  [ -f "$stamp" ] && read -r last <"$stamp"
  if [ -n "$commit" ] && [ "$commit" = "$last" ] && [ -d "$dir/.git" ] \
     && all_present "$dir" "$manifest"; then
    echo "Bản khóa học chưa đổi (${commit:0:10}): không cần đồng bộ." >"$HOME/.khoa-hoc-sync.log"
  # The edition repository belongs to root; git refuses another owner's repository unless it
  # is named safe in the global scope, so this one command gets its own global config file
  # (nothing is written to ~/.gitconfig).
  elif GIT_CONFIG_GLOBAL="$here/gitconfig" "$env_bin/gitpuller" "$COURSE_EDITION_REPO" "$branch" \
       "$dir" >"$HOME/.khoa-hoc-sync.log" 2>&1; then
    if [ -n "$commit" ] && git -C "$dir" ls-files -z >"$manifest.tmp" 2>/dev/null; then
      mv -f "$manifest.tmp" "$manifest"
      echo "$commit" >"$stamp"
    else
      rm -f "$stamp" "$manifest.tmp"
    fi
  else
    rm -f "$stamp"
    echo "Không đồng bộ được bản khóa học (xem ~/.khoa-hoc-sync.log); máy chủ vẫn mở." >&2
  fi
fi
# jupyterhub-singleuser without the hub's database layer (singleuser.py says why); -P: the
# folder of singleuser.py is not put on the import path.
exec "$env_bin/python" -P "$here/singleuser.py" "$@"
