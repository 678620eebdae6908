"""The alerts line's keywords (rtcc.alerts.inbound) over in-memory ports: JOIN / ZIP, YES,
STOP and its synonyms, START, HELP, Twilio's Advanced Opt-Out, MessageSid de-duplication,
numbers that cannot subscribe."""

from __future__ import annotations

import base64
import itertools

import pytest
from rtcc.alerts.inbound import LINE_NAME, AlertsInbound, Keyword, Received, read_keyword
from rtcc.alerts.manage_token import number_mac
from rtcc.alerts.subscriber_memory import HmacSubscriberMac, MemorySubscriberStore
from rtcc.alerts.subscriber_ports import Status
from rtcc.alerts.subscriptions import SubscriptionPolicy, Subscriptions
from rtcc.alerts.zones import ZoneMap
from rtcc.sms.inbound import FormError
from rtcc.sms.optout import MemoryOptOuts, is_opted_out

NUMBER = "+14135550123"
T0 = 1_800_000_000.0
STOP_WORDS = ("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT")


class FakeSealer:
    def seal(self, number: str, context: str) -> bytes:
        return base64.b64encode(f"{context}|{number}".encode())

    def unseal(self, ciphertext: bytes, context: str) -> str:
        return base64.b64decode(ciphertext).decode().split("|")[1]


class MemoryReceipts:
    def __init__(self) -> None:
        self.items: dict[str, Received | None] = {}

    def claim(self, message_sid: str, now: float) -> Received | None:
        if message_sid in self.items:
            return self.items[message_sid] or Received("in-flight", "")
        self.items[message_sid] = None
        return None

    def settle(self, message_sid: str, received: Received, now: float) -> None:
        self.items[message_sid] = received


class Line:
    """The line's domain with a fresh MessageSid per text."""

    def __init__(self) -> None:
        policy = SubscriptionPolicy(
            program_name="Holyoke Alerts",
            join_keywords={"JOIN": "en", "ALTA": "es"},
            zone_keywords={"WARD1": "ward-1"},
        )
        feature = {
            "type": "Feature",
            "id": "ward-1",
            "properties": {"name": "Ward 1", "kind": "ward"},
            "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]},
        }
        zones = ZoneMap.from_geojson({"type": "FeatureCollection", "features": [feature]}, ["01013"])
        self.store, self.mac, self.opt_outs = MemorySubscriberStore(), HmacSubscriberMac(), MemoryOptOuts()
        self.subs = Subscriptions(self.store, FakeSealer(), self.mac, zones, policy)
        self.inbound = AlertsInbound(self.subs, self.opt_outs, MemoryReceipts(), "413-555-0100")
        self._sids = (f"SM{n:032x}" for n in itertools.count(1))
        self.now = T0

    def text(self, body: str, sender: str = NUMBER, sid: str | None = None, **extra: str) -> Received:
        self.now += 1
        form = {
            "MessageSid": sid or next(self._sids),
            "From": sender,
            "To": "+15550100200",
            "Body": body,
            **extra,
        }
        return self.inbound.receive(form, self.now)

    def subscriber(self, sender: str = NUMBER):
        return self.store.by_number(number_mac(self.mac, sender))

    def opted_out(self, sender: str = NUMBER) -> bool:
        return is_opted_out(self.opt_outs, LINE_NAME, number_mac(self.mac, sender))


@pytest.fixture
def line() -> Line:
    return Line()


@pytest.mark.parametrize("body", [*STOP_WORDS, " stop ", "Stop\n", "sToPaLl", "opt out".replace(" ", "")])
def test_every_stop_word_in_any_case_and_spacing_is_stop(body: str) -> None:
    assert read_keyword(body) is Keyword.STOP


def test_keywords_and_what_is_not_one() -> None:
    assert [read_keyword(w) for w in ("start", " UNSTOP", "yes ", "help", "Info")] == [
        Keyword.START,
        Keyword.START,
        Keyword.YES,
        Keyword.HELP,
        Keyword.HELP,
    ]
    assert read_keyword("stop it") is Keyword.OTHER and read_keyword("JOIN 01013") is Keyword.OTHER


