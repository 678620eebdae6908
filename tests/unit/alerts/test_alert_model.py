"""The shared alert types refuse malformed alerts the same way for every lane."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from rtcc.alerts.model import Alert, Recipient, Tier, is_language

SENT = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)


def _alert(**overrides) -> Alert:
    fields = dict(
        alert_id="a1",
        tier=Tier.ADVISORY,
        headline={"en": "Water main break", "es": "Rotura de tubería"},
        texts={"en": "Avoid Main St.", "es": "Evite Main St."},
        zones=("downtown", "zip:01013"),
        categories=("Safety",),
        sent_at=SENT,
        expires_at=SENT + timedelta(hours=2),
        sender="sgt.lee",
    )
    fields.update(overrides)
    return Alert(**fields)


def test_a_valid_alert_is_built_and_normalised():
    alert = _alert(tier="emergency", zones=["downtown"])
    assert alert.tier is Tier.EMERGENCY
    assert alert.zones == ("downtown",)


@pytest.mark.parametrize("code", ["en", "es", "es-US", "zh-Hant-TW", "es-419"])
def test_language_codes_accepted(code):
    assert is_language(code)


@pytest.mark.parametrize("code", ["", "english", "e", "en_US", "en-", "en US"])
def test_language_codes_refused(code):
    assert not is_language(code)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"texts": {}}, "texts"),
        ({"texts": {"en": "  "}}, r"texts\[en\]"),
        ({"texts": {"English": "Hi"}}, "not a language code"),
        ({"headline": {"en": ""}}, r"headline\[en\]"),
        ({"zones": ()}, "zones"),
        ({"zones": ("",)}, "zones"),
        ({"alert_id": "a b"}, "URL-safe"),
        ({"alert_id": "a/b"}, "URL-safe"),
        ({"sent_at": datetime(2026, 12, 1, 20, 0)}, "timezone"),
        ({"expires_at": SENT - timedelta(minutes=1)}, "expire"),
        ({"sender": ""}, "sender"),
        ({"tier": "urgent"}, "urgent"),
    ],
)
def test_malformed_alerts_refused(overrides, message):
    with pytest.raises(ValueError, match=message):
        _alert(**overrides)


def test_recipient_never_carries_the_number():
    assert Recipient("sub-1", "es").language == "es"
    with pytest.raises(ValueError, match="never the phone number"):
        Recipient("+14135550100", "en")
    with pytest.raises(ValueError, match="language"):
        Recipient("sub-1", "Spanish")
