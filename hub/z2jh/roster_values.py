"""Helm values for the roster: who may log in, and nbgrader's course groups.

    python -m hub.z2jh.roster_values danh_sach_lop.csv --instructor gv01 > roster.values.yaml

The output is a second values file for `helm upgrade -f hub/z2jh/values.yaml -f ...`.
On Kubernetes the name is a JupyterHub name only (pods run as jovyan, and nbgrader then names
students by JUPYTERHUB_USER), so the same roster ids work as on the one-server hub.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from hub.users import COURSE_ID, load_roster

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
TEMPLATE_MOUNT = "/usr/local/etc/jupyterhub/khoa-hoc-templates"


def roster_values(roster_file: Path, instructors: list[str]) -> dict:
    roster = load_roster(roster_file, instructors)
    if roster.problems:
        raise ValueError("\n".join(roster.problems))
    # The same Vietnamese hub pages as `make hub` (hub/templates/), mounted into the hub pod,
    # and the same admin page access for instructors.
    files = {f"khoa-hoc-template-{p.stem.replace('_', '-')}": {
        "mountPath": f"{TEMPLATE_MOUNT}/{p.name}", "stringData": p.read_text(encoding="utf-8")}
        for p in sorted(TEMPLATES.glob("*.html"))}
    return {"hub": {"config": {
        "Authenticator": {"allowed_users": roster.everyone},
        "JupyterHub": {"load_groups": {
            f"nbgrader-{COURSE_ID}": {"users": roster.participants},
            f"formgrade-{COURSE_ID}": {"users": roster.instructors},
        }, "template_paths": [TEMPLATE_MOUNT]},
    }, "extraFiles": files, "loadRoles": {"giang-vien-quan-tri": {
        "groups": [f"formgrade-{COURSE_ID}"],
        "scopes": ["admin-ui", "list:users", "read:users", "admin:servers", "list:groups",
                   "read:groups"]}}}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Tạo tệp values cho danh sách lớp (Helm).")
    parser.add_argument("roster")
    parser.add_argument("--instructor", action="append", default=[])
    args = parser.parse_args(argv)
    try:
        values = roster_values(Path(args.roster), [n for i in args.instructor
                                                   for n in i.split(",")])
    except ValueError as exc:
        print(f"Danh sách lớp có dòng chưa dùng được:\n{exc}", file=sys.stderr)
        return 1
    yaml.safe_dump(values, sys.stdout, allow_unicode=True, sort_keys=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
