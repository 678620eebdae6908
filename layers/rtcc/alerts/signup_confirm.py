"""The consumer side of a signup from the page (function `alert-confirm`, fed by the
`alert-confirmations` queue): the lookup, the writes and the one text, away from the
internet-facing `api` function, which holds no Twilio key and opens no number.

For each ticket (rtcc.alerts.signup.SignupTicket): the number is opened (KMS Decrypt under
the ticket's id) and signed up (rtcc.alerts.subscriptions); each text it is due is first
counted against its number's and the city's limits (rtcc.alerts.signup_limits: past either,
nothing is written or sent, and the outcome says which). A new
or renewed signup is texted its confirmation; an active subscriber a manage link, at most
once per duplicate window (kept on the subscriber's `confirmation_sent_at`); a repeat
nothing. Texts go on the alerts line through the `ConfirmationSender` port; a transient
refusal is retried a few times, and a refused or opted-out send is logged by its class only
(a provider's message may quote the number).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import Protocol

from rtcc.alerts import manage_token
from rtcc.alerts.dispatch import backoff_delay
from rtcc.alerts.ratelimit import Permit
from rtcc.alerts.signup import SignupTicket
from rtcc.alerts.signup_limits import SignupLimits
from rtcc.alerts.subscriber_ports import Channel, Status, SubscriberGone
from rtcc.alerts.subscriptions import Outcome, Subscriptions
from rtcc.sms.errors import Transient, classify

logger = logging.getLogger(__name__)


class ConfirmationSender(Protocol):
    def __call__(self, number: str, sender_key: str, body: str) -> None:
        """Text `body` to `number` on the alerts line (opt-outs of `sender_key` checked
        first). Raises whatever the send raises; `SignupConfirmer` swallows it."""
        ...


class Permits(Protocol):
    """The alerts line's send rate, shared with the dispatcher (rtcc.alerts.ratelimit)."""

    def acquire_within(self, max_wait: float | None) -> Permit | None: ...

    def refund(self, permit: Permit) -> None: ...


class LineBusy(Exception):
    """No send permit on the alerts line within the wait (an alert is going out): nothing was
    written or counted, and the ticket goes back to the queue, which redelivers it later."""


