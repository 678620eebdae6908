"""Owners' signed links and the contact/code rules, with an in-memory HMAC key."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from rtcc.cameras import owner_links
from rtcc.cameras import owners as rules
from rtcc.errors import Gone, Invalid, Unauthorized

OWNER = "own-0123456789abcdef"


class Key:
    def __init__(self, secret: bytes = b"k") -> None:
        self.secret = secret

    def mac(self, message: bytes) -> bytes:
        return hmac.new(self.secret, message, hashlib.sha256).digest()


def test_a_link_opens_its_scope_only_until_it_expires() -> None:
    key = Key()
    token = owner_links.issue(OWNER, "portal", 1, mac=key, now=1000)
    assert owner_links.verify(token, "portal", mac=key, now=1000 + 3599) == OWNER
    with pytest.raises(Gone, match="token"):
        owner_links.verify(token, "portal", mac=key, now=1000 + 3600)
    with pytest.raises(Unauthorized):
        owner_links.verify(token, "request:r1", mac=key, now=1000)
    request = owner_links.issue(OWNER, "request:r1", 1, mac=key, now=1000)
    assert owner_links.verify(request, "request:r1", mac=key, now=1000) == OWNER
    with pytest.raises(Unauthorized):
        owner_links.verify(request, "request:r2", mac=key, now=1000)
    with pytest.raises(Unauthorized):
        owner_links.verify(request, "portal", mac=key, now=1000)


@pytest.mark.parametrize("bad", [None, "", "x.y.z", f"{OWNER}.99999999999.short", f"{OWNER}.1.{'A' * 43}"])
def test_malformed_or_forged_links_are_401(bad: str | None) -> None:
    with pytest.raises(Unauthorized, match="token"):
        owner_links.verify(bad, "portal", mac=Key(), now=0)


def test_a_link_signed_under_another_key_or_for_another_owner_fails() -> None:
    token = owner_links.issue(OWNER, "portal", 1, mac=Key(b"other"), now=0)
    with pytest.raises(Unauthorized):
        owner_links.verify(token, "portal", mac=Key(), now=0)
    forged = token.replace(OWNER, "own-fedcba9876543210")
    with pytest.raises(Unauthorized):
        owner_links.verify(forged, "portal", mac=Key(b"other"), now=0)
    # An expiry pushed later breaks the signature: 401, not a longer link.
    owner, expires, sig = token.split(".")
    with pytest.raises(Unauthorized):
        owner_links.verify(f"{owner}.{int(expires) + 9999}.{sig}", "portal", mac=Key(b"other"), now=0)


def test_codes_hash_with_a_salt_and_compare() -> None:
    code = rules.new_code()
    assert len(code) == 6 and code.isdigit()
    stored = rules.code_hash("s1", code)
    assert code not in stored and stored != rules.code_hash("s2", code)
    assert rules.code_matches("s1", stored, code)
    assert not rules.code_matches("s1", stored, f"{(int(code) + 1) % 1_000_000:06d}")


def test_contacts_normalised_and_keyed() -> None:
    assert rules.normalise_email("  Ana@Example.ORG ") == "ana@example.org"
    for bad in ("", "ana", "ana@", "@x.org", "a b@x.org", "a@x"):
        with pytest.raises(Invalid, match="email"):
            rules.normalise_email(bad)
    assert rules.normalise_phone("(413) 555-0123") == "+14135550123"
    with pytest.raises(Invalid, match="phone"):
        rules.normalise_phone("12")
    a = rules.contact_mac(Key(), "phone", "+14135550123")
    assert (
        a
        == rules.contact_mac(Key(), "phone", "+14135550123")
        != rules.contact_mac(Key(), "email", "+14135550123")
    )
    assert "4135550123" not in a


def test_ids() -> None:
    assert rules.new_owner_id().startswith("own-") and len(rules.new_owner_id()) == 20
    from rtcc.cameras.model import is_camera_id

    assert is_camera_id(rules.new_camera_id())
