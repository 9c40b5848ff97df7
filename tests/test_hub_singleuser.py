"""hub/participant/singleuser.py, the participants' server command: the same JupyterHub
single-user server without the hub's ORM, alembic and page handlers, setuptools or IPython,
and nothing that uses them sees a difference. Runs in the real participants' environment, with
the imports a participant's server makes and a real request through JupyterHub's request log.
(A real hub starts its servers with it in tests/test_hub_spawn_cost.py and every hub test.)"""

from __future__ import annotations

import json
import subprocess
import textwrap
from pathlib import Path

from hub.testing import participant_env, skip_module_unless_hub_can_run

skip_module_unless_hub_can_run("the participants' server command test")

LAUNCHER = Path(__file__).resolve().parents[1] / "hub" / "participant" / "singleuser.py"

SCRIPT = textwrap.dedent("""
    import importlib.util, io, json, logging, sys, threading, types, urllib.request
    spec = importlib.util.spec_from_file_location("launcher", sys.argv[1])
    launcher = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(launcher)
    out = {"installed": launcher.install()}
    # What a participant's server imports: jupyter_server, the hub's single-user extension,
    # JupyterLab, nbgrader's assignment list and validation, Voila, the course's extensions.
    import jupyter_server.serverapp, jupyterhub.singleuser.extension, jupyterlab
    import nbgrader.server_extensions.validate_assignment
    import nbgrader.server_extensions.assignment_list, voila.server_extension
    import course.jupyter_ext, course.app_links, course.app_culler, course.lab_layout
    out["loaded_at_start"] = sorted(
        n for n in ("alembic", "jupyterhub.handlers", "jupyterhub.handlers.base",
                    "jupyterhub.handlers.pages", "setuptools", "pkg_resources", "IPython")
        if n in sys.modules)
    out["orm_stand_in"] = type(sys.modules["jupyterhub.orm"]).__name__

    # A real request through a tornado server whose log function is JupyterHub's.
    import tornado.ioloop, tornado.web
    from jupyterhub.log import log_request
    class Hello(tornado.web.RequestHandler):
        def get(self):
            self.write("xin chao")
    stream = io.StringIO()
    logging.getLogger("tornado.access").addHandler(logging.StreamHandler(stream))
    logging.getLogger("tornado.access").setLevel(logging.DEBUG)
    ready = threading.Event()
    port = []
    def serve():
        import asyncio
        asyncio.set_event_loop(asyncio.new_event_loop())
        app = tornado.web.Application([("/chao", Hello)], log_function=log_request)
        server = app.listen(0, "127.0.0.1")
        port.append(next(iter(server._sockets.values())).getsockname()[1])
        ready.set()
        tornado.ioloop.IOLoop.current().start()
    threading.Thread(target=serve, daemon=True).start()
    ready.wait(10)
    body = urllib.request.urlopen(f"http://127.0.0.1:{port[0]}/chao?token=bi-mat", timeout=10)
    out["body"] = body.read().decode()
    import time
    for _ in range(100):  # the request is logged just after its answer is sent
        if stream.getvalue():
            break
        time.sleep(0.05)
    out["log"] = stream.getvalue()

    # The real hub modules still come whole when something asks for them.
    import jupyterhub.handlers.pages as pages
    real_check = object.__new__(pages.HealthCheckHandler)
    import jupyterhub.log as hublog
    out["health_check_seen"] = isinstance(real_check, hublog.HealthCheckHandler)
    out["other_handler_seen"] = isinstance(object.__new__(Hello), hublog.HealthCheckHandler)
    import jupyterhub.scopes
    out["orm_user_is_real"] = (
        jupyterhub.scopes.orm.User is sys.modules["jupyterhub.orm"].User
        and type(sys.modules["jupyterhub.orm"]) is types.ModuleType)
    # nbgrader's zip import (an instructor's tool) still unpacks, with the real setuptools.
    import os, tempfile, zipfile
    import nbgrader.utils
    work = tempfile.mkdtemp()
    with zipfile.ZipFile(os.path.join(work, "bai.zip"), "w") as archive:
        archive.writestr("hv1/bai_lam.txt", "xong")
    os.mkdir(os.path.join(work, "ra"))
    nbgrader.utils.unzip(os.path.join(work, "bai.zip"), os.path.join(work, "ra"))
    out["unzipped"] = open(os.path.join(work, "ra", "hv1", "bai_lam.txt")).read()
    with open(os.path.join(work, "hong.gz"), "w") as broken:  # neither zip nor tar
        broken.write("khong phai tep nen")
    try:  # each driver's "not my format" goes through the stand-in's functions
        nbgrader.utils.unzip(os.path.join(work, "hong.gz"), os.path.join(work, "ra"))
    except Exception as error:
        out["unzip_error"] = type(error).__name__
    out["loaded_after_use"] = sorted(
        n for n in ("alembic", "jupyterhub.handlers.base", "setuptools") if n in sys.modules)
    print(json.dumps(out))
""")


def test_server_starts_without_the_hub_database_layer_and_nothing_notices():
    env = participant_env()
    done = subprocess.run(
        [str(env / "bin" / "python"), "-P", "-c", SCRIPT, str(LAUNCHER)],
        capture_output=True, text=True, timeout=180,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(env / "current" / "lib"),
             "HOME": "/tmp", "LANG": "C.UTF-8"})
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["installed"] is True
    assert out["loaded_at_start"] == [], out["loaded_at_start"]
    assert out["orm_stand_in"] == "_LoadedOnFirstUse"
    # JupyterHub's request log ran (status, method, path) and still hides the token.
    assert out["body"] == "xin chao"
    assert "200 GET /chao" in out["log"] and "bi-mat" not in out["log"], out["log"]
    assert out["health_check_seen"] is True and out["other_handler_seen"] is False
    assert out["orm_user_is_real"] is True
    assert out["unzipped"] == "xong" and out["unzip_error"] == "UnrecognizedFormat"
    assert out["loaded_after_use"] == ["alembic", "jupyterhub.handlers.base", "setuptools"]
