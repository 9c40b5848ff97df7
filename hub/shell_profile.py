"""The course's tools on PATH in every shell a hub user opens.

JupyterLab's Terminal starts a *login* shell, and Debian's ``/etc/profile`` resets PATH, so
the participants' environment the spawner put first on PATH is gone there: ``python`` is
not found, ``python3`` is Debian's (no nbgrader), ``nbgrader`` is not found. ``su - gv01``
clears the whole environment. This module writes ``/etc/profile.d/ai-kinh-doanh.sh`` (read by
every login shell) and a guarded line in ``/etc/bash.bashrc`` (interactive non-login shells)
that put the participants' environment first on PATH again, for members of the course group
only. For instructors (group ``giang-vien``) it also restores what ``su -`` cleared: the
instructor tools on PYTHONPATH and nbgrader's config path (exchange folder, course folder).

Values the server already has (a Terminal inherits the server's environment) are kept, so a
running server keeps the release it started with; the fixed paths written here are only the
fallback for a shell that inherited nothing.
"""

from __future__ import annotations

import shlex
from pathlib import Path

PROFILE = Path("/etc/profile.d/ai-kinh-doanh.sh")
BASHRC = Path("/etc/bash.bashrc")
MARK = "# ai-kinh-doanh: course tools on PATH (hub/shell_profile.py)"


def render(env_path: str | Path, exchange: str | Path, course_id: str = "ai-kinh-doanh",
           participants_group: str = "hoc-vien", instructors_group: str = "giang-vien") -> str:
    """The profile script (POSIX sh: bash, dash and sh read /etc/profile.d)."""
    q = shlex.quote
    return f"""{MARK}
# Written by `make hub` (python -m hub.run); rewritten on every run. Only course users.
_akd_groups=" $(id -nG 2>/dev/null) "
case "$_akd_groups" in
*" {participants_group} "*|*" {instructors_group} "*)
  _akd_env={q(str(env_path))}
  _akd_bin="${{COURSE_HUB_ENV_BIN:-$_akd_env/bin}}"
  case ":$PATH:" in
  *":$_akd_bin:"*) ;;
  *) PATH="$_akd_bin:$PATH"; export PATH ;;
  esac
  : "${{COURSE_EXCHANGE_ROOT:={q(str(exchange))}}}"
  : "${{COURSE_ID:={q(course_id)}}}"
  export COURSE_EXCHANGE_ROOT COURSE_ID
  _akd_release="$_akd_env/current"
  if [ -z "${{JUPYTER_CONFIG_PATH:-}}" ]; then
    JUPYTER_CONFIG_PATH="$_akd_release/hub-files/jupyter:$_akd_release/lib/course/jupyter_config"
    case "$_akd_groups" in
    *" {instructors_group} "*)
      JUPYTER_CONFIG_PATH="$_akd_release/hub-files/instructor:$JUPYTER_CONFIG_PATH" ;;
    esac
    export JUPYTER_CONFIG_PATH
  fi
  if [ -z "${{PYTHONPATH:-}}" ]; then
    PYTHONPATH="$_akd_release/lib"
    case "$_akd_groups" in
    *" {instructors_group} "*) PYTHONPATH="$_akd_release/instructor:$PYTHONPATH" ;;
    esac
    export PYTHONPATH
  fi
  unset _akd_env _akd_bin _akd_release
  ;;
esac
unset _akd_groups
"""


def install(env_path: str | Path, exchange: str | Path, profile: Path = PROFILE,
            bashrc: Path | None = BASHRC, course_id: str = "ai-kinh-doanh") -> Path:
    """Write the profile script and hook it into bash's non-login start file; returns it."""
    profile = Path(profile)
    profile.parent.mkdir(parents=True, exist_ok=True)
    tmp = profile.with_name(profile.name + ".tmp")
    tmp.write_text(render(env_path, exchange, course_id), encoding="utf-8")
    tmp.chmod(0o644)
    tmp.replace(profile)  # a shell opened meanwhile reads the old or the new file, never half
    if bashrc is not None:
        hook = f"{MARK}\n[ -r {shlex.quote(str(profile))} ] && . {shlex.quote(str(profile))}\n"
        text = bashrc.read_text(encoding="utf-8") if bashrc.exists() else ""
        if MARK not in text:
            with open(bashrc, "a", encoding="utf-8") as fh:
                fh.write(("\n" if text and not text.endswith("\n") else "") + hook)
    return profile