class SignupConfirmer:
    def __init__(
        self,
        subscriptions: Subscriptions,
        send: ConfirmationSender,
        manage_url: Callable[[str], str],
        limits: SignupLimits,
        clock: Callable[[], float],
        attempts: int = 3,
        sleep: Callable[[float], None] = time.sleep,
        max_ticket_age_s: float = 24 * 3600,
        permits: Permits | None = None,
        permit_wait_s: float = 2.0,
    ) -> None:
        self.subscriptions, self.send, self.manage_url = subscriptions, send, manage_url
        self.limits, self.clock = limits, clock
        self.attempts, self.sleep = attempts, sleep
        self.max_ticket_age_s = max_ticket_age_s
        # Confirmations share the alerts number's carrier lane with alerts: each text takes a
        # permit from the dispatcher's slot counter, so a flood of signups cannot push an
        # Emergency's texts back; the wait is bounded well under the queue's visibility timeout.
        self.permits, self.permit_wait_s = permits, permit_wait_s
        self._permit: Permit | None = None
        self._busy_until = 0.0

    def _take_permit(self) -> None:
        """Before anything is written or counted: LineBusy if the lane stays full."""
        if self.permits is None:
            return
        # Once a wait came back empty, the batch's next tickets go back at once: ten tickets
        # each waiting in turn would outlast the function's timeout.
        if self.clock() >= self._busy_until:
            self._permit = self.permits.acquire_within(self.permit_wait_s)
        if self._permit is None:
            self._busy_until = max(self._busy_until, self.clock() + self.permit_wait_s)
            raise LineBusy("the alerts line is busy")

    def _permit_or_give_back(self, key: str, now: float) -> None:
        """A permit for a signup the limits counted; if the line stays busy, the counts are
        given back before the ticket returns to the queue (it is counted again then)."""
        try:
            self._take_permit()
        except LineBusy:
            self.limits.give_back(key, now)
            raise

    def _give_back(self) -> None:
        # A text not sent after all (limited, a repeat, refused before reaching the provider).
        if self.permits is not None and self._permit is not None:
            self.permits.refund(self._permit)
        self._permit = None

    def handle(self, ticket: SignupTicket) -> str:
        """The outcome, for logs and metrics only ("confirmation-sent", "capped",
        "breaker", "unchanged", "stale", ...)."""
        subs = self.subscriptions
        now = self.clock()
        # A ticket older than a signup's normal trip through the queue (retries included) was
        # redriven from the dead-letter queue, which keeps sealed numbers for 14 days: the
        # resident asked long ago and may have changed their mind since, so it signs nobody
        # up and texts nobody. Checked before the number is opened.
        if now - ticket.at > self.max_ticket_age_s:
            return "stale"
        e164 = subs.sealer.unseal(ticket.sealed_number, ticket.ticket_id)
        key = manage_token.number_mac(subs.mac, e164)
        refused: list[str] = []

        def may_text() -> bool:
            # Counted only when a text is due: a repeat that texts nothing spends nothing. The
            # limits first, then the line: a refused signup never takes a slot of the alerts
            # number's rate (a flood past the breaker must not slow an alert).
            reason = self.limits.refusal(key, now)
            refused.extend([reason] if reason else [])
            if reason is None:
                self._permit_or_give_back(key, now)
            return reason is None

        sealed = (ticket.ticket_id, ticket.sealed_number)
        try:
            result = subs.subscribe(
                e164, ticket.prefs, Channel.WEB, ticket.shown, now, sealed, may_text, shown_at=ticket.at
            )
            if result.outcome == Outcome.PENDING and result.text and result.subscriber_id:
                return self._confirm(e164, result.subscriber_id, result.text)
            if result.outcome == Outcome.ALREADY_ACTIVE and result.subscriber_id:
                return self._manage_link(e164, key, result.subscriber_id, now)
            return refused[0] if refused else str(result.outcome)
        finally:
            self._give_back()  # a permit taken and not used (nothing once it was spent)

    def _confirm(self, e164: str, subscriber_id: str, text: str) -> str:
        """The confirmation, then its evidence: what became of the send, once it is known."""
        key = manage_token.number_mac(self.subscriptions.mac, e164)
        outcome = self._text(e164, key, text, "confirmation-sent")
        event = "confirmation-sent" if outcome == "confirmation-sent" else "confirmation-failed"
        self.subscriptions.record_text(subscriber_id, e164, event, text, self.clock())
        return outcome

    def _manage_link(self, e164: str, key: str, subscriber_id: str, now: float) -> str:
        """An active subscriber signing up again gets a manage link, at most once per
        duplicate window, so a lost link can be had again and nothing more."""
        subs = self.subscriptions
        sub = subs.store.get(subscriber_id)
        if sub is None or sub.status != Status.ACTIVE:
            return "unchanged"
        window = subs.policy.duplicate_window_minutes * 60
        if sub.confirmation_sent_at is not None and now - sub.confirmation_sent_at < window:
            return "unchanged"
        refused = self.limits.refusal(key, now)
        if refused:
            return refused
        self._permit_or_give_back(key, now)
        try:
            subs.store.save(sub.with_(confirmation_sent_at=now))
        except SubscriberGone:  # deleted meanwhile: no link to a subscription that is gone
            return "unchanged"
        text = subs.catalog.text(
            sub.prefs.language,
            "alerts.manage",
            program=subs.policy.program_name,
            hours=subs.policy.manage_link_hours,
            link=self.manage_url(subs.manage_token(subscriber_id, now)),
        )
        return self._text(e164, key, text, "manage-link-sent")

    def _text(self, e164: str, key: str, body: str, outcome: str) -> str:
        """Send, retrying a transient refusal (a 429, a 5xx, a network error that surely sent
        nothing) a few times with backoff: the subscription is already written, and a repeat of
        the same signup within the duplicate window texts nothing, so a dropped confirmation
        would leave the resident waiting. Anything else (opted out, invalid number, "may have
        been sent") is not retried: retrying would not help, or could text twice."""
        for attempt in range(self.attempts):
            if attempt and self.permits is not None:
                # A retry is another send on the lane: it waits its turn like the first.
                self._permit = self.permits.acquire_within(self.permit_wait_s)
                if self._permit is None:
                    break
            try:
                self.send(e164, key, body)
                self._permit = None  # spent
                return outcome
            except Exception as exc:  # noqa: BLE001 - classified below, never re-raised
                verdict = classify(exc)
                # The class name only: a provider's message may quote the number.
                logger.info("alerts signup: text not sent", extra={"reason": type(exc).__name__})
                if not isinstance(verdict, Transient) or verdict.maybe_sent:
                    self._permit = None  # it may have reached the provider: spent
                    break
                self._give_back()  # refused before the provider's queue: the slot may reuse it
                if attempt + 1 < self.attempts:
                    self.sleep(backoff_delay(attempt, 0.5, 4.0, random.uniform))
        return "not-sent"
