"""``loyalty keys``: create (shown once), list (never the key), revoke; end to end."""

from __future__ import annotations

from loyalty.db import connect
from loyalty.keys import find_active_key, hash_key


def test_create_prints_the_key_alone_on_its_last_line(run, settings):
    result = run("keys", "create", "--role", "marketer", "--name", "campaigns")
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    assert secret.startswith("lk_") and " " not in secret and len(secret) > 40
    engine = connect(settings)
    key = find_active_key(engine, hash_key(secret))
    engine.dispose()
    assert (key.name, key.role) == ("campaigns", "marketer")


def test_list_shows_names_and_roles_never_keys(run):
    secret = run("keys", "create", "--role", "channel", "--name", "web-shop").output.split()[-1]
    listing = run("keys", "list")
    assert listing.exit_code == 0
    assert "web-shop" in listing.output and "channel" in listing.output
    assert secret not in listing.output and hash_key(secret) not in listing.output


def test_revoke_by_name_or_id(run, settings):
    first = run("keys", "create", "--role", "admin", "--name", "ops").output.split()[-1]
    run("keys", "create", "--role", "channel", "--name", "pos")
    assert run("keys", "revoke", "ops").exit_code == 0
    assert run("keys", "revoke", "2").exit_code == 0
    engine = connect(settings)
    assert find_active_key(engine, hash_key(first)) is None
    engine.dispose()
    revoked_column = [line.split()[-1] for line in run("keys", "list").output.splitlines()[1:]]
    assert len(revoked_column) == 2 and "-" not in revoked_column


def test_mistakes_are_clear_errors(run):
    run("keys", "create", "--role", "admin", "--name", "ops")
    taken = run("keys", "create", "--role", "admin", "--name", "ops")
    assert taken.exit_code == 1 and "exists already" in taken.output
    bad_role = run("keys", "create", "--role", "root", "--name", "x")
    assert bad_role.exit_code == 2
    bad_name = run("keys", "create", "--role", "admin", "--name", "42")
    assert bad_name.exit_code == 1 and "not allowed" in bad_name.output
    unknown = run("keys", "revoke", "nobody")
    assert unknown.exit_code == 3 and "nobody" in unknown.output
    assert "Traceback" not in unknown.output
