"""The course's IPython kernel: the same kernel, reporting the lessons' own `language_info`.

JupyterLab copies the kernel's `language_info` (Python version, lexer, file extension) into a
notebook's metadata as soon as the kernel is ready. The lessons store only
`{"name": "python"}` (no version: participants run 3.11 to 3.13), so every lesson showed as
modified ("●") the moment it opened, and a participant who closed it was asked to save a
change they never made. Reporting exactly what the lessons store keeps a freshly opened lesson
clean; JupyterLab still finds Python highlighting from the name.

It also starts without debugpy, which ipykernel loads at every kernel start for JupyterLab's
visual debugger: a tool for programmers that no lesson uses, ~7 MB and ~0.1 s of CPU per
kernel (lesson tabs, app pages, a class of 80 on one hub; benchmarks/README.md). ipykernel looks
for debugpy when the kernel object is created, after it has imported this module (the kernel
class), so the kernel reports no debugger and JupyterLab shows none.
"""

from __future__ import annotations

import sys

if "ipykernel.debugger" not in sys.modules:  # not yet looked for
    sys.modules.setdefault("debugpy", None)

from ipykernel.ipkernel import IPythonKernel  # noqa: E402


class CourseKernel(IPythonKernel):
    """IPython's kernel with the language_info the course's notebooks store."""

    language_info = {"name": "python"}  # noqa: RUF012  (ipykernel reads a class attribute)
