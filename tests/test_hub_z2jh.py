"""The Zero to JupyterHub values validate against the chart's own values.schema.json.

Helm validates the chart's defaults merged with every -f file; this test does the same merge
(chart 4.4.0 defaults, hub/z2jh/values.yaml, the roster values made from a class list) and
validates with jsonschema. The schema and defaults are copies from the chart's repository
(tests/data/z2jh/README.md says which version and where from).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

jsonschema = pytest.importorskip("jsonschema", reason="hub/requirements.txt not installed")
yaml = pytest.importorskip("yaml")

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data" / "z2jh"
VALUES = REPO / "hub" / "z2jh" / "values.yaml"


def merge(base: dict, over: dict) -> dict:
    """Helm's merge of values files: maps merge key by key, anything else is replaced."""
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def validator():
    schema = json.loads((DATA / "values.schema-4.4.0.json").read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def chart_values(*extra: dict) -> dict:
    values = yaml.safe_load((DATA / "values-4.4.0.yaml").read_text(encoding="utf-8"))
    values = merge(values, yaml.safe_load(VALUES.read_text(encoding="utf-8")))
    for item in extra:
        values = merge(values, item)
    return values


def roster(tmp_path: Path) -> dict:
    from hub.z2jh.roster_values import main

    csv = tmp_path / "lop.csv"
    csv.write_text("Mã học viên,Họ và tên\nhv001,Nguyễn Thị Hoa\nhv002,Phan Văn Lâm\n"
                   "gv01,Lê Thu\n", encoding="utf-8")
    out = tmp_path / "roster.values.yaml"
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main([str(csv), "--instructor", "gv01"]) == 0
    out.write_text(buf.getvalue(), encoding="utf-8")
    return yaml.safe_load(out.read_text(encoding="utf-8"))


def test_values_with_roster_validate_against_chart_schema(tmp_path):
    extra = roster(tmp_path)
    config = extra["hub"]["config"]
    assert config["Authenticator"]["allowed_users"] == ["hv001", "hv002", "gv01"]
    groups = config["JupyterHub"]["load_groups"]
    assert groups["nbgrader-ai-kinh-doanh"]["users"] == ["hv001", "hv002"]
    assert groups["formgrade-ai-kinh-doanh"]["users"] == ["gv01"]
    errors = sorted(validator().iter_errors(chart_values(extra)), key=str)
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


def test_schema_catches_a_wrong_value():
    """The check can fail: a typo'd key or a wrong type is reported."""
    bad = chart_values({"singleuser": {"memory": {"limitt": "1G"}}})
    assert list(validator().iter_errors(bad))
    bad = chart_values({"cull": {"timeout": "mười phút"}})
    assert list(validator().iter_errors(bad))


def test_values_follow_the_course_choices():
    values = yaml.safe_load(VALUES.read_text(encoding="utf-8"))
    su = values["singleuser"]
    assert su["memory"]["guarantee"] and su["memory"]["limit"]
    assert values["cull"]["enabled"] and values["cull"]["timeout"] <= 3600
    mounts = {m["mountPath"] for m in su["storage"]["extraVolumeMounts"]}
    assert "/srv/nbgrader/exchange" in mounts
    assert "gitpuller" in " ".join(su["lifecycleHooks"]["postStart"]["exec"]["command"])
    assert values["hub"]["config"]["JupyterHub"]["authenticator_class"].startswith(
        "firstuseauthenticator")
    assert values["hub"]["loadRoles"]["server"]["scopes"] == ["inherit"]
    # The hub runs extraConfig as Python and the servers run the mounted config files: a
    # syntax error there would only show on the cluster.
    for name, code in values["hub"]["extraConfig"].items():
        compile(code, name, "exec")
    for name, item in su["extraFiles"].items():
        if item["mountPath"].endswith(".py"):
            compile(item["stringData"], name, "exec")
