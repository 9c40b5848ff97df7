"""The hub's login: firstuseauthenticator, with its bcrypt work off the hub's event loop.

firstuseauthenticator hashes (first login) or checks (later logins) the password with bcrypt
inside the hub's only event-loop thread, holding the password file open meanwhile: about
0.24 CPU seconds each at bcrypt's default cost 12 on the 2-vCPU test machine. While it
runs the hub answers nobody, so a class logging in together queues every other request
(a start, a progress event, the proxy) behind the hashes: 11 logins took 2.6 s each in the
load test (benchmarks/README.md, "Hub process"). Here the same hash runs in a worker thread
(bcrypt releases the GIL), so the hub keeps serving, and on two cores the hashes run beside it.

Password storage is unchanged: the same dbm file and format, bcrypt at its default cost (12,
above OWASP's minimum of 10), the first password set wins, the same minimum length and
message. hub/passwords.py and the Admin page still forget entries as before.
"""

from __future__ import annotations

import asyncio
import dbm

import bcrypt
from firstuseauthenticator import FirstUseAuthenticator


class CourseAuthenticator(FirstUseAuthenticator):
    """FirstUseAuthenticator whose bcrypt runs in a thread; the dbm is open only to read or
    write an entry, never during a hash."""

    def _read(self, key: bytes) -> bytes | None:
        with dbm.open(self.dbm_path, "c", 0o600) as db:
            return db.get(key)

    def _store_if_absent(self, key: bytes, hashed: bytes) -> bytes | None:
        """Store ``hashed`` unless an entry appeared meanwhile; returns that entry (None:
        stored)."""
        with dbm.open(self.dbm_path, "c", 0o600) as db:
            stored = db.get(key)
            if stored is None:
                db[key] = hashed
            return stored

    async def authenticate(self, handler, data):
        username = self.normalize_username(data["username"])
        password = data["password"]
        if not self.create_users and not self._user_exists(username):
            return None
        key, secret = username.encode("utf8"), password.encode("utf8")
        stored = self._read(key)
        if stored is None:  # first login: this password becomes theirs
            if not self._validate_password(password):
                handler.custom_login_error = (  # firstuseauthenticator's words (login.html)
                    "Password too short! Please choose a password at least "
                    f"{self.min_password_length} characters long.")
                self.log.error(handler.custom_login_error)
                return None
            hashed = await asyncio.to_thread(bcrypt.hashpw, secret, bcrypt.gensalt())
            stored = self._store_if_absent(key, hashed)
            if stored is None:
                return username
            # Another login of the same person (a second tab) set the password first: as in
            # firstuseauthenticator, the first password holds and this one is checked.
        if not await asyncio.to_thread(bcrypt.checkpw, secret, stored):
            return None
        return username
