"""JupyterHub configuration for one workshop server of the course "ai-kinh-doanh".

Start it with `make hub ROSTER=lop.csv INSTRUCTORS=gv01` (see hub/README.md), which sets the
COURSE_HUB_* variables below and runs `jupyterhub -f hub/jupyterhub_config.py` as root.
Every setting comes from an environment variable with a default for a real workshop, so tests
start this same file on 127.0.0.1 with free ports and short timeouts.

Pieces: firstuseauthenticator (hub/auth.py) admits exactly the roster (each person sets their
password at the first login), CourseSpawner (hub/spawner.py) starts each server as the
person's own OS user from the shared participant environment, configurable-http-proxy (npm)
in front, jupyterhub-idle-culler stops idle servers, nbgrader's groups nbgrader-<course> and
formgrade-<course> give courses and roles.
"""

import glob
import os
import secrets
import sqlite3
import sys
from pathlib import Path

import sqlalchemy.engine
import sqlalchemy.event

from hub.exchange import prepare as prepare_exchange
from hub.run import DEFAULT_STATE
from hub.spawner import COURSE_ID, CourseSpawner
from hub.users import load_roster

HERE = Path(__file__).resolve().parent

c = get_config()  # noqa: F821  (injected by traitlets)


def setting(name: str, default: str) -> str:
    return os.environ.get(f"COURSE_HUB_{name}", default)


STATE = Path(setting("STATE", DEFAULT_STATE))
STATE.mkdir(parents=True, exist_ok=True)
os.chmod(STATE, 0o700)  # database, cookie secret and passwords: root only
PARTICIPANT_ENV = setting("ENV", "/opt/ai-kinh-doanh/env")

# --- Who may log in: the roster (plus instructors) and nobody else --------------------------
roster = load_roster(Path(setting("ROSTER", str(HERE / "roster-example.csv"))),
                     [n for n in setting("INSTRUCTORS", "").split(",") if n])
for problem in roster.problems:
    print(f"[hub] roster: {problem}", file=sys.stderr)
# firstuseauthenticator with its bcrypt off the hub's event loop (hub/auth.py); the settings
# below are firstuseauthenticator's and apply to it unchanged.
c.JupyterHub.authenticator_class = "hub.auth.CourseAuthenticator"
c.Authenticator.allowed_users = set(roster.everyone)
c.Authenticator.admin_users = set()
c.FirstUseAuthenticator.dbm_path = str(STATE / "passwords.dbm")
c.FirstUseAuthenticator.create_users = False  # OS users come from hub/users.py
c.FirstUseAuthenticator.min_password_length = int(setting("MIN_PASSWORD", "6"))

# nbgrader's JupyterHub integration: course membership and roles are hub groups.
c.JupyterHub.load_groups = {
    f"nbgrader-{COURSE_ID}": {"users": roster.participants},
    f"formgrade-{COURSE_ID}": {"users": roster.instructors},
}
# Vietnamese pages (hub/templates/: login with the first-login note, errors, spawn, home).
c.JupyterHub.template_paths = [str(HERE / "templates")]
# Instructors see the Admin page (who is logged in, stop a stuck server); passwords are reset
# with `sudo .venv/bin/python -m hub.passwords MA` (deleting a user would drop their groups).
c.JupyterHub.load_roles = [{"name": "giang-vien-quan-tri", "groups": [f"formgrade-{COURSE_ID}"],
                            "scopes": ["admin-ui", "list:users", "read:users", "admin:servers",
                                       "list:groups", "read:groups"]}]

# --- Network ------------------------------------------------------------------------------
c.JupyterHub.bind_url = f"http://{setting('IP', '0.0.0.0')}:{setting('PORT', '8000')}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(setting("HUB_PORT", "8081"))
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{setting('PROXY_API_PORT', '8001')}"
c.ConfigurableHTTPProxy.command = [setting(
    "PROXY_COMMAND", str(HERE.parent / ".venv" / "hub-node" / "node_modules" / ".bin"
                         / "configurable-http-proxy"))]
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"