def test_join_then_yes_makes_an_active_subscription_with_the_catalog_texts(line: Line) -> None:
    pending = line.text("  join 01013 ")
    assert pending.outcome == "pending"
    assert (
        pending.reply.startswith("Holyoke Alerts: reply YES") and "Msg&data rates may apply" in pending.reply
    )
    assert line.subscriber().status == Status.PENDING
    confirmed = line.text("Yes")
    assert confirmed.outcome == "confirmed" and "you are signed up" in confirmed.reply
    assert line.subscriber().status == Status.ACTIVE
    assert line.text("YES").outcome == "already-active"


def test_a_bare_zip_a_zone_keyword_and_the_spanish_keyword_sign_up(line: Line) -> None:
    assert line.text("01013").outcome == "pending"
    other = "+14135550124"
    assert line.text("JOIN ward1", sender=other).outcome == "pending"
    assert line.subscriber(other).prefs.zones == ("ward-1",)
    spanish = line.text("ALTA 01013", sender="+14135550125")
    assert spanish.outcome == "pending" and "responda YES" in spanish.reply
    assert "su suscripción" in line.text("YES", sender="+14135550125").reply  # YES keeps the language


@pytest.mark.parametrize("word", STOP_WORDS)
def test_stop_opts_out_ends_the_subscription_and_confirms_once(line: Line, word: str) -> None:
    line.text("JOIN 01013")
    line.text("YES")
    stopped = line.text(word.lower())
    assert stopped == Received(
        "stop", "Holyoke Alerts: you will get no more alerts. Reply START to sign up again."
    )
    assert line.opted_out() and line.subscriber() is None
    assert not any(line.store.zones.get("zip:01013", {}).values())
    sid = next(iter(line.store.consent_log))
    assert [c.event for c in line.store.consent_log[sid]][-1] == "stop-received"


def test_start_and_yes_opt_back_in_and_a_new_join_lifts_a_stop(line: Line) -> None:
    line.text("STOP")
    assert line.opted_out()
    assert line.text("start").outcome == "start" and not line.opted_out()
    line.text("STOP")
    assert line.text("YES").outcome == "no-pending" and not line.opted_out()
    line.text("STOP")
    assert line.text("JOIN 01013").outcome == "pending" and not line.opted_out()


def test_help_names_the_program_the_contact_and_how_to_stop(line: Line) -> None:
    for word in ("HELP", " info "):
        helped = line.text(word)
        assert helped.outcome == "help"
        assert "Holyoke Alerts" in helped.reply and "413-555-0100" in helped.reply and "STOP" in helped.reply
    assert line.text("what is this").outcome == "other"  # answered with the same help text


def test_advanced_opt_out_acts_without_a_second_confirmation(line: Line) -> None:
    line.text("JOIN 01013")
    assert line.text("arret", OptOutType="STOP") == Received("stop", "")  # Twilio confirmed it
    assert line.opted_out() and line.subscriber() is None
    assert line.text("whatever", OptOutType="START") == Received("start", "") and not line.opted_out()


def test_a_redelivered_message_gets_the_same_answer_and_changes_nothing(line: Line) -> None:
    first = line.text("JOIN 01013", sid="SM" + "a" * 32)
    line.text("STOP")
    again = line.text("JOIN 01013", sid="SM" + "a" * 32)
    assert again == Received("duplicate", first.reply)
    assert line.subscriber() is None and line.opted_out()  # the repeat did not sign up again


def test_a_foreign_or_invalid_number_cannot_subscribe_and_gets_no_answer(line: Line) -> None:
    for sender in ("+447700900123", "12345", "+1413555"):
        assert line.text("JOIN 01013", sender=sender) == Received("not-eligible", "")
    assert not line.store.subscribers and not line.store.numbers


def test_unknown_zones_and_malformed_forms(line: Line) -> None:
    assert line.text("JOIN 99999").outcome == "unknown-zone"
    assert line.text("JOIN nowhere").outcome == "unknown-zone"
    assert "no hay alertas para ese código postal" in line.text("alta 99999").reply  # asked in Spanish
    with pytest.raises(FormError):
        line.inbound.receive({"From": NUMBER, "Body": "STOP"}, T0)
    with pytest.raises(FormError):
        line.inbound.receive({"MessageSid": "SM" + "b" * 32, "Body": "STOP"}, T0)
