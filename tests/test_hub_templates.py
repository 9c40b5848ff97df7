"""The Vietnamese hub pages (hub/templates/) load in JupyterHub's own Jinja set-up, and the
Kubernetes values carry the same pages. (Served pages are read on a real hub in
tests/test_instructor_day.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest

jupyterhub = pytest.importorskip("jupyterhub")

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PrefixLoader  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
TEMPLATES = REPO / "hub" / "templates"


def _environment() -> Environment:
    """JupyterHub's loader: our folder first, its own pages also under "templates/"."""
    from jupyterhub.app import JupyterHub

    default = JupyterHub().template_paths[-1]
    return Environment(loader=ChoiceLoader([
        PrefixLoader({"templates": FileSystemLoader([default])}, "/"),
        FileSystemLoader([str(TEMPLATES), default])]), autoescape=True)


@pytest.mark.parametrize("name", sorted(p.name for p in TEMPLATES.glob("*.html")))
def test_each_page_compiles_and_extends_jupyterhubs_own(name):
    env = _environment()
    template = env.get_template(name)
    assert template is not None
    text = (TEMPLATES / name).read_text(encoding="utf-8")
    if name != "page.html":  # the base page is a full copy; the others replace blocks only
        assert "{% extends" in text


def test_kubernetes_values_mount_every_page(tmp_path):
    from hub.z2jh.roster_values import TEMPLATE_MOUNT, roster_values

    csv = tmp_path / "lop.csv"
    csv.write_text("id,ho_ten\nhv001,Nguyễn Thị Hoa\n", encoding="utf-8")
    values = roster_values(csv, ["gv01"])["hub"]
    mounted = {f["mountPath"]: f["stringData"] for f in values["extraFiles"].values()}
    for page in TEMPLATES.glob("*.html"):
        assert mounted[f"{TEMPLATE_MOUNT}/{page.name}"] == page.read_text(encoding="utf-8")
    assert values["config"]["JupyterHub"]["template_paths"] == [TEMPLATE_MOUNT]
    assert values["loadRoles"]["giang-vien-quan-tri"]["groups"] == ["formgrade-ai-kinh-doanh"]
