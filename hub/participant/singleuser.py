"""A participant's server: JupyterHub's own `jupyterhub-singleuser`, without loading what a
participant's server never uses (start.sh runs this file with `python -P`): ~23 MB and a few
tenths of a CPU second per server start, times the whole class (benchmarks/README.md).

What, and how, without changing what any code sees:

* The hub's database layer. `jupyterhub.log` (the server's request log) imports the hub's page
  handlers for one `isinstance(handler, HealthCheckHandler)` check, and with them every hub
  handler, the hub's ORM and alembic; `jupyterhub.metrics` and `jupyterhub.scopes` import the
  ORM at module level for code only the hub runs.
  - `jupyterhub.orm` starts as a stand-in whose first attribute read imports the real module
    and hands every read over to it: code that uses the ORM gets the ORM.
  - Only while `jupyterhub.log` is imported, `jupyterhub.handlers.pages` is a stand-in whose
    `HealthCheckHandler` answers isinstance checks with the real class once the real module is
    imported (an object can only be an instance of the real class if that class exists, so
    before then the answer is False). Then the stand-ins are removed: a later import of
    `jupyterhub.handlers` loads the real package.
* setuptools and pkg_resources. nbgrader's assignment list imports `nbgrader.utils`, which takes
  three archive functions from setuptools for the instructor's zip import.
  `setuptools.archive_util` starts as a stand-in whose three functions import the real module
  when one of them is called.

If the JupyterHub part fails (another JupyterHub version), the server starts the stock way.
"""

from __future__ import annotations

import importlib
import sys
import types

_PAGES = "jupyterhub.handlers.pages"


class _LoadedOnFirstUse(types.ModuleType):
    """A module that imports the real one at its first attribute read and then delegates."""

    def _real_module(self) -> types.ModuleType:
        real = self.__dict__.get("_real")
        if real is None:
            if sys.modules.get(self.__name__) is self:
                del sys.modules[self.__name__]
            real = importlib.import_module(self.__name__)
            self.__dict__["_real"] = real
        return real

    def __getattr__(self, name: str):
        if name == "__path__":  # the import system asks whether this is a package; the real
            raise AttributeError(name)  # modules stood in for are plain modules
        return getattr(self._real_module(), name)

    def calls_later(self, *names: str) -> _LoadedOnFirstUse:
        """Functions that a `from ... import` takes at import time: each imports the real
        module when it is called."""
        for name in names:
            def call(*args, _name=name, **kwargs):
                return getattr(self._real_module(), _name)(*args, **kwargs)
            call.__name__ = call.__qualname__ = name
            setattr(self, name, call)
        return self


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
    # nbgrader.utils (the assignment list imports it) takes three archive functions from
    # setuptools for its zip import, an instructor's tool; setuptools and pkg_resources cost
    # ~11 MB and 0.2 s per server. They load when one of the three is called.
    sys.modules.setdefault("setuptools.archive_util", _LoadedOnFirstUse(
        "setuptools.archive_util").calls_later("unpack_archive", "unpack_tarfile",
                                               "unpack_zipfile"))
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
