"""API keys on requests: ``Authorization: Bearer KEY``, checked against the key's role.

Roles are not a ladder: a marketer reads what a channel reads but sends no events, so each
view names the roles it admits. Valid keys are cached by hash for a few seconds
(``KEY_CACHE_SECONDS``) so that a busy web shop does not query the database on every call,
while a revoked key still stops working within those seconds.
"""

from __future__ import annotations

import threading
import time
from functools import wraps

from flask import Flask, current_app, g, request
from flask_smorest import Blueprint, abort

from api.http.database import get_engine
from loyalty.keys import ApiKey, find_active_key, hash_key

# Who may do what; views pick one of these.
CHANNEL_READ = ("channel", "marketer", "admin")
CHANNEL_WRITE = ("channel", "admin")
MARKETER = ("marketer", "admin")
ADMIN = ("admin",)

SCHEME = "bearerAuth"
CACHE = "loyalty.key_cache"


class KeyCache:
    """Recently accepted keys by hash, each remembered for ``seconds``."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self._keys: dict[str, tuple[float, ApiKey]] = {}
        self._lock = threading.Lock()

    def get(self, key_hash: str) -> ApiKey | None:
        """The cached key, or ``None`` when unknown or expired."""
        with self._lock:
            cached = self._keys.get(key_hash)
            if cached is None or cached[0] < time.monotonic():
                self._keys.pop(key_hash, None)
                return None
            return cached[1]

    def put(self, key_hash: str, key: ApiKey) -> None:
        """Remember an accepted key."""
        with self._lock:
            self._keys[key_hash] = (time.monotonic() + self.seconds, key)


def init_app(app: Flask, api) -> None:
    """Document the bearer scheme and make the key cache."""
    api.spec.components.security_scheme(
        SCHEME,
        {
            "type": "http",
            "scheme": "bearer",
            "description": "An API key from `loyalty keys create --role ROLE --name NAME`.",
        },
    )
    app.extensions[CACHE] = KeyCache(app.config["KEY_CACHE_SECONDS"])


def requires(blp: Blueprint, *roles: str):
    """Admit only requests with an active key of one of ``roles`` (and document so)."""

    def decorator(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            key = authenticate()
            if key.role not in roles:
                abort(
                    403,
                    message=f"a {key.role} key may not do this; it needs the role "
                    f"{' or '.join(roles)}",
                )
            g.api_key = key
            return view(*args, **kwargs)

        guarded = blp.alt_response(401, response="UNAUTHORIZED")(guarded)
        guarded = blp.alt_response(403, response="FORBIDDEN")(guarded)
        return blp.doc(security=[{SCHEME: []}])(guarded)

    return decorator


def authenticate() -> ApiKey:
    """The active key the request carries; 401 when it has none or not a valid one."""
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        _unauthorized("send an API key as 'Authorization: Bearer KEY'")
    key_hash = hash_key(secret.strip())
    cache: KeyCache = current_app.extensions[CACHE]
    key = cache.get(key_hash)
    if key is None:
        key = find_active_key(get_engine(), key_hash)
        if key is None:
            _unauthorized("the API key is unknown or revoked")
        cache.put(key_hash, key)
    return key


def _unauthorized(message: str):
    abort(401, message=message, headers={"WWW-Authenticate": 'Bearer realm="loyalty"'})
