"""What a text to the alerts line does: its keywords (issue 10, "Opting in").

- STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE, OPTOUT: the number is opted out of
  the alerts line at once (rtcc.sms.optout, under "alerts" only: the tip line is another
  line) and its subscription ends (deleted; the consent evidence keeps its retention);
  one confirmation;
- START, UNSTOP: opted back in; YES too, and YES confirms a pending signup;
- HELP, INFO: the program's name, a contact and how to stop;
- JOIN <ZIP|zone keyword>, ALTA <...> (Spanish), or a bare ZIP code: a pending signup and
  the confirmation text (rtcc.alerts.subscriptions);
- anything else: the HELP answer.
Keywords are read case- and whitespace-insensitively. When Twilio's Advanced Opt-Out has
acted (the form's `OptOutType`), Twilio has sent its own confirmation, so the answer is
empty: one confirmation either way.

Each MessageSid is claimed before anything changes and settled with its answer, so a
redelivered message gets the same answer and changes nothing. A number that cannot
subscribe (invalid, or of another country) gets no answer and changes nothing. Numbers are
only ever passed on to the keyed hash and the sealer; nothing here logs or returns one.

Pure domain: the ports are the subscriptions (rtcc.alerts.subscriptions), the opt-outs
(rtcc.sms.optout) and `Receipts`; the AWS wiring is rtcc.alerts.sms_line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from rtcc.alerts import manage_token
from rtcc.alerts.numbers import any_number, normalise_number
from rtcc.alerts.sms_line import LINE_NAME
from rtcc.alerts.subscriber_ports import Channel, Consent, Subscriber
from rtcc.alerts.subscriptions import Outcome, Subscriptions
from rtcc.errors import Invalid
from rtcc.i18n import FALLBACK
from rtcc.sms.inbound import FormError
from rtcc.sms.optout import AdvancedOptOut, OptOuts, OptOutSource, advanced_opt_out


class Keyword(StrEnum):
    STOP = "stop"
    START = "start"
    YES = "yes"
    HELP = "help"
    OTHER = "other"  # a JOIN, a ZIP, or anything else


_WORDS = {
    **dict.fromkeys(
        ("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"), Keyword.STOP
    ),
    **dict.fromkeys(("START", "UNSTOP"), Keyword.START),
    "YES": Keyword.YES,
    **dict.fromkeys(("HELP", "INFO"), Keyword.HELP),
}
_ADVANCED = {
    AdvancedOptOut.STOP: Keyword.STOP,
    AdvancedOptOut.START: Keyword.START,
    AdvancedOptOut.HELP: Keyword.HELP,
}


def _keyword_language(body: str, join_keywords: Mapping[str, str]) -> str:
    """The language a stranger's text asks for: "ALTA 99999" is answered in Spanish."""
    words = (body or "").upper().split()
    keywords = {k.upper(): v for k, v in join_keywords.items()}
    return keywords.get(words[0], FALLBACK) if words else FALLBACK


def read_keyword(body: str) -> Keyword:
    """The keyword a text is: " stop\\n" and "Stop" are STOP; "stop it" is not a keyword."""
    return _WORDS.get(" ".join((body or "").split()).upper(), Keyword.OTHER)


@dataclass(frozen=True)
class Received:
    outcome: str  # counted in AlertMessages
    reply: str  # the TwiML answer ('' for none)


class Receipts(Protocol):
    def claim(self, message_sid: str, now: float) -> Received | None:
        """None if this delivery may act on the message; else what the earlier delivery
        answered (an empty answer while it is still in flight)."""
        ...

    def settle(self, message_sid: str, received: Received, now: float) -> None: ...


