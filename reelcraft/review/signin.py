"""Sign-in that survives a reload: a signed, expiring token in an HttpOnly cookie.

The token holds the user's id and name and is signed (HMAC, itsdangerous) with the server's key, so the page can
trust it without a lookup, and it stops working `session_hours` after sign-in. The key is the configured secret, or
a random one kept in `<home>/secrets/cookie.key` (mode 0600), so a restart does not sign everybody out.
"""

from __future__ import annotations

import ipaddress
import os
import secrets

from itsdangerous import BadSignature, URLSafeTimedSerializer

from reelcraft.config import Settings
from reelcraft.review.service import Actor

COOKIE = "reelcraft_session"
_SALT = "reelcraft.sign-in"


def cookie_key(settings: Settings) -> bytes:
    """The configured secret, else the one kept under the home folder (made once, atomically, owner-only)."""
    configured = settings.server.secret.get_secret_value()
    if configured:
        return configured.encode()
    path = settings.home / "secrets" / "cookie.key"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fresh = path.with_name(f".cookie.key.{os.getpid()}")
        fd = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
        try:  # two servers starting at once: the first key written wins, the other is dropped
            os.link(fresh, path)
        except FileExistsError:
            pass
        finally:
            fresh.unlink(missing_ok=True)
    return path.read_text().strip().encode()


class SignIn:
    """Issues and reads session tokens for one server."""

    def __init__(self, key: bytes, session_hours: float) -> None:
        self._serializer = URLSafeTimedSerializer(key, salt=_SALT)
        self.max_age_s = int(session_hours * 3600)

    @classmethod
    def from_settings(cls, settings: Settings) -> SignIn:
        return cls(cookie_key(settings), settings.server.session_hours)

    def issue(self, actor: Actor) -> str:
        return self._serializer.dumps({"id": actor.id, "name": actor.name})

    def read(self, token: str | None) -> Actor | None:
        """The signed-in person, or None for a missing, forged, malformed or expired token."""
        if not token:
            return None
        try:
            data = self._serializer.loads(token, max_age=self.max_age_s)
        except BadSignature:  # SignatureExpired is one
            return None
        if not isinstance(data, dict) or not isinstance(data.get("id"), int) or not isinstance(data.get("name"), str):
            return None
        return Actor(data["id"], data["name"])


def is_loopback(host: str) -> bool:
    """Whether a bind address only reaches this machine (127.0.0.0/8, ::1, localhost)."""
    if host in ("localhost", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def sign_in_required(settings: Settings, host: str) -> bool:
    """`server.sign_in`: on, off, or auto (required unless the server listens on loopback only)."""
    mode = settings.server.sign_in
    return mode == "on" or (mode == "auto" and not is_loopback(host))


