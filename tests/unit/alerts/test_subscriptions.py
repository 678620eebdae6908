"""Opting in (issue 10): numbers, double opt-in, JOIN by text, consent evidence, manage
links, deletion and recipient selection, against the in-memory store."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest
from rtcc.alerts.manage_token import MANAGE_PREFIX, NUMBER_PREFIX, issue
from rtcc.alerts.model import Alert, Recipient, Tier
from rtcc.alerts.numbers import normalise_number
from rtcc.alerts.subscriber_memory import HmacSubscriberMac, MemorySubscriberStore
from rtcc.alerts.subscriber_ports import Channel, Status
from rtcc.alerts.subscriptions import DAY, Outcome, SubscriptionPolicy, Subscriptions
from rtcc.alerts.zones import ZoneMap
from rtcc.errors import Forbidden, Invalid, NotFound

NUMBER = "+14135550123"
SHOWN = "By signing up you agree to get City Alerts texts. Msg frequency varies."
T0 = 1_800_000_000.0


class FakeSealer:
    """Reversible but not the number, and bound to its context like the KMS sealer."""

    def seal(self, number: str, context: str) -> bytes:
        return base64.b64encode(f"{context}|{number}".encode())[::-1]

    def unseal(self, ciphertext: bytes, context: str) -> str:
        bound, number = base64.b64decode(ciphertext[::-1]).decode().split("|")
        assert bound == context, "sealed for another subscriber"
        return number


def _zones() -> ZoneMap:
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": f"ward-{i}",
                "properties": {"name": f"Ward {i}", "kind": "ward"},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[i, 0], [i + 1, 0], [i + 1, 1], [i, 1], [i, 0]]],
                },
            }
            for i in (1, 2)
        ],
    }
    return ZoneMap.from_geojson(collection, zip_codes=["01013"])


@pytest.fixture
def subs() -> Subscriptions:
    policy = SubscriptionPolicy(
        program_name="Holyoke Alerts",
        categories=("traffic", "weather", "crime"),
        join_keywords={"JOIN": "en", "ALTA": "es"},
        zone_keywords={"WARD1": "ward-1"},
    )
    return Subscriptions(
        MemorySubscriberStore(page_size=2), FakeSealer(), HmacSubscriberMac(), _zones(), policy
    )


def _signup(subs: Subscriptions, number: str = NUMBER, now: float = T0, **prefs):
    prefs.setdefault("zones", ["ward-1"])
    return subs.subscribe(number, subs.preferences(**prefs), Channel.WEB, SHOWN, now)


def _alert(**overrides) -> Alert:
    values = dict(
        alert_id="a1",
        tier=Tier.ADVISORY,
        headline={"en": "H", "es": "T"},
        texts={"en": "Road closed", "es": "Calle cerrada"},
        zones=("ward-1", "zip:01013"),
        categories=(),
        sent_at=datetime(2027, 1, 1, tzinfo=UTC),
        expires_at=None,
        sender="sgt",
    )
    values.update(overrides)
    return Alert(**values)


# -- numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["(413) 555-0123", "413.555.0123", "+1 413 555 0123", "1-413-555-0123"])
def test_numbers_are_normalised_to_e164(typed: str) -> None:
    assert normalise_number(typed) == NUMBER


@pytest.mark.parametrize("bad", ["", "123", "not a number", "+1 555 555 5555", "4" * 300])
def test_invalid_numbers_are_refused_naming_the_problem_not_the_number(bad: str, subs) -> None:
    with pytest.raises(Invalid) as refused:
        _signup(subs, number=bad)
    assert refused.value.message == "phone: not a valid US number"
    assert subs.store.subscribers == {}


def test_foreign_numbers_are_refused_unless_the_config_allows_them(subs) -> None:
    with pytest.raises(Invalid, match="phone: only US numbers can sign up"):
        _signup(subs, number="+44 20 7946 0958")
    assert normalise_number("+44 20 7946 0958", allow_foreign=True) == "+442079460958"


def test_preferences_refuse_unknown_zones_categories_languages_and_tiers(subs) -> None:
    for prefs, message in [
        ({"zones": []}, "zones: pick at least one zone"),
        ({"zones": ["ward-9"]}, "zones: unknown zone 'ward-9'"),
        ({"zones": ["ward-1"], "categories": ["gossip"]}, "categories: unknown category 'gossip'"),
        ({"zones": ["ward-1"], "language": "xx"}, "language: no texts in 'xx'"),
        ({"zones": ["ward-1"], "tiers": ["urgent"]}, "tiers: tiers are"),
    ]:
        with pytest.raises(Invalid, match=message):
            subs.preferences(**prefs)
    prefs = subs.preferences(["ward-1", "ward-1"], language="es-MX", tiers=["community"])
    assert prefs.zones == ("ward-1",) and prefs.language == "es"
    assert prefs.tiers == (Tier.EMERGENCY, Tier.COMMUNITY)  # emergencies cannot be turned off


# -- double opt-in ---------------------------------------------------------------------


def test_a_signup_is_pending_with_the_compliant_confirmation_text_and_no_clear_number(subs) -> None:
    result = _signup(subs)
    assert result.outcome == Outcome.PENDING
    assert result.text.startswith("Holyoke Alerts: reply YES to get alerts for Ward 1.")
    assert "Msg frequency varies. Msg&data rates may apply." in result.text
    assert "Reply HELP for help, STOP to cancel" in result.text
    sub = subs.store.get(result.subscriber_id)
    assert sub.status == Status.PENDING
    assert NUMBER not in repr(subs.store.__dict__) and "4135550123" not in repr(subs.store.__dict__)
    assert subs.number(result.subscriber_id) == NUMBER
    assert subs.store.zones == {}  # not a recipient before YES
    assert list(subs.recipients(_alert(tier=Tier.EMERGENCY))) == []


def test_the_confirmation_text_is_in_the_subscribers_language(subs) -> None:
    result = _signup(subs, language="es")
    assert "responda YES para recibir alertas de Ward 1" in result.text
    assert "STOP para cancelar" in result.text


def test_yes_activates_and_indexes_the_zones(subs) -> None:
    pending = _signup(subs, zones=["ward-1", "zip:01013"])
    result = subs.confirm("(413) 555-0123", T0 + 60)
    assert result.outcome == Outcome.CONFIRMED and result.subscriber_id == pending.subscriber_id
    assert result.text.startswith("Holyoke Alerts: you are signed up for alerts for Ward 1, 01013.")
    assert subs.store.get(pending.subscriber_id).status == Status.ACTIVE
    assert set(subs.store.zones) == {"ward-1", "zip:01013"}
    assert subs.confirm(NUMBER, T0 + 120).outcome == Outcome.ALREADY_ACTIVE


def test_yes_without_a_pending_signup_is_a_clear_outcome(subs) -> None:
    assert subs.confirm(NUMBER, T0) == subs.confirm(NUMBER, T0)
    assert subs.confirm(NUMBER, T0).outcome == Outcome.NO_PENDING
    assert subs.confirm("+44 20 7946 0958", T0).outcome == Outcome.NO_PENDING
    assert subs.confirm("garbage", T0).outcome == Outcome.NO_PENDING
    _signup(subs)
    lapsed = T0 + subs.policy.pending_hours * 3600
    assert subs.confirm(NUMBER, lapsed).outcome == Outcome.NO_PENDING  # the signup lapsed
    assert subs.store.zones == {}


def test_a_duplicate_signup_is_idempotent_within_the_window(subs) -> None:
    first = _signup(subs)
    again = _signup(subs, now=T0 + 60, zones=["ward-2"])
    assert (again.outcome, again.subscriber_id, again.text) == (Outcome.UNCHANGED, first.subscriber_id, None)
    assert subs.store.get(first.subscriber_id).prefs.zones == ("ward-1",)
    assert len(subs.store.subscribers) == 1
    later = _signup(subs, now=T0 + subs.policy.duplicate_window_minutes * 60, zones=["ward-2"])
    assert later.outcome == Outcome.PENDING and later.subscriber_id == first.subscriber_id
    # Texted again, for the zones it was first texted about: a page signup (anyone who knows
    # the number) does not rewrite a pending signup's preferences.
    assert "Ward 1" in later.text and "Ward 2" not in later.text
    assert subs.store.get(first.subscriber_id).prefs.zones == ("ward-1",)
    subs.confirm(NUMBER, T0 + 3600)
    assert _signup(subs, now=T0 + 7200).outcome == Outcome.ALREADY_ACTIVE


def test_a_lapsed_signup_is_renewed_not_refused(subs) -> None:
    first = _signup(subs)
    renewed = _signup(subs, now=T0 + subs.policy.pending_hours * 3600 + 1)
    assert renewed.outcome == Outcome.PENDING and renewed.subscriber_id == first.subscriber_id


def test_join_by_text_with_a_zip_or_zone_keyword_is_pending_too(subs) -> None:
    result = subs.join_by_text(NUMBER, "  join   01013 ", T0)
    assert result.outcome == Outcome.PENDING and "alerts for 01013" in result.text
    assert subs.store.get(result.subscriber_id).prefs.zones == ("zip:01013",)
    spanish = subs.join_by_text("+14135550124", "alta ward1", T0)
    assert subs.store.get(spanish.subscriber_id).prefs.zones == ("ward-1",)
    assert "responda YES" in spanish.text
    assert subs.join_by_text("+14135550125", "01013", T0).outcome == Outcome.PENDING
    assert subs.join_by_text(NUMBER, "JOIN 99999", T0).outcome == Outcome.UNKNOWN_ZONE
    assert subs.join_by_text(NUMBER, "JOIN NOWHERE", T0).outcome == Outcome.UNKNOWN_ZONE
    assert subs.join_by_text(NUMBER, "join", T0).outcome == Outcome.UNKNOWN_ZONE
    assert subs.join_by_text(NUMBER, "what is going on downtown", T0) is None
    # The resident's own JOIN, even within the window, is answered (and its zones are theirs).
    assert subs.join_by_text(NUMBER, "JOIN 01013", T0 + 5).outcome == Outcome.PENDING
    with pytest.raises(Invalid, match="phone: only US numbers"):
        subs.join_by_text("+442079460958", "JOIN 01013", T0)


# -- consent evidence ------------------------------------------------------------------


def test_consent_evidence_keeps_the_exact_texts_and_lives_as_long_as_the_subscription(subs) -> None:
    retention = subs.policy.consent_retention_days * DAY
    signup = _signup(subs)
    sid = signup.subscriber_id
    # A page signup's confirmation is sent by the caller, who records it once sent.
    subs.record_text(sid, NUMBER, "confirmation-sent", signup.text, T0)
    sent = subs.store.get(sid)
    log = subs.store.consents(sid)
    assert [(c.event, c.channel) for c in log] == [
        ("signup-shown", Channel.WEB),
        ("confirmation-sent", Channel.SMS),
    ]
    assert log[0].text == SHOWN and log[1].text.startswith("Holyoke Alerts: reply YES")
    assert {c.at for c in log} == {T0} and {c.number_mac for c in log} == {sent.number_mac}
    assert {c.expires_at for c in log} == {sent.pending_until + retention}  # an unconfirmed signup ends then
    subs.confirm(NUMBER, T0 + 60, received="Yes")
    log = subs.store.consents(sid)
    assert (log[-1].event, log[-1].text, log[-1].at) == ("confirm-received", "Yes", T0 + 60)
    assert {c.expires_at for c in log} == {None}  # kept while subscribed
    subs.delete(subs.manage_token(sid, T0 + 100), T0 + 200)
    assert {c.expires_at for c in subs.store.consents(sid)} == {T0 + 200 + retention}


def test_join_by_text_records_the_text_received(subs) -> None:
    sid = subs.join_by_text(NUMBER, "JOIN 01013", T0).subscriber_id
    assert [(c.event, c.channel, c.text) for c in subs.store.consents(sid)][0] == (
        "signup-received",
        Channel.SMS,
        "JOIN 01013",
    )


# -- manage links ----------------------------------------------------------------------


def _active(subs, **prefs) -> str:
    sid = _signup(subs, **prefs).subscriber_id
    subs.confirm(NUMBER, T0 + 60)
    return sid


def test_a_manage_link_shows_and_updates_preferences_and_the_index(subs) -> None:
    sid = _active(subs, zones=["ward-1", "zip:01013"])
    token = subs.manage_token(sid, T0 + 100)
    assert NUMBER not in token and "4135550123" not in token
    view = subs.manage(token, T0 + 200)
    assert (view.subscriber_id, view.status, view.prefs.zones) == (
        sid,
        Status.ACTIVE,
        ("ward-1", "zip:01013"),
    )
    new = subs.preferences(["ward-2", "zip:01013"], ["traffic"], "es", ["advisory"])
    assert subs.update(token, new, T0 + 300).prefs == new
    assert sid not in subs.store.zones["ward-1"]
    assert subs.store.zones["ward-2"][sid].language == "es"
    assert subs.store.zones["zip:01013"][sid].categories == ("traffic",)


def test_expired_or_forged_manage_links_are_refused(subs) -> None:
    sid = _active(subs)
    token = subs.manage_token(sid, T0)
    expiry = int(T0) + subs.policy.manage_link_hours * 3600
    with pytest.raises(Forbidden, match="token: the link has expired"):
        subs.manage(token, expiry)
    sid_part, _, sig = token.split(".")
    forgeries = [
        f"{sid_part}.{expiry + 10**6}.{sig}",  # a later expiry with the old signature
        f"{'0' * 32}.{expiry}.{sig}",  # another subscriber
        issue(HmacSubscriberMac(b"another key"), sid, expiry),
        # The number lookup's MAC of the same message is no link: the prefixes differ.
        f"{sid_part}.{expiry}."
        + base64.urlsafe_b64encode(subs.mac.mac(NUMBER_PREFIX + f"{sid}\x00{expiry}".encode()))
        .decode()
        .rstrip("="),
        "",
        "garbage",
        f"{sid}.{expiry}",
        f"{sid}.{expiry}.!!!!!!!!!!!!!!!!!!",
    ]
    for forged in forgeries:
        with pytest.raises(Forbidden, match="^token: not a valid link$"):
            subs.manage(forged, T0)
        with pytest.raises(Forbidden):
            subs.delete(forged, T0)
    assert subs.store.get(sid) is not None
    assert MANAGE_PREFIX != NUMBER_PREFIX


def test_deletion_leaves_no_number_and_no_index_entry(subs) -> None:
    sid = _active(subs, zones=["ward-1", "zip:01013"])
    other = _signup(subs, number="+14135550124", zones=["ward-1"]).subscriber_id
    subs.confirm("+14135550124", T0 + 60)
    token = subs.manage_token(sid, T0 + 100)
    subs.delete(token, T0 + 200)
    store = subs.store
    assert store.get(sid) is None and sid not in store.numbers.values()
    assert all(sid not in members for members in store.zones.values())
    with pytest.raises(NotFound):
        subs.number(sid)
    with pytest.raises(NotFound, match="subscription: this subscription no longer exists"):
        subs.manage(token, T0 + 300)
    assert [r.subscriber_id for r in subs.recipients(_alert(tier=Tier.EMERGENCY))] == [other]
    # What remains is the consent evidence: no number, its keyed hash, under a TTL.
    assert all(c.expires_at is not None for c in store.consents(sid))
    assert NUMBER not in repr(store.__dict__)
    assert subs.confirm(NUMBER, T0 + 400).outcome == Outcome.NO_PENDING
    assert _signup(subs, now=T0 + 500).subscriber_id != sid  # a new signup is a new subscriber


# -- recipients ------------------------------------------------------------------------


def _subscribe_active(subs, number: str, **prefs) -> str:
    sid = _signup(subs, number=number, **prefs).subscriber_id
    assert subs.confirm(number, T0 + 60).outcome == Outcome.CONFIRMED
    return sid


def test_recipients_are_read_by_zone_deduplicated_and_filtered(subs) -> None:
    both = _subscribe_active(subs, "+14135550101", zones=["ward-1", "zip:01013"], language="es")
    ward1_traffic = _subscribe_active(subs, "+14135550102", zones=["ward-1"], categories=["traffic"])
    zip_only_emerg = _subscribe_active(subs, "+14135550103", zones=["zip:01013"], tiers=[])
    ward2 = _subscribe_active(subs, "+14135550104", zones=["ward-2"])
    _signup(subs, number="+14135550105", zones=["ward-1"])  # pending: never a recipient

    advisory = list(subs.recipients_by_zone(_alert()))
    assert set(advisory) == {("ward-1", Recipient(both, "es")), ("ward-1", Recipient(ward1_traffic, "en"))}
    assert len(advisory) == 2
    emergency = {r.subscriber_id for r in subs.recipients(_alert(tier=Tier.EMERGENCY))}
    assert emergency == {both, ward1_traffic, zip_only_emerg}
    weather = {r.subscriber_id for r in subs.recipients(_alert(categories=("weather",)))}
    assert weather == {both}  # ward1_traffic wants traffic only; zip_only_emerg no advisories
    english_only = list(
        subs.recipients(_alert(texts={"en": "x"}, headline={"en": "x"}, zones=("ward-2", "ward-1")))
    )
    assert [r.subscriber_id for r in english_only][0] == ward2
    assert {r.language for r in english_only} == {"en"}  # no Spanish text: English, not dropped
    assert subs.store.pages_read > 0  # page_size=2: several pages, each by key


def test_an_alert_to_a_zone_with_nobody_selects_nobody(subs) -> None:
    _subscribe_active(subs, NUMBER, zones=["ward-1"])
    assert list(subs.recipients(_alert(zones=("ward-2",)))) == []
