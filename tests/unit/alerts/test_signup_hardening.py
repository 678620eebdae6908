"""The signup page hardened (issue 10 review findings): the api side does the same work
whatever the number's state and never texts; a number gets at most 3 signup texts a day and
the city's breaker drops a flood; a write racing a delete does not bring the subscriber
back; the consent evidence is the server's own text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rtcc.alerts.signup import PublicSignup, SignupRequest, SignupTicket, ZoneChoice
from rtcc.alerts.signup_confirm import SignupConfirmer
from rtcc.alerts.signup_limits import MemoryWindowCounters, SignupLimits
from rtcc.alerts.subscriber_memory import HmacSubscriberMac, MemorySubscriberStore
from rtcc.alerts.subscriber_ports import Status, SubscriberGone
from rtcc.alerts.subscriptions import SubscriptionPolicy, Subscriptions
from rtcc.alerts.zones import ZoneMap
from rtcc.errors import NotFound

from tests.unit.alerts.test_subscriptions import FakeSealer

T0 = 1_800_000_000.0
NUMBER = "+14135550123"
WEB_I18N = Path(__file__).resolve().parents[3] / "web" / "public" / "i18n"


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


class Recorder:
    """A port that records every call, and a store that fails the test if touched."""

    def __init__(self) -> None:
        self.calls: list[str] = []


class UntouchableStore(MemorySubscriberStore):
    def __getattribute__(self, name: str):
        if not name.startswith("_") and name not in {"subscribers", "numbers", "consent_log", "zones"}:
            raise AssertionError(f"the api side touched the subscriber store ({name})")
        return super().__getattribute__(name)


class CountingSealer(FakeSealer):
    def __init__(self) -> None:
        self.seals = 0

    def seal(self, number: str, context: str) -> bytes:
        self.seals += 1
        return super().seal(number, context)


def _subs(store=None, sealer=None) -> Subscriptions:
    policy = SubscriptionPolicy(program_name="Demo Alerts")
    return Subscriptions(
        store or MemorySubscriberStore(), sealer or FakeSealer(), HmacSubscriberMac(), ZoneMap.demo(), policy
    )


def _request(phone: str = NUMBER, language: str = "en") -> SignupRequest:
    return SignupRequest(phone, ZoneChoice(("downtown",)), (), ("advisory",), language)


@pytest.fixture
def world():
    subs, clock, sent = _subs(), Clock(), []
    limits = SignupLimits(MemoryWindowCounters(), per_hour=1000)
    confirmer = SignupConfirmer(
        subs, lambda n, k, b: sent.append((n, b)), lambda t: f"https://x/m#t={t}", limits, clock
    )
    outcomes: list[str] = []
    page = PublicSignup(
        subs, lambda t: outcomes.append(confirmer.handle(SignupTicket.from_message(t.to_message()))), clock
    )
    return page, confirmer, subs, clock, sent, outcomes


def test_the_api_side_does_the_same_work_whatever_the_number_is() -> None:
    """Timing: the page's request seals the number and queues it, nothing else, whether the
    number is new, pending or active: no lookup, no write, no text that could take longer."""
    sealer, queued = CountingSealer(), []
    page = PublicSignup(_subs(UntouchableStore(), sealer), queued.append, Clock())
    for _ in range(3):  # a new number, then the same one again and again
        assert page.sign_up(_request()) is None
    assert sealer.seals == 3 and len(queued) == 3
    assert len({t.ticket_id for t in queued}) == 3  # a fresh id each time: nothing to correlate
    assert all(NUMBER not in t.to_message() and "4135550123" not in t.to_message() for t in queued)


def test_a_ticket_survives_the_queue_and_a_malformed_message_names_no_value() -> None:
    page, queued = PublicSignup(_subs(), [].append, Clock()), []
    page.queue = queued.append
    page.sign_up(_request(language="es"))
    [ticket] = queued
    assert SignupTicket.from_message(ticket.to_message()) == ticket
    with pytest.raises(ValueError, match="^not a signup ticket$"):
        SignupTicket.from_message('{"id": "x", "sealed": "+14135550123"}')


def test_a_number_gets_at_most_three_signup_texts_a_day(world) -> None:
    page, _, _, clock, sent, outcomes = world
    for _ in range(5):
        page.sign_up(_request())
        clock.now += 11 * 60  # past the duplicate window: each would text again
    assert outcomes[:3] == ["confirmation-sent"] * 3
    assert outcomes[3:] == ["capped"] * 2 and len(sent) == 3
    clock.now = T0 + 86_400 + 1  # a new day: the number may be texted again
    page.sign_up(_request())
    assert outcomes[-1] == "confirmation-sent" and len(sent) == 4


def test_the_city_breaker_drops_a_flood_over_many_numbers(world) -> None:
    page, confirmer, _, clock, sent, outcomes = world
    confirmer.limits = SignupLimits(MemoryWindowCounters(), per_hour=2)
    for i in range(4):
        page.sign_up(_request(f"+1413555{i:04d}"))
    assert outcomes == ["confirmation-sent"] * 2 + ["breaker"] * 2 and len(sent) == 2
    clock.now += 3601
    page.sign_up(_request("+14135559999"))
    assert outcomes[-1] == "confirmation-sent"


def test_a_number_past_its_cap_spends_nothing_of_the_citys_hour() -> None:
    counters = MemoryWindowCounters()
    limits = SignupLimits(counters, per_hour=100, per_number=1)
    assert limits.refusal("mac", T0) is None and limits.refusal("mac", T0) == "capped"
    assert counters.counts["city"][0] == 1


def test_a_save_never_brings_a_deleted_subscriber_back(world) -> None:
    page, _, subs, clock, _, _ = world
    page.sign_up(_request())
    subs.confirm(NUMBER, clock.now)
    sub = next(iter(subs.store.subscribers.values()))
    token = subs.manage_token(sub.subscriber_id, clock.now)

    # A manage-link change that read the subscriber just before its deletion went through.
    real_get = subs.store.get

    def get_then_deleted(subscriber_id: str):
        found = real_get(subscriber_id)
        if found is not None:
            subs.end(found, clock.now)  # STOP or the delete button, in between
        return found

    subs.store.get = get_then_deleted  # type: ignore[method-assign]
    with pytest.raises(NotFound):
        subs.update(token, subs.preferences(["harbor"]), clock.now)
    subs.store.get = real_get  # type: ignore[method-assign]
    assert subs.store.subscribers == {} and subs.store.numbers == {}
    assert all(not members for members in subs.store.zones.values())
    with pytest.raises(SubscriberGone):
        subs.store.save(sub.with_(status=Status.ACTIVE))


def test_a_yes_racing_a_delete_confirms_nothing(world) -> None:
    page, _, subs, clock, _, _ = world
    page.sign_up(_request())
    real_by_number = subs.store.by_number

    def read_then_deleted(number_mac: str):
        found = real_by_number(number_mac)
        if found is not None:
            subs.end(found, clock.now)  # the lapsed signup removed, or deleted, in between
        return found

    subs.store.by_number = read_then_deleted  # type: ignore[method-assign]
    assert str(subs.confirm(NUMBER, clock.now).outcome) == "no-pending"
    assert subs.store.subscribers == {}


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_consent_evidence_is_the_servers_text_not_the_clients(world, language: str) -> None:
    page, _, subs, _, _, _ = world
    page.sign_up(_request(language=language))
    [sid] = subs.store.subscribers
    shown = [c.text for c in subs.store.consents(sid) if c.event == "signup-shown"]
    page_text = json.loads((WEB_I18N / f"{language}.json").read_text())["signup.disclosure"]
    assert shown == [page_text.replace("{program}", "Demo Alerts")]


def test_only_texts_count_and_a_capped_signup_writes_nothing(world) -> None:
    page, confirmer, subs, clock, sent, outcomes = world
    for _ in range(5):  # repeats inside the duplicate window text nothing, so count nothing
        page.sign_up(_request())
    assert outcomes == ["confirmation-sent"] + ["unchanged"] * 4 and len(sent) == 1
    confirmer.limits = SignupLimits(MemoryWindowCounters(), per_hour=1000, per_number=0)
    page.sign_up(_request("+14135550124"))
    assert outcomes[-1] == "capped" and len(subs.store.subscribers) == 1  # no pending, no evidence
    assert sum(len(log) for log in subs.store.consent_log.values()) == 2  # the first signup's two


def test_alert_confirm_handles_a_ticket_and_refuses_a_malformed_message_alone(world) -> None:
    from functions import alert_confirm

    page, confirmer, _, _, sent, _ = world
    queued: list[SignupTicket] = []
    page.queue = queued.append
    page.sign_up(_request())

    class Record:
        message_id = "m1"
        body = queued[0].to_message()

    assert alert_confirm.record_handler(Record(), confirmer=confirmer) == "confirmation-sent"
    assert len(sent) == 1
    Record.body = json.dumps({"id": "x", "number": NUMBER})
    with pytest.raises(ValueError) as refused:
        alert_confirm.record_handler(Record(), confirmer=confirmer)
    assert NUMBER not in str(refused.value) and len(sent) == 1


def test_a_delete_between_the_save_and_the_zone_index_leaves_no_entry(world) -> None:
    page, _, subs, clock, _, _ = world
    page.sign_up(_request())
    [sid] = subs.store.subscribers
    token = subs.manage_token(sid, clock.now)
    subs.confirm(NUMBER, clock.now)
    real_index = subs.store.index

    def index_then_deleted(zone_id, entry) -> None:
        found = subs.store.get(entry.subscriber_id)
        if found is not None:
            subs.end(found, clock.now)  # read the old zones, removed them, then the new entry lands
        real_index(zone_id, entry)

    subs.store.index = index_then_deleted  # type: ignore[method-assign]
    subs.update(token, subs.preferences(["harbor"]), clock.now)
    assert subs.store.subscribers == {}
    assert all(not members for members in subs.store.zones.values()), subs.store.zones


class _Refusal(Exception):
    def __init__(self, status: int, code: int | None = None) -> None:
        super().__init__(f"HTTP {status}")
        self.status, self.code = status, code


@pytest.mark.parametrize(
    ("failures", "outcome", "tries"),
    [
        ([_Refusal(429, 20429)], "confirmation-sent", 2),  # a blip: sent on the second try
        ([_Refusal(503)] * 3, "not-sent", 3),  # an outage: a bounded number of tries
        ([_Refusal(400, 21211)], "not-sent", 1),  # an invalid number: retrying would not help
        ([type("ReadTimeout", (Exception,), {})()], "not-sent", 1),  # may have been sent: never twice
    ],
)
def test_a_transient_refusal_of_the_confirmation_is_retried_a_few_times(
    world, failures: list[Exception], outcome: str, tries: int
) -> None:
    page, confirmer, _, _, sent, outcomes = world
    attempts: list[str] = []
    waits: list[float] = []

    def flaky(number: str, key: str, body: str) -> None:
        attempts.append(body)
        if len(attempts) <= len(failures):
            raise failures[len(attempts) - 1]
        sent.append((number, body))

    confirmer.send, confirmer.sleep = flaky, waits.append
    page.sign_up(_request())
    assert outcomes == [outcome] and len(attempts) == tries and len(waits) == min(tries, 3) - 1
    assert all(0 <= w <= 4.0 for w in waits)


def test_a_ticket_redriven_from_the_dead_letter_queue_signs_nobody_up(world) -> None:
    """Review finding 12c: the dead-letter queue keeps sealed numbers 14 days; a ticket
    redriven days later must not sign the number up or text it."""
    _, confirmer, subs, clock, sent, _ = world
    queued: list[SignupTicket] = []
    PublicSignup(subs, queued.append, clock).sign_up(_request())
    PublicSignup(subs, queued.append, clock).sign_up(_request("+14135550124"))
    clock.now += 24 * 3600 + 1  # a day and a second in the queue
    assert confirmer.handle(queued[0]) == "stale"
    assert sent == [] and subs.store.subscribers == {} and subs.store.consent_log == {}
    confirmer.max_ticket_age_s = 48 * 3600  # within the age: handled as ever
    assert confirmer.handle(queued[1]) == "confirmation-sent" and len(sent) == 1
