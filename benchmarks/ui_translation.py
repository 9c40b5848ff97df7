"""Share of Vietnamese labels in the menus the lessons use, with and without the course's
catalogue (course/jupyter_config/translations), measured in a real Chromium on JupyterLab
started by course.lab. Prints a Markdown table for benchmarks/README.md.

Usage: .venv/bin/python benchmarks/ui_translation.py
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
from course.lab import START_PAGE, lab_command, lab_environment  # noqa: E402

MENUS = ("Tệp", "Chỉnh sửa", "Chạy", "Kernel")  # the menus lessons and the error help name
# Labels that read the same in Vietnamese (product names) are not counted as English.
SAME_IN_VIETNAMESE = {"Markdown", "Notebook", "Python", "Kernel", "Console", "JupyterLab",
                      "In"}  # "In…" is Vietnamese for Print…
ENGLISH = re.compile(r"[A-Za-z0-9 …'’().,:&/%-]+")


def _english(label: str) -> bool:
    if not ENGLISH.fullmatch(label):
        return False  # has Vietnamese letters
    return not set(re.findall(r"[A-Za-z]+", label)) <= SAME_IN_VIETNAMESE


def _start(root: Path, tmp: Path, catalogue: bool) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = lab_environment({k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"})
    env.update({"PYTHONPATH": str(REPO), "JUPYTERLAB_SETTINGS_DIR": str(tmp / "settings"),
                "JUPYTERLAB_WORKSPACES_DIR": str(tmp / "ws"),
                "JUPYTER_RUNTIME_DIR": str(tmp / "rt"),
                "COURSE_UI_CATALOGUE": "on" if catalogue else "off"})
    cmd = lab_command(root, ["--no-browser", "--ip=127.0.0.1", f"--port={port}",
                             "--IdentityProvider.token=bench"])
    proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{base}/api/status?token=bench", timeout=2)
            return proc, base
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    raise SystemExit("JupyterLab did not start")


def measure(catalogue: bool) -> dict[str, tuple[int, int, list[str]]]:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        root = tmp / "course"
        shutil.copytree(REPO / "notebooks", root / "notebooks",
                        ignore=shutil.ignore_patterns("ket_qua", ".ipynb_checkpoints"))
        proc, base = _start(root, tmp, catalogue)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                            args=["--no-sandbox", "--headless"])
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.set_default_timeout(60_000)
                page.goto(f"{base}/lab/tree/{START_PAGE}?token=bench")
                page.locator(".jp-Notebook .jp-Cell").first.wait_for()
                page.locator("#jp-main-statusbar").filter(
                    has_text=re.compile(r"\| (Idle|Rảnh)")).wait_for()
                out = {}
                for title in MENUS:
                    page.locator(".lm-MenuBar-itemLabel").filter(
                        has_text=re.compile(f"^{title}$")).first.click()
                    labels = [x.strip() for x in page.locator(".lm-Menu-content").first
                              .locator(".lm-Menu-itemLabel").all_inner_texts() if x.strip()]
                    page.keyboard.press("Escape")
                    english = [x for x in labels if _english(x)]
                    out[title] = (len(labels) - len(english), len(labels), english)
                header = page.locator(".jp-DirListing-header").inner_text().split("\n")
                english = [x for x in header if x.strip() and _english(x.strip())]
                out["Trình duyệt tệp (cột)"] = (len(header) - len(english), len(header), english)
                browser.close()
        finally:
            proc.terminate()
            proc.wait(30)
    return out


def main() -> None:
    before, after = measure(False), measure(True)
    print("| menu | language pack only | with the course catalogue |")
    print("|---|---|---|")
    totals = [0, 0, 0, 0]
    for name in before:
        b, a = before[name], after[name]
        totals = [totals[0] + b[0], totals[1] + b[1], totals[2] + a[0], totals[3] + a[1]]
        print(f"| {name} | {b[0]}/{b[1]} | {a[0]}/{a[1]} |")
    print(f"| **total** | **{totals[0]}/{totals[1]} ({100 * totals[0] / totals[1]:.0f} %)** | "
          f"**{totals[2]}/{totals[3]} ({100 * totals[2] / totals[3]:.0f} %)** |")
    for name, (_, _, english) in after.items():
        if english:
            print(f"\nStill English in {name}: {', '.join(english)}")


if __name__ == "__main__":
    main()
