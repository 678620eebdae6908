"""Two admins disabling each other at the same moment both pass the "another admin stays
enabled" check; the re-count after the disable keeps one of them enabled."""

from __future__ import annotations

import pytest
from rtcc.api.routes.staff import _disable_keeping_an_admin
from rtcc.errors import Conflict
from rtcc.staff import StaffMember


class _Pool:
    """Enabled flags by username; each username's `sub` is `sub-<username>`."""

    def __init__(self, *admins: str) -> None:
        self.enabled = dict.fromkeys(admins, True)

    def disable(self, username: str) -> None:
        self.enabled[username] = False

    def enable(self, username: str) -> None:
        self.enabled[username] = True

    def enabled_admins(self) -> set[str]:
        return {f"sub-{name}" for name, on in self.enabled.items() if on}


def _member(name: str) -> StaffMember:
    return StaffMember(username=name, subject=f"sub-{name}", enabled=True)


def test_the_disable_that_lands_last_is_undone_when_no_admin_is_left() -> None:
    pool = _Pool("alice", "bob")
    # Both checks ran with both enabled; alice's request (disabling bob) lands first.
    _disable_keeping_an_admin(pool, _member("bob"), was_admin=True)  # type: ignore[arg-type]
    with pytest.raises(Conflict, match="last enabled admin"):
        _disable_keeping_an_admin(pool, _member("alice"), was_admin=True)  # type: ignore[arg-type]
    assert pool.enabled == {"alice": True, "bob": False}


def test_an_admin_is_disabled_while_another_stays_enabled() -> None:
    pool = _Pool("alice", "bob", "carol")
    _disable_keeping_an_admin(pool, _member("bob"), was_admin=True)  # type: ignore[arg-type]
    assert pool.enabled == {"alice": True, "bob": False, "carol": True}