def _sqlite_wal(dbapi_connection, _record) -> None:
    """The hub's sqlite database in WAL mode, commits without fsync (synchronous=NORMAL).

    Every hub request ends in a commit, and in sqlite's default mode each commit waits for
    two or three fsyncs inside the hub's only event loop: ~1 ms on a quiet disk, tens of ms
    while a class's servers write, and every other request waits meanwhile (18% of the hub's
    busy time in the 10-participant load test, benchmarks/README.md "Hub process"). In WAL
    mode a commit is still atomic and survives the hub being killed; only a power loss can
    undo the last commits, and that stops every participant's server anyway."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


if c.JupyterHub.db_url.startswith("sqlite:"):  # the hub's process has no other database
    sqlalchemy.event.listen(sqlalchemy.engine.Engine, "connect", _sqlite_wal)


def state_secret(name: str) -> str:
    """A random secret kept in the state folder (root only), made at the first start."""
    path = STATE / name
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32) + "\n")
    return path.read_text().strip()


# --- A restart loses nothing (hub/README.md, "Khởi động lại hub" vs "Dừng lớp") ----------------
# Ctrl+C / SIGTERM stops the hub, its proxy and its services, but NOT the participants' servers:
# their kernels and open tabs live on. The next start finds them (their pids are in the
# database), gives the new proxy their routes again, and the browser's cookies still hold
# because the cookie secret and the proxy's token are the same. `python -m hub.run --stop-class`
# stops the class (every server, then the hub).
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.auth_token = state_secret("proxy_auth_token")
c.ConfigurableHTTPProxy.pid_file = str(STATE / "proxy.pid")  # a proxy left by a killed hub goes
c.JupyterHub.pid_file = str(STATE / "jupyterhub.pid")
c.JupyterHub.cleanup_servers = False

# --- Servers ------------------------------------------------------------------------------
c.JupyterHub.spawner_class = CourseSpawner
c.CourseSpawner.participant_env = PARTICIPANT_ENV
# Each hub its own exchange by default (next to its state folder): two classes on one server
# with the same course id never see each other's assignments or submissions.
c.CourseSpawner.exchange_root = setting("EXCHANGE", f"{STATE}-exchange")
for note in prepare_exchange(c.CourseSpawner.exchange_root, COURSE_ID,  # hub/exchange.py
                             list(roster.everyone)):
    print(f"[hub] exchange: {note}", file=sys.stderr)
c.CourseSpawner.edition_repo = setting("EDITION_REPO", "/opt/ai-kinh-doanh/edition")
c.CourseSpawner.edition_branch = setting("EDITION_BRANCH", "main")
c.CourseSpawner.instructors = roster.instructors
c.CourseSpawner.memory_limit_mb = int(setting("MEM_MB", "1024"))
c.CourseSpawner.cpu_limit_cores = float(setting("CPUS", "1"))
c.Spawner.notebook_dir = "~"
c.Spawner.default_url = "/lab/tree/khoa-hoc/notebooks/00_bat_dau.ipynb"
# A class starting at once on a small server: each server needs ~3 CPU seconds to start, so
# 40 starts on 2 cores took minutes in the load test (benchmarks/README.md). Wait, not fail.
c.Spawner.start_timeout = int(setting("START_TIMEOUT", "300"))
c.Spawner.http_timeout = int(setting("HTTP_TIMEOUT", "300"))
# A spawn wave (a whole class pressing "Start" at 8:00): up to 40 starts at a time. A server
# start now costs about 1 CPU s, so 40 on 2 cores are all up in under a minute (40 together:
# p95 35-46 s; with 20 at a time, 66 s: the other 20 were told to come back after 30-60 s).
# Whoever comes over the limit gets "the server is busy" (429 + Retry-After, JupyterHub's
# default 30-60 s) and the page tries again by itself after that many seconds
# (templates/error.html). A shorter wait (10-20 s, with 20 at a time) measured slower: p95
# 73 s, the second half's starts then compete with the first half's lessons
# (benchmarks/README.md, "A class that opens together").
c.JupyterHub.concurrent_spawn_limit = int(setting("CONCURRENT_SPAWNS", "40"))
c.JupyterHub.active_server_limit = int(setting("ACTIVE_SERVERS", "0"))

# The server's own token may read its user's groups: nbgrader's JupyterHub auth plugin
# asks the hub which courses (nbgrader-<course>/formgrade-<course>) the user belongs to.
c.JupyterHub.load_roles += [
    {"name": "server", "scopes": ["inherit"]},
    {"name": "idle-culler", "services": ["idle-culler"],
     "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"]},
    {"name": "class-stop", "services": ["class-stop"],
     "scopes": ["list:users", "read:servers", "delete:servers"]},
]

# --- Idle culling -------------------------------------------------------------------------
# Managed services run under hub.with_parent: they end when the hub process dies, even by
# `kill -9` (an orphan would keep polling, or keep its port).
CULL_IDLE = int(setting("CULL_IDLE", "3600"))
c.JupyterHub.services = [{
    "name": "idle-culler",
    "command": [sys.executable, "-m", "hub.with_parent", str(os.getpid()),
                "jupyterhub_idle_culler", f"--timeout={CULL_IDLE}",
                f"--cull-every={int(setting('CULL_EVERY', str(max(CULL_IDLE // 6, 1))))}",
                f"--max-age={int(setting('MAX_AGE', '0'))}"],
}, {
    # No process: a token for `python -m hub.run --stop-class` (stop every server, then the hub).
    "name": "class-stop", "api_token": state_secret("class_stop_token"),
}]
(STATE / "hub_api_url").write_text(f"http://127.0.0.1:{c.JupyterHub.hub_port}/hub/api\n")
c.JupyterHub.last_activity_interval = int(setting("ACTIVITY_INTERVAL", "60"))

# --- Extra services (e.g. the LLM gateway, hub/gateway/) ----------------------------------
# Each file *.py in the folders of COURSE_HUB_SERVICES_DIR (default hub/services.d/; several
# folders separated by ":") is JupyterHub extra configuration, loaded in name order with
# `load_subconfig` (traitlets): it gets a `c` of its own, merged into this one afterwards, so it
# adds with c.JupyterHub.services.append(…), c.JupyterHub.load_roles.append(…) and
# c.Spawner.environment.update(…) and never replaces what is set here.
for folder in setting("SERVICES_DIR", str(HERE / "services.d")).split(os.pathsep):
    for path in sorted(glob.glob(os.path.join(folder, "*.py"))):
        load_subconfig(path)  # noqa: F821  (injected by traitlets, like get_config)
