"""A participant's server: JupyterHub's own `jupyterhub-singleuser`, minus the hub's database
layer, which a single-user server never uses (start.sh runs this file with `python -P`).

Why: the single-user server imports `jupyterhub.log` for its request log. That module imports
the hub's page handlers for one `isinstance(handler, HealthCheckHandler)` check, and with them
every hub handler, the hub's ORM and alembic; `jupyterhub.metrics` and `jupyterhub.scopes`
import the ORM at module level for code only the hub runs. Per server start that is ~0.35 s
of CPU and ~17 MB (benchmarks/README.md, "Participant server start"), times the whole class.

How, without changing what any code sees:

* `jupyterhub.orm` starts as a stand-in whose first attribute read imports the real module and
  hands every read over to it: code that uses the ORM gets the ORM.
* Only while `jupyterhub.log` is imported, `jupyterhub.handlers.pages` is a stand-in whose
  `HealthCheckHandler` answers isinstance checks with the real class, once the real module is
  imported (an object can only be an instance of the real class if that class exists, so
  before then the answer is False). Then the stand-ins are removed: a later import of
  `jupyterhub.handlers` loads the real package.

If any of it fails (another JupyterHub version), the server starts the stock way.
"""

from __future__ import annotations

import importlib
import sys
import types

_PAGES = "jupyterhub.handlers.pages"


class _LoadedOnFirstUse(types.ModuleType):
    """A module that imports the real one at its first attribute read and then delegates."""

    def __getattr__(self, name: str):
        real = self.__dict__.get("_real")
        if real is None:
            if sys.modules.get(self.__name__) is self:
                del sys.modules[self.__name__]
            real = importlib.import_module(self.__name__)
            self.__dict__["_real"] = real
        return getattr(real, name)


class _RealClassCheck(type):
    def __instancecheck__(cls, obj: object) -> bool:
        real = sys.modules.get(_PAGES)
        if real is None or getattr(real, "HealthCheckHandler", cls) is cls:
            return False
        return isinstance(obj, real.HealthCheckHandler)


class HealthCheckHandler(metaclass=_RealClassCheck):
    """Stand-in for jupyterhub.handlers.pages.HealthCheckHandler in jupyterhub.log."""


def install() -> bool:
    """Import `jupyterhub.log` without the hub's handlers and ORM; True when that worked."""
    if "jupyterhub.log" in sys.modules:
        return False
    handlers = types.ModuleType("jupyterhub.handlers")
    handlers.__path__ = []
    pages = types.ModuleType(_PAGES)
    pages.HealthCheckHandler = HealthCheckHandler
    stand_ins = {"jupyterhub.orm": _LoadedOnFirstUse("jupyterhub.orm"),
                 "jupyterhub.handlers": handlers, _PAGES: pages}
    sys.modules.update(stand_ins)
    try:
        import jupyterhub.log  # noqa: F401  (binds the stand-ins where it imports them)
        ok = True
    except Exception:  # another JupyterHub: forget every trace, start the stock way
        for name in [n for n in sys.modules if n.startswith("jupyterhub.")]:
            del sys.modules[name]
        ok = False
    for name, module in stand_ins.items():
        if name != "jupyterhub.orm" and sys.modules.get(name) is module:
            del sys.modules[name]
    jupyterhub = sys.modules.get("jupyterhub")
    if jupyterhub is not None and getattr(jupyterhub, "handlers", None) is handlers:
        del jupyterhub.handlers
    return ok


def main() -> int:
    install()
    from jupyterhub.singleuser import main as singleuser_main

    sys.argv[0] = "jupyterhub-singleuser"
    return singleuser_main()


if __name__ == "__main__":
    sys.exit(main())