class AlertsInbound:
    def __init__(
        self, subscriptions: Subscriptions, opt_outs: OptOuts, receipts: Receipts, contact: str
    ) -> None:
        self.subs, self.opt_outs, self.receipts, self.contact = subscriptions, opt_outs, receipts, contact

    def receive(self, form: Mapping[str, str], now: float) -> Received:
        sid, sender = (form.get("MessageSid") or "").strip(), (form.get("From") or "").strip()
        if not sid.startswith(("SM", "MM")):
            raise FormError("MessageSid: missing or malformed")
        if not sender:
            raise FormError("From: missing")
        earlier = self.receipts.claim(sid, now)
        if earlier is not None:
            return Received("duplicate", earlier.reply)
        received = self._act(sender, form, now)
        self.receipts.settle(sid, received, now)
        return received

    def _act(self, sender: str, form: Mapping[str, str], now: float) -> Received:
        policy = self.subs.policy
        body = form.get("Body") or ""
        advanced = advanced_opt_out(form)
        keyword = _ADVANCED[advanced] if advanced else read_keyword(body)
        e164, eligible = self._number(sender, keyword)
        if e164 is None:
            return Received("not-eligible", "")  # nothing to stop, nothing to sign up
        key = manage_token.number_mac(self.subs.mac, e164)
        sub = self.subs.store.by_number(key)
        language = sub.prefs.language if sub else _keyword_language(body, policy.join_keywords)
        source = OptOutSource.ADVANCED_OPT_OUT if advanced else OptOutSource.KEYWORD
        # A number the program would not sign up (foreign, say) and never did gets no answer:
        # its STOP still counts, but a reply would be a text to anywhere on request (SMS pumping).
        silent = advanced is not None or (not eligible and sub is None)
        if keyword is Keyword.STOP:
            return self._stop(key, sub, language, body, source, now, quiet=silent)
        if keyword is Keyword.HELP:
            return Received("help", "" if silent else self._text(language, "alerts.help"))
        if keyword is Keyword.OTHER:
            return self._join(e164, key, body, language, now)
        self.opt_outs.record(LINE_NAME, key, False, source)
        if keyword is Keyword.YES:
            return self._yes(e164, language, body, now)
        return Received("start", "" if advanced else self._text(language, "alerts.started"))

    def _number(self, sender: str, keyword: Keyword) -> tuple[str | None, bool]:
        """The sender's E.164 number, and whether the program may sign it up. STOP and HELP
        hold for any number phonenumbers can read (one the current config would not sign up
        may have been texted before, or by mistake: its STOP must still stop it); anything
        else only for a number that may sign up."""
        policy = self.subs.policy
        try:
            return normalise_number(sender, region=policy.region, allow_foreign=policy.allow_foreign), True
        except Invalid:
            if keyword in (Keyword.STOP, Keyword.HELP):
                return any_number(sender, region=policy.region), False
            return None, False

    def _stop(
        self,
        key: str,
        sub: Subscriber | None,
        language: str,
        body: str,
        source: OptOutSource,
        now: float,
        quiet: bool,
    ) -> Received:
        # The opt-out first: from here on nothing is sent, whatever happens to the rest.
        self.opt_outs.record(LINE_NAME, key, True, source)
        if sub is not None:
            evidence = Consent(
                sub.subscriber_id, sub.number_mac, "stop-received", Channel.SMS, body, now, None
            )
            self.subs.store.add_consent(evidence)
            self.subs.end(sub, now)  # deletes it; the evidence keeps its retention period
        return Received("stop", "" if quiet else self._text(language, "alerts.stopped"))

    def _yes(self, e164: str, language: str, body: str, now: float) -> Received:
        result = self.subs.confirm(e164, now, received=body.strip())
        if result.outcome is Outcome.CONFIRMED:
            return Received("confirmed", result.text or "")
        if result.outcome is Outcome.ALREADY_ACTIVE:
            return Received("already-active", self._text(language, "alerts.active"))
        return Received("no-pending", self._text(language, "alerts.started"))

    def _join(self, e164: str, key: str, body: str, language: str, now: float) -> Received:
        try:
            result = self.subs.join_by_text(e164, body, now)
        except Invalid:  # a zone keyword of a zone the program no longer has
            return Received("unknown-zone", self._text(language, "alerts.unknown_zone"))
        if result is None:
            return Received("other", self._text(language, "alerts.help"))
        if result.outcome is Outcome.PENDING:
            # Asking to join is the resident's own request for the confirmation text: it
            # lifts an earlier STOP of this line (the subscription is active only after YES).
            self.opt_outs.record(LINE_NAME, key, False, OptOutSource.KEYWORD)
            return Received("pending", result.text or "")
        if result.outcome is Outcome.UNKNOWN_ZONE:
            return Received("unknown-zone", self._text(language, "alerts.unknown_zone"))
        if result.outcome is Outcome.ALREADY_ACTIVE:
            return Received("already-active", self._text(language, "alerts.active"))
        return Received("unchanged", "")  # a repeat within the window: no second text

    def _text(self, language: str, key: str) -> str:
        policy = self.subs.policy
        return self.subs.catalog.text(language, key, program=policy.program_name, contact=self.contact)
