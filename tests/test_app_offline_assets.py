"""An app page asks nothing of the internet (offline first): no MathJax from cdnjs, no CDN.

Voilà 0.5's front end loads MathJax 2 from cdnjs.cloudflare.com unless its page config says
null for both MathJax settings (course/jupyter_config/jupyter_server_config.py does); then it
uses the MathJax 3 bundled in its own static files. On a real server (course.lab's command and
config, default settings), a lesson and a page with a formula are rendered over HTTP and opened
in Chromium, which records every request the page makes.
"""

from __future__ import annotations

import json
import re
import shutil
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest
from lab_server import running_lab

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROME_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TOKEN = "offline-assets-token"
REMOTE = re.compile(r"cdnjs|unpkg|jsdelivr|googleapis|cloudflare|fontawesome", re.I)
LESSON = "02_viet_prompt.ipynb"


def _math_notebook(path: Path) -> None:
    """A page with a formula and a widget (the lessons have no formula yet; one may come)."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Lãi\n\nLãi mỗi ly: $p - c$ đồng."),
                nbformat.v4.new_code_cell(
                    "import ipywidgets as w\nw.Button(description='Tính lãi')")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                 "language": "python"}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("offline")
    root = tmp / "course"
    shutil.copytree(REPO / "notebooks", root / "notebooks",
                    ignore=shutil.ignore_patterns("ket_qua", ".ipynb_checkpoints"))
    _math_notebook(root / "thu" / "toan.ipynb")
    with running_lab(root, tmp, TOKEN) as server:
        yield {**server, "tmp": tmp}


def _call(lab: dict, path: str, method: str = "GET") -> str:
    request = urllib.request.Request(f"{lab['base']}{path}", method=method,
                                     headers={"Authorization": f"token {TOKEN}"})
    with urllib.request.urlopen(request, timeout=300) as reply:
        return reply.read().decode("utf-8")


def _end_kernel(lab: dict, body: str) -> None:
    found = re.search(r'"kernelId": "([0-9a-f-]{36})"', body)
    if found:
        _call(lab, f"/api/kernels/{found.group(1)}", "DELETE")


def test_app_page_html_names_no_remote_host(lab):
    for page in (f"notebooks/{LESSON}", "thu/toan.ipynb"):
        body = _call(lab, f"/voila/render/{page}")
        _end_kernel(lab, body)
        assert "jupyter-widgets" in body or "application/vnd.jupyter.widget-view+json" in body
        assert not REMOTE.search(body), (page, REMOTE.search(body).group(0))
        config = json.loads(re.search(
            r'<script id="jupyter-config-data" type="application/json">(.*?)</script>',
            body, re.S).group(1))
        assert config["fullMathjaxUrl"] is None and config["mathjaxConfig"] is None


def test_app_page_loads_only_from_this_server_and_still_works(lab):
    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed (/usr/bin/chromium)")
    server_host = urlparse(lab["base"]).netloc
    elsewhere: list[str] = []
    with sync_api.sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(
            str(lab["tmp"] / "chromium"), executable_path=str(CHROMIUM), headless=True,
            args=CHROME_ARGS, viewport={"width": 412, "height": 915})
        try:
            ctx.on("request", lambda r: None if r.url.startswith(("data:", "blob:"))
                   or urlparse(r.url).netloc == server_host else elsewhere.append(r.url))
            page = ctx.new_page()
            page.set_default_timeout(120_000)
            page.goto(f"{lab['base']}/api/status?token={TOKEN}")
            for path in (f"notebooks/{LESSON}", "thu/toan.ipynb"):
                page.goto(f"{lab['base']}/voila/render/{path}")
                page.locator("#rendered_cells").wait_for(state="visible")
                page.locator(".jupyter-widgets").first.wait_for(state="visible")
                page.wait_for_load_state("networkidle")
                _end_kernel(lab, page.content())
            # The formula is typeset by the MathJax this server sent, not left as "$p - c$".
            page.locator("mjx-container").first.wait_for(state="attached", timeout=30_000)
            assert page.get_by_role("button", name="Tính lãi").is_visible()
        finally:
            ctx.close()
    assert not elsewhere, elsewhere[:5]
