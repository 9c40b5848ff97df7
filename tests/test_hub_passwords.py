"""hub.passwords: a removed person's password entry goes (firstuseauthenticator's dbm)."""

from __future__ import annotations

import asyncio
import dbm

import pytest

from hub.passwords import forget, main

firstuse = pytest.importorskip("firstuseauthenticator")


def _first_login(path, name: str, password: str) -> str | None:
    """firstuseauthenticator's own login (stores the hash at the first login)."""
    auth = firstuse.FirstUseAuthenticator(dbm_path=str(path), create_users=True,
                                          min_password_length=6)

    class Handler:
        custom_login_error = ""

    return asyncio.run(auth.authenticate(Handler(), {"username": name, "password": password}))


def test_forget_removes_only_the_named_entries(tmp_path, capsys):
    path = tmp_path / "passwords.dbm"
    assert _first_login(path, "hv001", "mat-khau-1") == "hv001"
    assert _first_login(path, "hv002", "mat-khau-2") == "hv002"
    assert _first_login(path, "hv001", "mat-khau-khac") is None  # locked to the first one
    assert forget(["hv001", "hv-khong-co"], path) == ["hv001"]
    with dbm.open(str(path), "r") as db:
        assert b"hv001" not in db and b"hv002" in db
    assert _first_login(path, "hv001", "mat-khau-moi") == "hv001"  # sets a new password
    assert _first_login(path, "hv002", "mat-khau-moi") is None
    assert forget(["hv001"], tmp_path / "khong-co.dbm") == []  # no file yet: nothing to do
    assert main(["--state", str(tmp_path), "hv002", "HV009"]) == 0
    out = capsys.readouterr().out
    assert "Đã xóa mật khẩu của hv002" in out and "HV009 chưa có mật khẩu" in out
