"""`civicdesk open311 keys`: create (shown once), list, revoke."""

from __future__ import annotations

import re

from tests.cli.conftest import Civicdesk


def test_open311_keys(civicdesk: Civicdesk) -> None:
    assert civicdesk("db", "upgrade").code == 0
    assert "no keys" in civicdesk("open311", "keys", "list").out
    created = civicdesk("open311", "keys", "create", "--name", "FixMyStreet app")
    assert created.code == 0, created.err
    match = re.search(r"key (\d+) \(FixMyStreet app\): (o311_\S+)", created.out)
    assert match is not None
    listing = civicdesk("open311", "keys", "list").out
    assert match.group(2)[:11] in listing and "active" in listing and "never used" in listing
    assert match.group(2) not in listing  # the secret is never shown again
    assert "is revoked" in civicdesk("open311", "keys", "revoke", match.group(1)).out
    assert "revoked" in civicdesk("open311", "keys", "list").out
    missing = civicdesk("open311", "keys", "revoke", "999")
    assert missing.code == 1 and "not found" in missing.err
    assert civicdesk("open311", "keys", "create", "--name", " ").code == 1
    assert civicdesk("open311", "keys", "revoke", "abc").code == 2
