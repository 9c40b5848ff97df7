"""hub.auth.CourseAuthenticator: firstuseauthenticator's login with bcrypt off the event loop.

Real bcrypt (default cost) and a real dbm file; no hub needed.
"""

from __future__ import annotations

import asyncio
import dbm
import time

import pytest

firstuse = pytest.importorskip("firstuseauthenticator")
bcrypt = pytest.importorskip("bcrypt")

from hub.auth import CourseAuthenticator  # noqa: E402


class Handler:
    custom_login_error = ""


def _auth(path, cls=CourseAuthenticator):
    return cls(dbm_path=str(path), create_users=True, min_password_length=6)


async def _login(auth, name: str, password: str, handler: Handler | None = None):
    return await auth.authenticate(handler or Handler(), {"username": name,
                                                          "password": password})


def test_same_rules_as_firstuseauthenticator(tmp_path):
    path = tmp_path / "passwords.dbm"
    auth = _auth(path)
    assert asyncio.run(_login(auth, "hv001", "mat-khau-1")) == "hv001"  # sets the password
    assert asyncio.run(_login(auth, "hv001", "mat-khau-1")) == "hv001"
    assert asyncio.run(_login(auth, "hv001", "mat-khau-khac")) is None  # locked to the first
    short = Handler()
    assert asyncio.run(_login(auth, "hv002", "12345", short)) is None
    assert short.custom_login_error.startswith("Password too short")  # login.html's key
    with dbm.open(str(path), "r") as db:
        assert b"hv002" not in db
        stored = db[b"hv001"]
    assert stored.startswith(b"$2b$12$")  # bcrypt at its default cost, not weakened
    # The same file works both ways with firstuseauthenticator itself.
    stock = _auth(path, firstuse.FirstUseAuthenticator)
    assert asyncio.run(_login(stock, "hv001", "mat-khau-1")) == "hv001"
    assert asyncio.run(_login(stock, "hv003", "mat-khau-3")) == "hv003"
    assert asyncio.run(_login(auth, "hv003", "mat-khau-3")) == "hv003"
    assert asyncio.run(_login(auth, "hv003", "mat-khau-1")) is None


def test_two_first_logins_at_once_the_first_password_holds(tmp_path):
    auth = _auth(tmp_path / "passwords.dbm")

    async def both():
        return await asyncio.gather(_login(auth, "hv001", "mat-khau-A"),
                                    _login(auth, "hv001", "mat-khau-B"))

    results = asyncio.run(both())
    assert sorted(results, key=str) == sorted(["hv001", None], key=str)  # exactly one wins
    winner = "mat-khau-A" if results[0] else "mat-khau-B"
    loser = "mat-khau-B" if results[0] else "mat-khau-A"
    assert asyncio.run(_login(auth, "hv001", winner)) == "hv001"
    assert asyncio.run(_login(auth, "hv001", loser)) is None


@pytest.mark.parametrize("first_login", [True, False])
def test_the_hub_keeps_serving_while_a_password_is_hashed(tmp_path, first_login):
    """The hub has one event loop: a login must not stop it for the ~0.25 s of bcrypt
    (firstuseauthenticator's own authenticate does: 0 ticks while it hashes)."""
    auth = _auth(tmp_path / "passwords.dbm")
    if not first_login:
        asyncio.run(_login(auth, "hv001", "mat-khau-1"))

    async def run():
        ticks = 0
        done = asyncio.Event()

        async def ticker():
            nonlocal ticks
            while not done.is_set():
                ticks += 1
                await asyncio.sleep(0.005)

        task = asyncio.ensure_future(ticker())
        await asyncio.sleep(0)
        start, t0 = ticks, time.monotonic()
        name = await _login(auth, "hv001", "mat-khau-1")
        elapsed, during = time.monotonic() - t0, ticks - start
        done.set()
        await task
        return name, elapsed, during

    name, elapsed, during = asyncio.run(run())
    assert name == "hv001"
    # At 5 ms a tick a free loop ticks ~elapsed/0.005 times; a blocked one at most once.
    assert during >= max(3, elapsed / 0.005 / 4), (during, elapsed)
