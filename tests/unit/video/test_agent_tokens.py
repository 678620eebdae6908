"""Camera agents' motion tokens (rtcc.video.agent_tokens): a cameras link token of scope
`agent:<camera id>`; another camera's, a portal link, a forged, expired or malformed one: 401."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from rtcc.cameras import owner_links
from rtcc.errors import Unauthorized
from rtcc.video import agent_tokens

OWNER, CAMERA, OTHER = "own-0123456789abcdef", "cam-0123456789ab", "cam-ba9876543210"
NOW = 1_800_000_000.0


class LocalMac:
    """An HMAC-SHA256 under a test key: what KMS GenerateMac computes under the link key."""

    def __init__(self, key: bytes = b"k" * 32) -> None:
        self.key = key

    def mac(self, message: bytes) -> bytes:
        return hmac.new(self.key, message, hashlib.sha256).digest()


def test_a_token_names_its_owner_for_its_camera_only() -> None:
    mac = LocalMac()
    token = agent_tokens.issue(OWNER, CAMERA, 365, mac=mac, now=NOW)
    assert token.startswith(OWNER + ".") and CAMERA not in token
    assert agent_tokens.verify(token, CAMERA, mac=mac, now=NOW + 10) == OWNER
    with pytest.raises(Unauthorized) as other:
        agent_tokens.verify(token, OTHER, mac=mac, now=NOW)
    assert other.value.status == 401 and other.value.field == "token"


def test_the_mac_is_the_links_message_with_the_agent_scope() -> None:
    mac = LocalMac()
    token = agent_tokens.issue(OWNER, CAMERA, 1, mac=mac, now=NOW)
    expires = int(NOW + 86_400)
    expected = mac.mac(owner_links.LINK_PREFIX + f"{OWNER}\x00agent:{CAMERA}\x00{expires}".encode())
    sig = token.split(".")[2]
    import base64

    assert base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4)) == expected


@pytest.mark.parametrize(
    "bad",
    [
        None,
        "",
        "nonsense",
        f"{OWNER}.123",
        "own-xyz.1.AAAAAAAAAAAAAAAAAAAA",
        f"{OWNER}.99999999999.!!!!!!!!!!!!!!!!!!",
    ],  # fmt: skip
)
def test_malformed_tokens_are_refused(bad: str | None) -> None:
    with pytest.raises(Unauthorized):
        agent_tokens.verify(bad, CAMERA, mac=LocalMac(), now=NOW)


def test_forged_expired_and_portal_tokens_are_refused() -> None:
    mac = LocalMac()
    forged = agent_tokens.issue(OWNER, CAMERA, 1, mac=LocalMac(b"x" * 32), now=NOW)
    with pytest.raises(Unauthorized, match="not a valid"):
        agent_tokens.verify(forged, CAMERA, mac=mac, now=NOW)
    old = agent_tokens.issue(OWNER, CAMERA, 1, mac=mac, now=NOW)
    with pytest.raises(Unauthorized, match="expired"):
        agent_tokens.verify(old, CAMERA, mac=mac, now=NOW + 86_401)
    # A genuine portal link of the same owner under the same key opens no agent door.
    portal = owner_links.issue(OWNER, "portal", 24, mac=mac, now=NOW)
    with pytest.raises(Unauthorized):
        agent_tokens.verify(portal, CAMERA, mac=mac, now=NOW)
    # ...and a city camera has no agent of ours.
    with pytest.raises(ValueError):
        agent_tokens.issue(OWNER, "city-main", 1, mac=mac)


@pytest.mark.parametrize(
    ("header", "token"),
    [
        ("Bearer abc", "abc"),
        ("bearer  abc ", "abc"),
        ("Basic abc", None),
        ("Bearer", None),
        (None, None),
        ("", None),
    ],  # fmt: skip
)
def test_bearer(header: str | None, token: str | None) -> None:
    assert agent_tokens.bearer(header) == token
