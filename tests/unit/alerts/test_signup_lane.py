"""Review of issue 10, the signup and the alerts line (lane R3): a signup's text takes its
turn in the alerts number's send rate (shared with alerts) or goes back to the queue; consent
evidence says what became of the confirmation; a page signup cannot rewrite the preferences
already texted to a number, the resident's own JOIN can; STOP and HELP hold for any number."""

from __future__ import annotations

import pytest
from rtcc.alerts.manage_token import number_mac
from rtcc.alerts.ratelimit import InProcessSlotCounter, SlotRateLimiter
from rtcc.alerts.signup import PublicSignup, SignupRequest, SignupTicket, ZoneChoice
from rtcc.alerts.signup_confirm import LineBusy, SignupConfirmer
from rtcc.alerts.signup_limits import MemoryWindowCounters, SignupLimits
from rtcc.alerts.subscriber_memory import HmacSubscriberMac, MemorySubscriberStore
from rtcc.alerts.subscriber_ports import Channel
from rtcc.alerts.subscriptions import SubscriptionPolicy, Subscriptions
from rtcc.alerts.zones import ZoneMap
from rtcc.sms.optout import is_opted_out

from tests.unit.alerts.test_alerts_inbound import LINE_NAME, Line
from tests.unit.alerts.test_subscriptions import FakeSealer

T0 = 1_800_000_000.0
NUMBER = "+14135550123"
LANE = "+15550100200"


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class World:
    def __init__(self, rate: float = 1.0) -> None:
        policy = SubscriptionPolicy(program_name="Demo Alerts")
        self.subs = Subscriptions(
            MemorySubscriberStore(), FakeSealer(), HmacSubscriberMac(), ZoneMap.demo(), policy
        )
        self.clock, self.sent, self.tickets = Clock(), [], []
        self.counts = MemoryWindowCounters()
        self.slots = InProcessSlotCounter()
        self.permits = SlotRateLimiter(self.slots, LANE, rate, clock=self.clock, sleep=self.clock.sleep)
        self.send = lambda n, k, b: self.sent.append((n, b))
        self.confirmer = SignupConfirmer(
            self.subs,
            lambda n, k, b: self.send(n, k, b),
            lambda t: f"https://x/m#t={t}",
            SignupLimits(self.counts, per_hour=1000),
            self.clock,
            sleep=self.clock.sleep,
            permits=self.permits,
        )
        self.page = PublicSignup(self.subs, self.tickets.append, self.clock)

    def sign_up(self, zones: tuple[str, ...] = ("downtown",), phone: str = NUMBER) -> SignupTicket:
        self.page.sign_up(SignupRequest(phone, ZoneChoice(zones), (), ("advisory",), "en"))
        return SignupTicket.from_message(self.tickets[-1].to_message())

    def dispatcher_takes_the_lane(self) -> None:
        """An alert's dispatcher holds every permit of the coming slots."""
        plan = self.permits.plan
        first = plan.slot_at(self.clock())
        for slot in range(first, first + 30):  # the counter keeps 64 slots
            self.slots.take(LANE, slot, plan.cap, plan.cap, plan.start_of(slot + 1))

    def evidence(self) -> list[tuple[str, float]]:
        [sid] = self.subs.store.subscribers
        return [(c.event, c.at) for c in self.subs.store.consents(sid)]


# -- 4: a signup's text takes its turn in the alerts line's rate -----------------------------


def test_a_signup_text_takes_a_permit_from_the_dispatchers_slot_counter() -> None:
    w = World(rate=1.0)
    assert w.confirmer.handle(w.sign_up()) == "confirmation-sent"
    plan = w.permits.plan
    assert w.slots._used[(LANE, plan.slot_at(T0))] == 1  # the dispatcher's next take sees it spent


def test_a_busy_line_puts_the_signup_back_on_the_queue_untouched() -> None:
    from functions import alert_confirm

    w = World()
    ticket = w.sign_up()
    w.dispatcher_takes_the_lane()
    with pytest.raises(LineBusy):
        w.confirmer.handle(ticket)
    # Nothing written, nothing counted, nothing sent: the redelivery starts from scratch.
    assert w.subs.store.subscribers == {} and w.sent == []
    assert all(n == 0 for n, _ in w.counts.counts.values())  # counted, then given back
    assert w.clock.now - T0 <= w.confirmer.permit_wait_s + 1  # a short, bounded wait

    class Record:
        message_id = "m1"
        body = ticket.to_message()

    with pytest.raises(LineBusy):  # the record fails alone: SQS redelivers it
        alert_confirm.record_handler(Record(), confirmer=w.confirmer)
    w.clock.now += 60  # the alert is out: the redelivered ticket is texted
    assert w.confirmer.handle(ticket) == "confirmation-sent" and len(w.sent) == 1


def test_a_busy_line_sends_the_rest_of_the_batch_back_without_waiting_again() -> None:
    w = World()
    tickets = [w.sign_up(phone=f"+1413555{i:04d}") for i in range(10)]
    w.dispatcher_takes_the_lane()
    for ticket in tickets:
        with pytest.raises(LineBusy):
            w.confirmer.handle(ticket)
    assert w.clock.now - T0 < 2 * w.confirmer.permit_wait_s + 1  # well inside the 30 s timeout


