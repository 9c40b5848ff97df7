"""Instructors reset a participant's forgotten password at /services/mat-khau/
(hub/password_service.py).

Loaded by hub/jupyterhub_config.py with JupyterHub's `load_subconfig` (`c`: this file's own
configuration, merged into the hub's afterwards, so it only appends). The service runs as the
hub's user (root: the password file is root's) under hub.with_parent, so it never outlives
the hub. Only the instructors' group may open it; the service may read users and their groups.
"""

import os
import socket
import sys

from hub.run import DEFAULT_STATE
from hub.spawner import COURSE_ID

with socket.socket() as probe:
    probe.bind(("127.0.0.1", 0))
    _port = probe.getsockname()[1]

c.JupyterHub.services.append({  # noqa: F821  (c: the hub's config, given by the loader)
    "name": "mat-khau",
    "url": f"http://127.0.0.1:{_port}",
    "command": [sys.executable, "-m", "hub.with_parent", str(os.getpid()),
                "hub.password_service"],
    "environment": {"COURSE_ID": COURSE_ID,
                    "COURSE_HUB_STATE": os.environ.get("COURSE_HUB_STATE", DEFAULT_STATE)},
    "oauth_no_confirm": True,
    "display": True,
    "info": {"vi": "Đặt lại mật khẩu học viên (giảng viên)"},
})
c.JupyterHub.load_roles.append({  # noqa: F821
    "name": "mat-khau-service", "services": ["mat-khau"],
    "scopes": ["read:users", "read:users:groups"]})
c.JupyterHub.load_roles.append({  # noqa: F821
    "name": "giang-vien-mat-khau", "groups": [f"formgrade-{COURSE_ID}"],
    "scopes": ["access:services!service=mat-khau"]})
