"""API keys: who may call the HTTP API, in which role. Only a hash of each key is stored.

A key is 32 random bytes from ``secrets`` (256 bits), shown once when it is created. Because
it is that unguessable, a single SHA-256 is enough to store it: slow password hashes (bcrypt,
scrypt, argon2) exist to protect short human-chosen secrets from dictionary attacks, which do
not apply here, and they would cost milliseconds on every request. A plain digest also lets the
database find a key by an indexed equality lookup, so no secret is ever compared in Python.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Column, DateTime, Engine, Integer, String, Table, insert, select, update

from loyalty.errors import LoyaltyError, NotFoundError
from loyalty.tables import metadata

ROLES = ("channel", "marketer", "admin")
KEY_PREFIX = "lk_"
NAME_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,63}")

api_keys = Table(
    "api_keys",
    metadata,
    Column("key_id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("created_at", DateTime, nullable=False),
    Column("revoked_at", DateTime),
)


class ApiKeyError(LoyaltyError):
    """An API key cannot be created as asked (bad name or role, name taken)."""


@dataclass(frozen=True)
class ApiKey:
    """One API key as stored: never the key itself."""

    key_id: int
    name: str
    role: str
    created_at: datetime
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        """Whether the key is still accepted."""
        return self.revoked_at is None


def hash_key(secret: str) -> str:
    """The stored form of a key: its SHA-256 as 64 hexadecimal characters."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_key(engine: Engine, name: str, role: str) -> tuple[ApiKey, str]:
    """Store a new key for ``role`` under ``name``; return it with the secret (shown once)."""
    if not NAME_PATTERN.fullmatch(name):
        raise ApiKeyError(
            f"key name {name!r} is not allowed: use 1 to 64 letters, digits, '_', '.' or '-', "
            "starting with a letter"
        )
    if role not in ROLES:
        raise ApiKeyError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    with engine.begin() as connection:
        if connection.execute(select(api_keys.c.key_id).where(api_keys.c.name == name)).first():
            raise ApiKeyError(
                f"a key named {name!r} exists already (revoked keys keep their names); "
                "choose another name"
            )
        connection.execute(
            insert(api_keys).values(
                name=name, role=role, key_hash=hash_key(secret), created_at=datetime.now()
            )
        )
        row = connection.execute(select(*_public_columns()).where(api_keys.c.name == name)).one()
    return ApiKey(*row), secret


def revoke_key(engine: Engine, name_or_id: str) -> ApiKey:
    """Revoke the key with this name (or numeric id); revoking twice changes nothing."""
    column = api_keys.c.key_id if name_or_id.isdigit() else api_keys.c.name
    value = int(name_or_id) if name_or_id.isdigit() else name_or_id
    with engine.begin() as connection:
        connection.execute(
            update(api_keys)
            .where(column == value, api_keys.c.revoked_at.is_(None))
            .values(revoked_at=datetime.now())
        )
        row = connection.execute(select(*_public_columns()).where(column == value)).first()
    if row is None:
        raise NotFoundError(f"no API key named or numbered {name_or_id!r}; see `loyalty keys list`")
    return ApiKey(*row)


def list_keys(engine: Engine) -> list[ApiKey]:
    """Every key, active or revoked, oldest first."""
    with engine.connect() as connection:
        rows = connection.execute(select(*_public_columns()).order_by(api_keys.c.key_id)).all()
    return [ApiKey(*row) for row in rows]


def find_active_key(engine: Engine, key_hash: str) -> ApiKey | None:
    """The active key whose hash is ``key_hash``, or ``None`` (unknown or revoked)."""
    query = select(*_public_columns()).where(
        api_keys.c.key_hash == key_hash, api_keys.c.revoked_at.is_(None)
    )
    with engine.connect() as connection:
        row = connection.execute(query).first()
    return None if row is None else ApiKey(*row)


def _public_columns():
    c = api_keys.c
    return c.key_id, c.name, c.role, c.created_at, c.revoked_at