def test_a_signup_the_limits_refuse_never_takes_a_slot_of_the_alerts_line() -> None:
    """A flood past the breaker (or a capped number) must not slow an alert: the limits are
    asked first, and only a signup they let through waits for the line."""
    w = World(rate=1.0)
    w.confirmer.limits = SignupLimits(w.counts, per_hour=0)  # the city's hour is spent
    assert w.confirmer.handle(w.sign_up()) == "breaker"
    assert w.slots._used.get((LANE, w.permits.plan.slot_at(T0)), 0) == 0


def test_a_permit_not_used_goes_back_to_the_slot() -> None:
    w = World(rate=10.0)  # a 0.1 s slot of one permit
    w.confirmer.handle(w.sign_up())
    w.clock.now += 0.05
    assert w.confirmer.handle(w.sign_up()) == "unchanged"  # a repeat: texts nothing
    plan = w.permits.plan
    # The repeat took no permit (no text was due); a capped signup gives its permit back.
    w.confirmer.limits = SignupLimits(MemoryWindowCounters(), per_hour=1000, per_number=0)
    w.clock.now += 1
    assert w.confirmer.handle(w.sign_up(phone="+14135550999")) == "capped"
    assert w.permits.acquire_within(0) is not None and w.permits.plan == plan


def test_the_signup_breaker_defaults_to_a_small_fraction_of_a_long_code() -> None:
    from rtcc.alerts.settings import AlertsSettings

    from infra.config import Alerts

    assert Alerts().signups_per_hour == 60
    assert AlertsSettings(_env_file=None).signups_per_hour == 60  # type: ignore[call-arg]


# -- 6: consent evidence of the confirmation, once its fate is known ------------------------


def test_the_evidence_records_the_send_after_it_and_the_page_when_it_was_shown() -> None:
    w = World()
    ticket = w.sign_up()
    w.clock.now += 30  # the queue's trip
    sent_at: list[float] = []
    w.send = lambda n, k, b: (sent_at.append(w.clock.now), w.clock.sleep(0.5), w.sent.append((n, b)))
    assert w.confirmer.handle(ticket) == "confirmation-sent"
    events = w.evidence()
    assert events[0] == ("signup-shown", ticket.at)  # the page's time, not the consumer's
    assert events[1][0] == "confirmation-sent" and events[1][1] > sent_at[0]


def test_a_confirmation_that_was_not_sent_is_recorded_as_failed() -> None:
    w = World()

    def refused(n: str, k: str, b: str) -> None:
        raise type("Refusal", (Exception,), {"status": 400, "code": 21211})("HTTP 400")

    w.send = refused
    assert w.confirmer.handle(w.sign_up()) == "not-sent"
    assert [e for e, _ in w.evidence()] == ["signup-shown", "confirmation-failed"]
    [sid] = w.subs.store.subscribers
    assert all(c.expires_at for c in w.subs.store.consents(sid))  # a pending signup's retention


# -- 7: who may change a pending signup's preferences --------------------------------------


def test_a_page_resubmission_keeps_the_preferences_already_texted() -> None:
    w = World()
    w.confirmer.handle(w.sign_up(("downtown",)))
    w.clock.now += 11 * 60  # past the duplicate window: texted again
    assert w.confirmer.handle(w.sign_up(("harbor", "riverside"))) == "confirmation-sent"
    [sub] = w.subs.store.subscribers.values()
    assert sub.prefs.zones == ("downtown",)
    assert "Downtown" in w.sent[-1][1] and "Harbor" not in w.sent[-1][1]


def test_the_residents_own_join_replaces_a_pending_signup_and_is_answered() -> None:
    line = Line()
    mac = number_mac(line.mac, NUMBER)
    # Someone else signed the number up from the page (a zone the program has)...
    prefs = line.subs.preferences(["ward-1"], (), "es")
    line.subs.subscribe(NUMBER, prefs, Channel.WEB, "shown", line.now)
    # ...and within the duplicate window the resident texts JOIN in English: answered, and theirs.
    answer = line.text("JOIN 01013")
    assert answer.outcome == "pending" and answer.reply
    assert line.store.by_number(mac).prefs.language == "en"


# -- 9: STOP and HELP from any number --------------------------------------------------------


@pytest.mark.parametrize("sender", ["+447700900123", "+14135550"])
def test_stop_and_help_hold_for_numbers_the_program_would_not_sign_up(sender: str) -> None:
    line = Line()
    help_ = line.text("HELP", sender=sender)
    stop = line.text("STOP", sender=sender)
    assert (help_.outcome, stop.outcome) == ("help", "stop")
    # Recorded, but not answered: a reply would text anywhere on request (SMS pumping).
    assert (help_.reply, stop.reply) == ("", "")
    from rtcc.alerts.numbers import any_number

    assert is_opted_out(line.opt_outs, LINE_NAME, number_mac(line.mac, any_number(sender)))
    assert line.text("JOIN 01013", sender=sender).outcome == "not-eligible"
