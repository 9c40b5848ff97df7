"""The course's IPython kernel: the same kernel, reporting the lessons' own `language_info`.

JupyterLab copies the kernel's `language_info` (Python version, lexer, file extension) into a
notebook's metadata as soon as the kernel is ready. The lessons store only
`{"name": "python"}` (no version: participants run 3.11 to 3.13), so every lesson showed as
modified ("●") the moment it opened, and a participant who closed it was asked to save a
change they never made. Reporting exactly what the lessons store keeps a freshly opened lesson
clean; JupyterLab still finds Python highlighting from the name.
"""

from __future__ import annotations

from ipykernel.ipkernel import IPythonKernel


class CourseKernel(IPythonKernel):
    """IPython's kernel with the language_info the course's notebooks store."""

    language_info = {"name": "python"}  # noqa: RUF012  (ipykernel reads a class attribute)
